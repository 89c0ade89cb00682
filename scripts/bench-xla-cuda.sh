#!/usr/bin/env bash
# Runs the CNN inference benchmark on a CUDA GPU through XLA, using the PJRT
# CUDA plugin of a JAX installation (jax_cuda12/13_pjrt) and its NVIDIA
# libraries. Build the test binary first, on any machine:
#
#   GOEXPERIMENT=simd go test -c -tags xla -o bin/cnn.test ./pkg/cnn
#
# then run this next to it: SITE=<python site-packages holding jax_plugins/>
# (default: the torch virtualenv of the project's GPU machines). The PyTorch
# peer of the benchmark runs on the CPU with $DT_PYTHON.
set -euo pipefail
SITE=${SITE:-/opt/torch/.venv/lib/python3.12/site-packages}
plugin=$(find "$SITE/jax_plugins" -name "xla_cuda_plugin.so" | head -1)
[ -n "$plugin" ] || { echo "no xla_cuda_plugin.so under $SITE/jax_plugins"; exit 1; }
export XLA_FLAGS=--xla_gpu_cuda_data_dir=$SITE/nvidia GOPJRT_CUDA_CHECKS=0 GOMLX_NO_AUTO_INSTALL=1 TF_CPP_MIN_LOG_LEVEL=2
export LD_LIBRARY_PATH=$(ls -d "$SITE"/nvidia/*/lib | tr '\n' ':')${LD_LIBRARY_PATH:-}
export DT_PYTHON=${DT_PYTHON:-$(dirname "$SITE")/../../bin/python3} DT_BACKEND=xla:$plugin
cd "$(dirname "$0")/../pkg/cnn"
../../bin/cnn.test -test.run '^$' -test.bench Inference -test.benchtime 1x -test.v
