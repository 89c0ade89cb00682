"""torchvision reference for the CNN parity tests (cnn_test.go).

usage: torchvision_ref.py MODEL STATE.npz INPUTS.npy OUT.npz

Builds torchvision's MODEL, loads the state dict from STATE.npz (written by
the Go test: torchvision's random initialisation drawn in Go, with randomised
BatchNorm statistics so that eval mode is not the identity; every key must
fit, strictly), and writes the eval-mode logits and the penultimate features
(the input of the last Linear layer) for INPUTS.
"""
import sys

import numpy as np
import torch
import torchvision

name, state, inputs, out = sys.argv[1:5]
torch.set_num_threads(2)
net = getattr(torchvision.models, name)(weights=None).eval()
z = np.load(state)
net.load_state_dict({k: torch.from_numpy(z[k]) for k in z.files}, strict=True)
last = [m for m in net.modules() if isinstance(m, torch.nn.Linear)][-1]
captured = {}


def keep_input(module, inp, outp):
    captured["f"] = inp[0].detach()  # returns None: the output is left alone


last.register_forward_hook(keep_input)
x = torch.from_numpy(np.load(inputs))
with torch.no_grad():
    logits = net(x)
np.savez(out, logits=logits.numpy(), features=captured["f"].numpy())
