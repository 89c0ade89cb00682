"""numpy/scipy reference for the jackknife interval of linear CKA (rsa_test.go).

usage: cka_jackknife_ref.py OUT.npz

Draws X (25 x 10) and Y = X A + noise (25 x 6) with a fixed seed, rounds them to
float32, and writes them with linear CKA and debiased linear CKA (as in
linear_cka_ref.py) and each one's leave-one-stimulus-out jackknife normal 95%
interval: value -/+ z SE, SE^2 = (n-1)/n sum_i (theta_-i - mean theta_-)^2, every
theta_-i recomputed from the n-1 remaining stimuli (re-centred).
"""
import sys

import numpy as np
from scipy.stats import norm

from hsic import hsic_u

rng = np.random.default_rng(11)
x = (rng.standard_normal((25, 10))).astype(np.float32)
y = (x.astype(np.float64) @ rng.standard_normal((10, 6)) + 1.5 * rng.standard_normal((25, 6))).astype(np.float32)
x64, y64 = x.astype(np.float64), y.astype(np.float64)


def cka(x, y):
    xc, yc = x - x.mean(0), y - y.mean(0)
    return np.linalg.norm(yc.T @ xc) ** 2 / (np.linalg.norm(xc.T @ xc) * np.linalg.norm(yc.T @ yc))


def cka_debiased(x, y):
    kx, ky = x @ x.T, y @ y.T
    return hsic_u(kx, ky) / np.sqrt(hsic_u(kx, kx) * hsic_u(ky, ky))


out = {"x": x, "y": y}
n = len(x)
z = norm.ppf(0.975)
for name, f in (("cka", cka), ("cka_debiased", cka_debiased)):
    v = f(x64, y64)
    loo = np.array([f(np.delete(x64, i, 0), np.delete(y64, i, 0)) for i in range(n)])
    se = np.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2))
    out[name] = np.array([v, v - z * se, v + z * se])
np.savez(sys.argv[1], **out)
