"""PyTorch peer of BenchmarkInference: eval-mode img/s of a torchvision model.

usage: torchvision_bench.py MODEL BATCH ITERS THREADS
Random weights (speed does not depend on them), inputs (BATCH, 3, 128, 128),
one warm-up pass, then ITERS timed passes under torch.no_grad().
"""
import sys
import time

import torch
import torchvision

name, batch, iters, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
net = getattr(torchvision.models, name)(weights=None).eval()
x = torch.randn(batch, 3, 128, 128)
with torch.no_grad():
    net(x)
    t0 = time.perf_counter()
    for _ in range(iters):
        net(x)
    dt = time.perf_counter() - t0
print(batch * iters / dt)
