"""numpy reference for regression_test.go: OLS and the Freedman-Lane test.

usage: freedman_lane.py IN.json OUT.json
IN holds y, x, covs (a list of columns) and perms (perms[j][i] is the model
whose reduced-model residual model i gets). Every refit is an explicit
least-squares solve of the full design [1, covs, x]; OUT holds x's raw and
standardized coefficients, its t, the partial correlation of y and x given
the covariates (the correlation of their residuals on [1, covs]), the
permuted t's and the two-sided p = (1 + #{|t*| >= |t|(1 - 1e-10)}) / (1 + P).
"""
import json
import sys

import numpy as np

d = json.load(open(sys.argv[1]))
y, x = np.array(d["y"]), np.array(d["x"])
n = len(y)
Z = np.column_stack([np.ones(n)] + [np.array(c) for c in d["covs"]])
X = np.column_stack([Z, x])
df = n - X.shape[1]


def t_of(yy):
    beta = np.linalg.lstsq(X, yy, rcond=None)[0]
    r = yy - X @ beta
    cov = (r @ r / df) * np.linalg.inv(X.T @ X)
    return beta[-1], beta[-1] / np.sqrt(cov[-1, -1])


slope, t = t_of(y)
res = lambda v: v - Z @ np.linalg.lstsq(Z, v, rcond=None)[0]
partial = np.corrcoef(res(y), res(x))[0, 1]
gamma = np.linalg.lstsq(Z, y, rcond=None)[0]
fitted, e = Z @ gamma, y - Z @ gamma
null = [t_of(fitted + e[np.array(p)])[1] for p in d["perms"]]
hits = sum(abs(s) >= abs(t) * (1 - 1e-10) for s in null)
json.dump({
    "slope": slope,
    "coef": slope * x.std(ddof=1) / y.std(ddof=1),
    "t": t,
    "partial": partial,
    "null": null,
    "p": (1 + hits) / (1 + len(null)),
}, open(sys.argv[2], "w"), indent=1)
