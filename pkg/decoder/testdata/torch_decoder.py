"""PyTorch reference for the fMRI decoder (the parity oracle of decoder_test.go).

usage: torch_decoder.py CHECKPOINT.npz INPUTS.npy OUT.npz eval
       torch_decoder.py CHECKPOINT.npz INPUTS.npy OUT.npz step LABELS.npy LR

eval: load the checkpoint (a torch state_dict plus __meta__) into the original's
      network and write its eval-mode logits and embedding for INPUTS.
step: one full-batch Adam step in training mode (dropout must be 0 in the
      checkpoint's config) and write the loss and the new state_dict.
"""
import json
import sys

import numpy as np
import torch
from torch import nn


class Decoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        widths = [cfg["voxels"]] + list(cfg["hidden"]) + [cfg["embedding"]]
        self.n = len(widths) - 1
        for i in range(self.n):
            setattr(self, f"fc{i + 1}", nn.Linear(widths[i], widths[i + 1]))
            setattr(self, f"bn{i + 1}", nn.BatchNorm1d(widths[i + 1]))
        setattr(self, f"fc{self.n + 1}", nn.Linear(cfg["embedding"], cfg["classes"]))
        self.drop = nn.Dropout(cfg["dropout"])

    def forward(self, x):
        for i in range(self.n):
            x = getattr(self, f"fc{i + 1}")(x)
            x = self.drop(torch.relu(getattr(self, f"bn{i + 1}")(x)))
        return getattr(self, f"fc{self.n + 1}")(x), x


def main():
    ckpt, inputs, out, mode = sys.argv[1:5]
    torch.set_num_threads(1)
    z = np.load(ckpt)
    cfg = json.loads(bytes(z["__meta__"]))["config"]
    net = Decoder(cfg)
    state = {k: torch.from_numpy(z[k]) for k in z.files if k != "__meta__"}
    net.load_state_dict(state, strict=True)
    x = torch.from_numpy(np.load(inputs))
    if mode == "eval":
        net.eval()
        with torch.no_grad():
            logits, emb = net(x)
        np.savez(out, logits=logits.numpy(), embedding=emb.numpy())
        return
    y = torch.from_numpy(np.load(sys.argv[5]).astype(np.int64))
    opt = torch.optim.Adam(net.parameters(), lr=float(sys.argv[6]))
    net.train()
    logits, _ = net(x)
    loss = nn.functional.cross_entropy(logits, y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    arrays = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    arrays["loss"] = np.array(loss.item())
    np.savez(out, **arrays)


if __name__ == "__main__":
    main()
