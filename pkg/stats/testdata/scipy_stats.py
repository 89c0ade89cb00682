"""scipy/numpy reference for stats_test.go.

usage: scipy_stats.py X.npy Y.npy OUT.npz
Writes pearson, spearman, tau_a (computed explicitly from the signs of all
pairwise differences), tau_b (scipy's kendalltau) and percentiles 2.5/50/97.5
of X.
"""
import sys

import numpy as np
from scipy import stats

x, y = np.load(sys.argv[1]), np.load(sys.argv[2])
n = len(x)
sx = np.sign(x[:, None] - x[None, :])
sy = np.sign(y[:, None] - y[None, :])
tau_a = (sx * sy)[np.triu_indices(n, 1)].sum() / (n * (n - 1) / 2)
np.savez(sys.argv[3],
         pearson=stats.pearsonr(x, y)[0],
         spearman=stats.spearmanr(x, y)[0],
         tau_a=tau_a,
         tau_b=stats.kendalltau(x, y)[0],
         percentiles=np.percentile(x, [2.5, 50, 97.5]))
