#!/usr/bin/env bash
# make test-slurm: a small study split across a Slurm job array on a throwaway
# single-node cluster, merged, and compared with the same study run in one
# process. Needs root, slurm-wlm and munge (make setup-slurm) and bin/decoding-thoughts.
#
# Both runs share one fresh cache (the tasks must leave there what the merge
# reads), so the check starts from nothing; ONNX Runtime comes from
# ONNXRUNTIME_SHARED_LIBRARY_PATH (the Makefile points it at the usual cache's).
# A failed run keeps its folder (cluster logs, task logs, both outputs) and
# prints where; DT_SLURM_KEEP=1 keeps it always.
set -euo pipefail
cd "$(dirname "$0")/../.."

models=resnet18,regnet_y_400mf,mobilenet_v3_small
study=(--synthetic tiny --models "$models" --weights random --seeds 2 --permutations 200 --bootstraps 100)
tasks=3

bin=$PWD/bin/decoding-thoughts
[ -x "$bin" ] || { echo "test-slurm: $bin missing: make build" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dt-slurm.XXXXXX")
ok=''
cleanup() {
	scripts/slurm/cluster.sh stop "$tmp/cluster" || true
	if [ -n "$ok" ] && [ -z "${DT_SLURM_KEEP:-}" ]; then rm -rf "$tmp"; else echo "test-slurm: kept $tmp" >&2; fi
}
trap cleanup EXIT
export DT_CACHE=$tmp/cache DT_BIN=$bin
secs() { echo $((SECONDS - $1)); }

t=$SECONDS
eval "$(scripts/slurm/cluster.sh start "$tmp/cluster")"
echo "test-slurm: cluster up in $(secs "$t") s ($SLURM_CONF)"

t=$SECONDS
if ! scripts/slurm/submit.sh --tasks "$tasks" --cpus 1 --mem 4G --time 30 --wait -- "${study[@]}" --out "$tmp/sharded"; then
	for f in "$tmp"/sharded/logs/*.out; do
		[ -f "$f" ] && { echo "--- tail of $f"; tail -n 20 "$f"; }
	done >&2
	echo "test-slurm: the Slurm run failed" >&2
	exit 1
fi
echo "test-slurm: $tasks tasks and the merge in $(secs "$t") s"
for f in results.json report.html; do
	[ -s "$tmp/sharded/$f" ] || { echo "test-slurm: the merge wrote no $f" >&2; exit 1; }
done

t=$SECONDS
"$bin" study "${study[@]}" --out "$tmp/single" >"$tmp/single.log" 2>&1 ||
	{ tail -n 30 "$tmp/single.log" >&2; echo "test-slurm: the single-process study failed" >&2; exit 1; }
echo "test-slurm: the single-process study in $(secs "$t") s (same cache)"

python3 scripts/slurm/compare-results.py "$tmp/sharded/results.json" "$tmp/single/results.json"
ok=1
