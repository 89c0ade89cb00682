"""torchvision reference for the CNN parity tests (cnn_test.go).

usage: torchvision_ref.py MODEL SEED INPUTS.npy WEIGHTS.pth OUT.npz [legacy]

Builds torchvision's MODEL with random weights (seeded), randomises the
BatchNorm running statistics so that eval mode is not the identity, saves the
state_dict with torch.save (legacy: with DenseNet's old key names, as the
published checkpoint has them), and writes the eval-mode logits and the
penultimate features (the input of the last Linear layer) for INPUTS.
"""
import re
import sys

import numpy as np
import torch
import torchvision

name, seed, inputs, weights, out = sys.argv[1:6]
legacy = len(sys.argv) > 6 and sys.argv[6] == "legacy"
torch.manual_seed(int(seed))
torch.set_num_threads(2)
net = getattr(torchvision.models, name)(weights=None).eval()
with torch.no_grad():
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.2, 0.2)
state = net.state_dict()
if legacy:  # old key names, and no num_batches_tracked (added in torch 0.4.1)
    state = type(state)((re.sub(r"(denselayer\d+\.(?:norm|conv))([12])\.", r"\1.\2.", k), v)
                        for k, v in state.items() if not k.endswith("num_batches_tracked"))
torch.save(state, weights)
last = [m for m in net.modules() if isinstance(m, torch.nn.Linear)][-1]
captured = {}


def keep_input(module, inp, outp):
    captured["f"] = inp[0].detach()  # returns None: the output is left alone


last.register_forward_hook(keep_input)
x = torch.from_numpy(np.load(inputs))
with torch.no_grad():
    logits = net(x)
np.savez(out, logits=logits.numpy(), features=captured["f"].numpy())
