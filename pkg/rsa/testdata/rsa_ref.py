"""numpy/scipy reference for rsa_test.go.

usage: rsa_ref.py A.npy B.npy LABELS.npy CLASSES MA.npy MB.npy OUT.npz
A and B are (n, d) float32 patterns. Writes, for A: cosine (n,n), corrdist
(n,n), euclid (n,n), class_cosine (C,C); and the comparisons of the two
(n, n) matrices MA and MB (the Go side's cosine matrices, so that both sides
rank the same values and meet the same ties): pearson_full, pearson,
spearman, kendall_a (tau-a from the signs of all pairwise differences),
within_class_spearman (scipy's Spearman within each class's pairs i < j,
LABELS giving the classes of MA's rows, averaged weighted by the classes'
pair counts) and partial_spearman_category (controlling one indicator per
class pair: computed here by least squares on the indicator matrix, the
residuals of both rank vectors then correlated),
and cka (centred kernel alignment of MA and MB as kernels, with the centring
matrix H; for cosine matrices also the linear CKA of the normalised patterns,
checked here against that feature-space formula), and cka_debiased (the same
with Song et al.'s unbiased HSIC estimator, diagonals zeroed).
"""
import sys

import numpy as np
from scipy import stats
from scipy.spatial.distance import cdist

a = np.load(sys.argv[1]).astype(np.float64)
b = np.load(sys.argv[2]).astype(np.float64)
labels = np.load(sys.argv[3])
classes = int(sys.argv[4])
ma, mb = np.load(sys.argv[5]), np.load(sys.argv[6])


def cosine(x):
    u = x / np.linalg.norm(x, axis=1, keepdims=True)
    return u @ u.T


ca, cb = cosine(a), cosine(b)
means = np.stack([a[labels == c].mean(axis=0) for c in range(classes)])
iu = np.triu_indices(len(a), 1)
x, y = ma[iu], mb[iu]
sx = np.sign(x[:, None] - x[None, :])
sy = np.sign(y[:, None] - y[None, :])
m = len(x)
same = (labels[:, None] == labels[None, :])[iu]
li, lj = labels[iu[0]], labels[iu[1]]
cls = [c for c in range(classes) if (labels == c).sum() > 1]
rhos = [(((li == c) & (lj == c)).sum(), stats.spearmanr(x[(li == c) & (lj == c)], y[(li == c) & (lj == c)])[0]) for c in cls]
within = sum(m * r for m, r in rhos) / sum(m for m, _ in rhos)
blocks = np.minimum(li, lj) * classes + np.maximum(li, lj)
design = np.stack([(blocks == v).astype(float) for v in np.unique(blocks)], axis=1)
rx, ry = stats.rankdata(x), stats.rankdata(y)
res_x = rx - design @ np.linalg.lstsq(design, rx, rcond=None)[0]
res_y = ry - design @ np.linalg.lstsq(design, ry, rcond=None)[0]
H = np.eye(len(ma)) - 1.0 / len(ma)
ka, kb = H @ ma @ H, H @ mb @ H
cka = (ka * kb).sum() / np.sqrt((ka * ka).sum() * (kb * kb).sum())
ua, ub = a / np.linalg.norm(a, axis=1, keepdims=True), b / np.linalg.norm(b, axis=1, keepdims=True)
ua, ub = ua - ua.mean(0), ub - ub.mean(0)
cka_features = np.linalg.norm(ub.T @ ua) ** 2 / (np.linalg.norm(ua.T @ ua) * np.linalg.norm(ub.T @ ub))
assert abs(cka - cka_features) < 1e-6, (cka, cka_features)


def hsic_unbiased(k, l):
    n = len(k)
    k, l = k - np.diag(np.diag(k)), l - np.diag(np.diag(l))
    one = np.ones(n)
    return (np.trace(k @ l) + (one @ k @ one) * (one @ l @ one) / ((n - 1) * (n - 2))
            - 2.0 / (n - 2) * (one @ k @ l @ one)) / (n * (n - 3))


cka_debiased = hsic_unbiased(ma, mb) / np.sqrt(hsic_unbiased(ma, ma) * hsic_unbiased(mb, mb))
np.savez(sys.argv[7],
         cosine=ca,
         corrdist=1 - np.corrcoef(a),
         euclid=cdist(a, a),
         class_cosine=cosine(means),
         pearson_full=np.corrcoef(ma.ravel(), mb.ravel())[0, 1],
         pearson=stats.pearsonr(x, y)[0],
         spearman=stats.spearmanr(x, y)[0],
         kendall_a=(sx * sy)[np.triu_indices(m, 1)].sum() / (m * (m - 1) / 2),
         within_class_spearman=within,
         partial_spearman_category=np.corrcoef(res_x, res_y)[0, 1],
         cka=cka,
         cka_debiased=cka_debiased)
