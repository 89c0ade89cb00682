"""PyTorch reference for the fMRI decoder (the parity oracle of decoder_test.go).

usage: torch_decoder.py CHECKPOINT.npz INPUTS.npy OUT.npz eval
       torch_decoder.py CHECKPOINT.npz INPUTS.npy OUT.npz step LABELS.npy LR
       torch_decoder.py bench N VOXELS EPOCHS THREADS

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


def bench(n, voxels, epochs, threads):
    """The benchmark peer: the original's training loop (WeightedRandomSampler,
    batch 128, Adam lr 0.01) on random data; prints seconds per epoch after one
    warm-up epoch."""
    import time
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    x = torch.randn(n, voxels)
    y = torch.randint(0, 3, (n,))
    counts = torch.bincount(y).double()
    sampler = torch.utils.data.WeightedRandomSampler(1.0 / counts[y], n, replacement=True)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=128, sampler=sampler)
    net = Decoder({"voxels": voxels, "hidden": [512, 512], "embedding": 100, "classes": 3, "dropout": 0.6})
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    net.train()
    times = []
    for epoch in range(epochs + 1):
        t0 = time.perf_counter()
        for xb, yb in loader:
            opt.zero_grad()
            logits, _ = net(xb)
            nn.functional.cross_entropy(logits, yb).backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    print(sum(times[1:]) / epochs)


def main():
    if sys.argv[1] == "bench":
        bench(*map(int, sys.argv[2:6]))
        return
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
