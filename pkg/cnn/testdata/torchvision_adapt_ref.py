"""torchvision reference for BatchNorm adaptation (adapt_test.go).

usage: torchvision_adapt_ref.py MODEL STATE.npz ADAPT.npy INPUTS.npy OUT.npz

Builds torchvision's MODEL with the state dict of STATE.npz (strict), then
adapts its BatchNorm statistics as the study's "adapt" mode defines it: one
training-mode forward pass of all of ADAPT as a single batch, every
BatchNorm with momentum 1 (its running statistics become the batch's mean
and unbiased variance), every other module (dropout, stochastic depth) in
evaluation mode. Writes the eval-mode logits and penultimate features for
INPUTS afterwards, and one BatchNorm's running statistics, computed in
float64 (the exact answer) and the outputs again in float32 (*_f32): deep
networks with batch statistics amplify float32 rounding (ResNet-152: 8e-4 of
the logits' scale between torch's own float32 and float64 results), so the
test's tolerance grows with torch's own float32 error.
"""
import sys

import numpy as np
import torch
import torchvision

name, state, adapt, inputs, out = sys.argv[1:6]
torch.set_num_threads(2)
net = getattr(torchvision.models, name)(weights=None).eval()
z = np.load(state)
net.load_state_dict({k: torch.from_numpy(z[k]) for k in z.files}, strict=True)
pristine = {k: v.clone() for k, v in net.state_dict().items()}


def adapted(dtype):
    net.load_state_dict(pristine)
    net.to(dtype)
    bns = [m for m in net.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.momentum = 1.0
        m.train()
    with torch.no_grad():
        net(torch.from_numpy(np.load(adapt)).to(dtype))
    net.eval()
    last = [m for m in net.modules() if isinstance(m, torch.nn.Linear)][-1]
    captured = {}

    def keep_input(module, inp, outp):
        captured["f"] = inp[0].detach()

    hook = last.register_forward_hook(keep_input)
    with torch.no_grad():
        logits = net(torch.from_numpy(np.load(inputs)).to(dtype))
    hook.remove()
    return logits.double().numpy(), captured["f"].double().numpy(), bns[len(bns) // 2]


logits32, features32, _ = adapted(torch.float32)
logits, features, probe = adapted(torch.float64)
np.savez(out, logits=logits, features=features, logits_f32=logits32, features_f32=features32,
         probe_mean=probe.running_mean.numpy(), probe_var=probe.running_var.numpy(),
         probe_count=np.array([probe.num_batches_tracked.item()], dtype=np.float64))
