"""numpy reference for linear CKA between feature matrices (rsa_test.go).

usage: linear_cka_ref.py OUT.npz

Draws X (30 x 12) and Y = X A + noise (30 x 7) with a fixed seed and writes
them with linear CKA in the feature-space form ||Yc' Xc||_F^2 /
(||Xc' Xc||_F ||Yc' Yc||_F) (Kornblith et al. 2019) and debiased linear CKA
(unbiased HSIC of the Gram matrices, Song et al. 2012).
"""
import sys

import numpy as np

from hsic import hsic_u

rng = np.random.default_rng(5)
x = rng.standard_normal((30, 12))
y = x @ rng.standard_normal((12, 7)) + 2.0 * rng.standard_normal((30, 7))
xc, yc = x - x.mean(0), y - y.mean(0)
cka = np.linalg.norm(yc.T @ xc) ** 2 / (np.linalg.norm(xc.T @ xc) * np.linalg.norm(yc.T @ yc))

kx, ky = x @ x.T, y @ y.T
deb = hsic_u(kx, ky) / np.sqrt(hsic_u(kx, kx) * hsic_u(ky, ky))
np.savez(sys.argv[1], x=x.astype(np.float32), y=y.astype(np.float32), cka=np.array([cka]), cka_debiased=np.array([deb]))
