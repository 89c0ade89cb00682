#!/usr/bin/env python3
"""Compare two results.json files: a study merged from Slurm tasks against the
same study run in one process.

    scripts/slurm/compare-results.py A/results.json B/results.json

The per-run measurements (timings, peak_memory_mb, compilations), wherever they
appear, are left out; numbers must agree to a relative 1e-9 (--rel-tol), NaN
equals NaN, and everything else exactly. Prints the first differing paths
(--show) and exits 1 if there are any, 0 if the two agree.
"""
import argparse
import json
import math
import sys

RUN_FIELDS = ("timings", "peak_memory_mb", "compilations")


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in RUN_FIELDS}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def brief(v):
    s = json.dumps(v)
    return s if len(s) <= 80 else s[:77] + "..."


def diff(a, b, path, rel_tol, out):
    """Appends to out a (path, message) for each difference of a and b."""
    num = (int, float)
    if isinstance(a, num) and isinstance(b, num) and not isinstance(a, bool) and not isinstance(b, bool):
        a, b = float(a), float(b)
        if math.isnan(a) and math.isnan(b):
            return
        if not math.isclose(a, b, rel_tol=rel_tol, abs_tol=0.0):
            rel = abs(a - b) / max(abs(a), abs(b))
            out.append((path, f"{a!r} != {b!r} (relative difference {rel:.3g})"))
        return
    if type(a) is not type(b):
        out.append((path, f"{brief(a)} != {brief(b)}"))
    elif isinstance(a, dict):
        for k in sorted(a.keys() | b.keys()):
            p = f"{path}.{k}" if path else k
            if k not in b:
                out.append((p, "only in the first"))
            elif k not in a:
                out.append((p, "only in the second"))
            else:
                diff(a[k], b[k], p, rel_tol, out)
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append((path, f"{len(a)} items != {len(b)} items"))
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", rel_tol, out)
    elif a != b:
        out.append((path, f"{brief(a)} != {brief(b)}"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("first")
    ap.add_argument("second")
    ap.add_argument("--rel-tol", type=float, default=1e-9, help="relative tolerance of numbers (default 1e-9)")
    ap.add_argument("--show", type=int, default=20, help="differences to print (default 20)")
    args = ap.parse_args()
    trees = []
    for name in (args.first, args.second):
        try:
            with open(name) as f:
                trees.append(strip(json.load(f)))
        except (OSError, ValueError) as e:
            sys.exit(f"compare-results: {name}: {e}")
    out = []
    diff(trees[0], trees[1], "", args.rel_tol, out)
    if not out:
        print(f"compare-results: {args.first} and {args.second} agree (without {', '.join(RUN_FIELDS)})")
        return
    print(f"compare-results: {len(out)} differences between {args.first} and {args.second}; the first:")
    for path, msg in out[: args.show]:
        print(f"  {path or '(top)'}: {msg}")
    sys.exit(1)


if __name__ == "__main__":
    main()
