"""Writes the same small state dict as .pth (torch.save's zip archive), as a
legacy .pth (torch.save's pre-1.6 format, which older torchvision weights
such as vgg11_bn-6002323d.pth use) and as .safetensors (written by hand from
the format's specification) for weights_test.go. The
.pth holds a transposed view and a slice of a larger storage, so strides and
offsets are exercised.

usage: make_checkpoints.py OUT.pth OUT.safetensors OUT_reference.npz OUT_legacy.pth
"""
import collections
import json
import struct
import sys

import numpy as np
import torch

torch.manual_seed(0)
big = torch.randn(6, 5)
state = collections.OrderedDict()
state["conv.weight"] = torch.randn(4, 3, 2, 2)
state["fc.weight"] = big.t()          # a transposed view: strides (1, 5)
state["fc.bias"] = big[2, 1:4]        # a slice at an offset
state["bn.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)
torch.save(state, sys.argv[1])
torch.save(state, sys.argv[4], _use_new_zipfile_serialization=False)

arrays = {k: v.contiguous().numpy() for k, v in state.items()}
header, blobs, offset = {}, [], 0
for k, a in arrays.items():
    b = a.astype("<f4" if a.dtype == np.float32 else "<i8").tobytes()
    header[k] = {"dtype": "F32" if a.dtype == np.float32 else "I64", "shape": list(a.shape),
                 "data_offsets": [offset, offset + len(b)]}
    blobs.append(b)
    offset += len(b)
header["__metadata__"] = {"format": "pt"}
h = json.dumps(header).encode()
with open(sys.argv[2], "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))
np.savez(sys.argv[3], **arrays)
