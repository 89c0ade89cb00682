"""torchvision's random initialisation, summarised (init_test.go).

usage: torchvision_init_ref.py OUT.npz MODEL...

For each MODEL built with weights=None (torch.manual_seed(0)), writes one
row per state_dict entry, keyed "MODEL|KEY": the entry's mean, standard
deviation, minimum and maximum.
"""
import sys

import numpy as np
import torch
import torchvision

out, names = sys.argv[1], sys.argv[2:]
torch.set_num_threads(2)
rows = {}
for name in names:
    torch.manual_seed(0)
    net = getattr(torchvision.models, name)(weights=None)
    for k, v in net.state_dict().items():
        x = v.double().flatten()
        rows[name + "|" + k] = np.array([x.mean().item(), x.std(unbiased=False).item(), x.min().item(), x.max().item()])
np.savez(out, **rows)
