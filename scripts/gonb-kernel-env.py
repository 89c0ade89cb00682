#!/usr/bin/env python3
"""Write the project's build environment into the gonb kernel's kernel.json.

usage: gonb-kernel-env.py KERNEL_JSON NAME=VALUE...

A Jupyter server started any way (make jupyter, JupyterLab in the Docker
image, a user's own) then builds the notebooks as the CLI is built
(GOEXPERIMENT=simd, GOFLAGS=-mod=mod, ...). Other env entries are kept; the
file is replaced atomically. Prints whether anything changed.
"""
import json
import os
import sys
import tempfile

path = sys.argv[1]
with open(path) as f:
    spec = json.load(f)
env = spec.setdefault("env", {})
before = dict(env)
for arg in sys.argv[2:]:
    name, _, value = arg.partition("=")
    if not name or not value:
        sys.exit(f"gonb-kernel-env.py: {arg!r}: want NAME=VALUE")
    env[name] = value
if env == before:
    print(f"{path}: kernel environment up to date")
    sys.exit(0)
fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".kernel.json.")
with os.fdopen(fd, "w") as f:
    json.dump(spec, f, indent=1)
    f.write("\n")
os.replace(tmp, path)
print(f"{path}: kernel environment set: " + ", ".join(f"{k}={env[k]}" for k in sorted(env)))
