#!/usr/bin/env bash
# Executes every notebook headless with the gonb kernel, keeps the executed
# copies in OUT for inspection, and fails if any cell produced an error or a
# notebook lacks figures. With --html, also exports each executed notebook.
set -euo pipefail
out=${1:?usage: run-notebooks.sh OUT [--html]}
html=${2:-}
mkdir -p "$out"
status=0
for nb in notebooks/*.ipynb; do
	name=$(basename "$nb")
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
