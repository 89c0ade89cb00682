#!/usr/bin/env bash
# Executes every notebook headless with the gonb kernel, keeps the executed
# copies in OUT for inspection, and fails if any cell produced an error or a
# notebook lacks figures. With --html, also exports each executed notebook.
set -euo pipefail
out=${1:?usage: run-notebooks.sh OUT [--html]}
html=${2:-}
mkdir -p "$out"
status=0
# The CNN notebooks run five ImageNet networks over hundreds of images: minutes
# on ONNX Runtime, hours on the pure-Go backend's convolutions. Without the
# library (no npm for `make setup-ort`) they are skipped, and said so, unless
# DT_SLOW_NOTEBOOKS=1.
fast=1
if bin/decoding-thoughts backend 2>/dev/null | grep -q "ONNX Runtime library: not found"; then fast=0; fi
for nb in notebooks/*.ipynb; do
	name=$(basename "$nb")
	if [ $fast = 0 ] && [ "${DT_SLOW_NOTEBOOKS:-}" != 1 ] && grep -q 'nb\.CNN(\|nb\.Study(\|nb\.Layers(' "$nb"; then
		echo "notebook: SKIPPING $name: it needs the ONNX Runtime library (make setup-ort, which needs npm); DT_SLOW_NOTEBOOKS=1 runs it on pure Go"
		continue
	fi
	echo "notebook: executing $name"
	start=$(date +%s)
	jupyter nbconvert --to notebook --execute --allow-errors \
		--ExecutePreprocessor.timeout=1200 --ExecutePreprocessor.kernel_name=gonb \
		--output-dir="$out" "$nb" >/dev/null 2>"$out/${name%.ipynb}.log" || { cat "$out/${name%.ipynb}.log"; status=1; continue; }
	/usr/bin/python3 scripts/check-notebook.py "$out/$name" || status=1
	echo "notebook: $name took $(( $(date +%s) - start ))s"
	if [ "$html" = "--html" ]; then
		jupyter nbconvert --to html --output-dir="$out" "$out/$name" >/dev/null 2>&1
	fi
done
exit $status
