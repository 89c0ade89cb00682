"""torchvision reference for intermediate-layer features (layers_test.go).

usage: torchvision_layers_ref.py MODEL STATE.npz INPUTS.npy LAYERS POOLS OUT.npz

Builds torchvision's MODEL with the state dict in STATE.npz (as
torchvision_ref.py), registers a forward hook on every module path in LAYERS
(comma-separated; "penultimate" is the input of the last Linear layer,
"logits" the network's output) and writes, for INPUTS, each hooked output
pooled as in POOLS (comma-separated): "gap" (mean over positions) and
"grid4" (adaptive_avg_pool2d to 4 x 4, flattened), under the keys
LAYER|POOL. The penultimate features and logits are stored unpooled.
"""
import sys

import numpy as np
import torch
import torch.nn.functional as F
import torchvision

name, state, inputs, layers, pools, out = sys.argv[1:7]
torch.set_num_threads(2)
net = getattr(torchvision.models, name)(weights=None).eval()
z = np.load(state)
net.load_state_dict({k: torch.from_numpy(z[k]) for k in z.files}, strict=True)
captured = {}


def keep(key, use_input):
    def hook(module, inp, outp):
        captured[key] = (inp[0] if use_input else outp).detach()
    return hook


for layer in layers.split(","):
    if layer == "penultimate":
        last = [m for m in net.modules() if isinstance(m, torch.nn.Linear)][-1]
        last.register_forward_hook(keep(layer, True))
    elif layer != "logits":
        net.get_submodule(layer).register_forward_hook(keep(layer, False))
x = torch.from_numpy(np.load(inputs))
with torch.no_grad():
    captured["logits"] = net(x)
result = {}
for layer in layers.split(","):
    a = captured[layer]
    for pool in pools.split(","):
        if layer in ("penultimate", "logits"):
            v = a
        elif pool == "gap":
            v = a.mean(dim=(2, 3))
        else:
            v = F.adaptive_avg_pool2d(a, 4).flatten(1)
        result[layer + "|" + pool] = v.numpy().astype(np.float32)
np.savez(out, **result)
