#!/usr/bin/env bash
# The study on a CUDA GPU through XLA next to its PyTorch CUDA peer, using the
# PJRT CUDA plugin of a JAX installation (jax_cuda12/13_pjrt) and its NVIDIA
# libraries. Build the binaries first, on any machine:
#
#   GOEXPERIMENT=simd go test -c -tags xla -o bin/cnn.test ./pkg/cnn
#   GOEXPERIMENT=simd go build -tags xla -o bin/decoding-thoughts ./cmd/decoding-thoughts
#   GOEXPERIMENT=simd go build -tags xla -o bin/bench ./bench
#
# then run this on the GPU machine: SITE=<python site-packages holding
# jax_plugins/ and torch> (default: the torch virtualenv of the project's GPU
# machines). It prints, in order:
#   1. the CNN inference benchmark (img/s per backbone, batch 32 and 128);
#   2. the full-profile study end to end (`study --synthetic full`), its
#      per-stage times and graph compilations (results.json);
#   3. `bench` on the full profile: the study's fmri, cnn, rsa and robustness
#      stages next to bench/peer.py with DT_PEER_DEVICE=cuda (PyTorch on the
#      same GPU, batch 128) in the same run, with per-stage ratios.
# PROFILE=quick runs 2 and 3 on the quick profile instead.
set -euo pipefail
SITE=${SITE:-/opt/torch/.venv/lib/python3.12/site-packages}
PROFILE=${PROFILE:-full}
root=$(cd "$(dirname "$0")/.." && pwd)
plugin=$(find "$SITE/jax_plugins" -name "xla_cuda_plugin.so" | head -1)
[ -n "$plugin" ] || { echo "no xla_cuda_plugin.so under $SITE/jax_plugins"; exit 1; }
export XLA_FLAGS=--xla_gpu_cuda_data_dir=$SITE/nvidia GOPJRT_CUDA_CHECKS=0 GOMLX_NO_AUTO_INSTALL=1 TF_CPP_MIN_LOG_LEVEL=2
export LD_LIBRARY_PATH=$(ls -d "$SITE"/nvidia/*/lib | tr '\n' ':')${LD_LIBRARY_PATH:-}
export DT_PYTHON=${DT_PYTHON:-$(dirname "$SITE")/../../bin/python3} DT_BACKEND=xla:$plugin
export DT_CACHE=${DT_CACHE:-$(mktemp -d)}
out=${OUT:-$(mktemp -d)}

echo "== 1. CNN inference"
(cd "$root/pkg/cnn" && "$root/bin/cnn.test" -test.run '^$' -test.bench Inference -test.benchtime 1x -test.v)

echo "== 2. study --synthetic $PROFILE on the GPU"
/usr/bin/time -v "$root/bin/decoding-thoughts" study --synthetic "$PROFILE" --out "$out/study" 2> "$out/study.log" || { tail -30 "$out/study.log"; exit 1; }
grep -E "^stage .*done|graph compilations|Elapsed|Maximum resident" "$out/study.log"

echo "== 3. bench: stages next to PyTorch on the same GPU"
data=$(ls -d "$DT_CACHE"/synth/"$PROFILE"-seed1-* | head -1)
(cd "$root" && DT_PEER_DEVICE=cuda DT_PEER_BATCH=128 "$root/bin/bench" --data-dir "$data")
