"""Writes the small state dict of make_checkpoints.py in the layouts training
code and robustness-trained releases use, for weights_test.go:

  plain.pth              a plain dict (not an OrderedDict) of tensors
  state_dict.pth.tar     {"state_dict": {"module." + key: ...}, "epoch", "arch", "optimizer"} (ImageNet example scripts,
                         Stylized-ImageNet, AugMix)
  robustness.pt          {"model": {"module.model." + key, "module.attacker.model." + key, the input normalisers},
                         "epoch"} (the robustness library's adversarially trained models)
  model_prefix.pth       {"model." + key: ...}
  legacy_module.pth.tar  {"module." + key: ...}, torch's legacy (pre-1.6) format

usage: make_wrapped.py OUT_DIR
"""
import collections
import os
import sys

import torch

torch.manual_seed(0)
big = torch.randn(6, 5)
state = collections.OrderedDict()
state["conv.weight"] = torch.randn(4, 3, 2, 2)
state["fc.weight"] = big.t()
state["fc.bias"] = big[2, 1:4]
state["bn.num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
prefixed = lambda p: collections.OrderedDict((p + k, v) for k, v in state.items())
torch.save(dict(state), os.path.join(out, "plain.pth"))
torch.save({"epoch": 3, "arch": "tiny", "state_dict": prefixed("module."),
            "optimizer": {"state": {0: {"momentum_buffer": torch.ones(2)}}, "param_groups": [{"lr": 0.1, "params": [0]}]}},
           os.path.join(out, "state_dict.pth.tar"))
robust = collections.OrderedDict()
robust["module.normalizer.new_mean"] = torch.tensor([0.485, 0.456, 0.406]).reshape(3, 1, 1)
robust["module.normalizer.new_std"] = torch.tensor([0.229, 0.224, 0.225]).reshape(3, 1, 1)
robust.update(prefixed("module.model."))
robust["module.attacker.normalize.new_mean"] = robust["module.normalizer.new_mean"]
robust["module.attacker.normalize.new_std"] = robust["module.normalizer.new_std"]
robust.update(prefixed("module.attacker.model."))
torch.save({"model": robust, "epoch": 90}, os.path.join(out, "robustness.pt"))
torch.save(prefixed("model."), os.path.join(out, "model_prefix.pth"))
torch.save(prefixed("module."), os.path.join(out, "legacy_module.pth.tar"), _use_new_zipfile_serialization=False)
