"""The PyTorch peer of the study, stage by stage, for `make bench`.

usage: peer.py DATA_DIR MODELS PERMUTATIONS BOOTSTRAPS [SEEDS EXTRA ADAPT]
Runs the original study's computations with Debian's torch, torchvision, numpy
and scipy (2 threads) on the same Kay-format data the Go study ran on, and
prints one JSON object of seconds per stage, named as the Go study's stages.
The optional arguments make it do the Go study's work (bench/main.go passes
them): SEEDS training seeds of the decoder and of each head (default 1),
EXTRA augmented training views through each backbone besides view 0 (the Go
study's distinct ones; default 0) and ADAPT 1 to re-estimate the BatchNorm
statistics first as the Go study defines it (one training-mode pass of all
clean training images as a single batch, momentum 1; default 0).
DT_PEER_DEVICE=cuda runs the networks on the GPU instead (backbone batches of
DT_PEER_BATCH images, default 32; scripts/bench-xla-cuda.sh sets 128):
  fmri        per seed, the decoder: 10 epochs, batch 128, Adam 0.01,
              balanced sampling
  cnn         per model: the BatchNorm adaptation (ADAPT), backbone outputs
              for the training images, EXTRA augmented views (flipped images,
              as costly as any view) and the test images (batch 32, eval
              mode), then per seed the head: 30 epochs, Adam 0.001
  rsa         per model: cosine RSMs, Spearman over the upper triangle with a
              permutation p-value and a bootstrap interval
  robustness  per model: Gaussian (sigma 0,1,2,4,8) and box (blur_limit
              1,4,8,12,16) blur of the test images, backbone and head
"""
import json
import os
import sys
import time

import numpy as np
import torch
from scipy import ndimage, stats
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "pkg", "decoder", "testdata"))
from torch_decoder import Decoder  # noqa: E402

import torchvision  # noqa: E402

IGNORE = {"person", "fungus", "fruit", "plant", "entity"}
DEVICE = torch.device(os.environ.get("DT_PEER_DEVICE", "cpu"))
BATCH = int(os.environ.get("DT_PEER_BATCH", "32"))


def sync():
    """Waits for the GPU's queued work, so that a stage's time is its own."""
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


def load(data):
    z = np.load(os.path.join(data, "kay_images.npz"))
    lab = np.load(os.path.join(data, "kay_labels.npy"))
    lab_val = np.load(os.path.join(data, "kay_labels_val.npy"))
    keep = np.array([c not in IGNORE for c in lab[0]])
    keep_val = np.array([c not in IGNORE for c in lab_val[0]])
    classes = sorted(set(lab[0][keep]))
    y = np.array([classes.index(c) for c in lab[0][keep]])
    y_val = np.array([classes.index(c) for c in lab_val[0][keep_val]])
    vox = (z["roi"] >= 1) & (z["roi"] <= 7)
    return dict(x=z["responses"][keep][:, vox].astype(np.float32), x_val=z["responses_test"][keep_val][:, vox].astype(np.float32),
                img=z["stimuli"][keep], img_val=z["stimuli_test"][keep_val], y=y, y_val=y_val, classes=classes)


def balanced_loader(x, y, batch):
    counts = np.bincount(y)
    w = torch.as_tensor(1.0 / counts[y], dtype=torch.double)
    sampler = torch.utils.data.WeightedRandomSampler(w, len(y), replacement=True)
    ds = torch.utils.data.TensorDataset(torch.as_tensor(x).to(DEVICE), torch.as_tensor(y).to(DEVICE))
    return torch.utils.data.DataLoader(ds, batch_size=batch, sampler=sampler)


def fit(net, x, y, epochs, lr, forward=lambda n, xb: n(xb)[0]):
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    loader = balanced_loader(x, y, 128)
    net.train()
    for _ in range(epochs):
        for xb, yb in loader:
            if len(yb) < 2:
                continue
            opt.zero_grad()
            nn.functional.cross_entropy(forward(net, xb), yb).backward()
            opt.step()
    net.eval()


def quantize(img):
    lo, hi = img.min(axis=(1, 2), keepdims=True), img.max(axis=(1, 2), keepdims=True)
    return np.floor((img - lo) / (hi - lo) * 255).astype(np.float32) / 255


def backbone_outputs(net, q, mean, std):
    out = []
    with torch.no_grad():
        for i in range(0, len(q), BATCH):
            b = torch.as_tensor((q[i:i + BATCH] - mean) / std)[:, None].repeat(1, 3, 1, 1).to(DEVICE)
            out.append(net(b).cpu().numpy())
    return np.concatenate(out)


def adapt(net, q, mean, std):
    """Every BatchNorm's running statistics from one training-mode pass of
    all of q as a single batch (momentum 1: the batch's mean and unbiased
    variance), dropout off."""
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.momentum = 1.0
    net.train()
    for m in net.modules():
        if isinstance(m, nn.Dropout):
            m.eval()
    with torch.no_grad():
        net(torch.as_tensor((q - mean) / std)[:, None].repeat(1, 3, 1, 1).to(DEVICE))
    net.eval()


def cosine(e):
    u = e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
    return u @ u.T


def rsa_test(a, b, perms, boots, rng):
    iu = np.triu_indices(len(a), 1)
    obs = stats.spearmanr(a[iu], b[iu])[0]
    ra = stats.rankdata(a[iu])
    rb = np.zeros_like(b)
    rb[iu] = stats.rankdata(b[iu])
    rb = rb + rb.T
    exceed = 0
    for _ in range(perms):
        p = rng.permutation(len(a))
        exceed += np.corrcoef(ra, rb[np.ix_(p, p)][iu])[0, 1] >= obs
    vals = []
    for _ in range(boots):
        s = rng.integers(0, len(a), len(a))
        i, j = iu
        ok = s[i] != s[j]
        vals.append(stats.spearmanr(a[s[i[ok]], s[j[ok]]], b[s[i[ok]], s[j[ok]]])[0])
    return obs, (1 + exceed) / (1 + perms), np.percentile(vals, [2.5, 97.5])


def main():
    data, models, perms, boots = sys.argv[1], sys.argv[2].split(","), int(sys.argv[3]), int(sys.argv[4])
    seeds, extra, adapt_bn = (int(a) for a in sys.argv[5:8]) if len(sys.argv) > 5 else (1, 0, 0)
    if DEVICE.type == "cpu":
        torch.set_num_threads(2)
    torch.manual_seed(1)
    rng = np.random.default_rng(1)
    d = load(data)
    t = {}
    t0 = time.perf_counter()
    for seed in range(seeds):
        torch.manual_seed(1 + seed)
        dec = Decoder({"voxels": d["x"].shape[1], "hidden": [512, 512], "embedding": 100, "classes": len(d["classes"]), "dropout": 0.6}).to(DEVICE)
        fit(dec, d["x"], d["y"], 10, 0.01)
        with torch.no_grad():
            _, emb = dec(torch.as_tensor(d["x_val"]).to(DEVICE))
        if seed == 0:
            fmri_emb = emb.cpu()
    sync()
    t["fmri"] = time.perf_counter() - t0

    q, q_val = quantize(d["img"]), quantize(d["img_val"])
    mean, std = q.mean(), q.std()
    t0 = time.perf_counter()
    nets, heads, embs = {}, {}, {}
    for name in models:
        net = getattr(torchvision.models, name)(weights=None).eval().to(DEVICE)
        if adapt_bn:
            adapt(net, q, mean, std)
        f, f_val = backbone_outputs(net, q, mean, std), backbone_outputs(net, q_val, mean, std)
        if extra:
            flipped = np.concatenate([q] * (extra // len(q) + 1))[:extra, :, ::-1].copy()
            backbone_outputs(net, flipped, mean, std)
        for seed in range(seeds):
            torch.manual_seed(1 + seed)
            head = nn.Sequential(nn.Linear(1000, 100), nn.Linear(100, len(d["classes"]))).to(DEVICE)
            fit(head, f, d["y"], 30, 0.001, forward=lambda n, xb: n(xb))
            with torch.no_grad():
                emb = head[0](torch.as_tensor(f_val).to(DEVICE)).cpu().numpy()
            if seed == 0:
                embs[name], heads[name] = emb, head
        nets[name] = net
    sync()
    t["cnn"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    rf = cosine(fmri_emb.numpy().astype(np.float64))
    order = np.argsort(d["y_val"], kind="stable")
    rf = rf[np.ix_(order, order)]
    for name in models:
        rm = cosine(embs[name].astype(np.float64))[np.ix_(order, order)]
        rsa_test(rf, rm, perms, boots, rng)
    t["rsa"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    for name in models:
        for sigma in [0, 1, 2, 4, 8]:
            blurred = np.stack([ndimage.gaussian_filter(im, sigma) if sigma else im for im in q_val])
            with torch.no_grad():
                heads[name](torch.as_tensor(backbone_outputs(nets[name], blurred, mean, std)).to(DEVICE)).cpu()
        for limit in [1, 4, 8, 12, 16]:
            ks = [k for k in range(min(3, limit), max(3, limit) + 1) if k % 2]
            blurred = np.stack([ndimage.uniform_filter(im, rng.choice(ks), mode="mirror") for im in q_val])
            with torch.no_grad():
                heads[name](torch.as_tensor(backbone_outputs(nets[name], blurred, mean, std)).to(DEVICE)).cpu()
    sync()
    t["robustness"] = time.perf_counter() - t0
    print(json.dumps(t))


if __name__ == "__main__":
    main()
