#!/usr/bin/env bash
# Submit a whole study to Slurm: a job array of N tasks, each running
# `decoding-thoughts study --shard I/N` over its share of the models, then the
# merge (`study merge`), which starts only once every task has succeeded.
#
#   scripts/slurm/submit.sh --tasks N [options] -- STUDY-FLAGS... --out DIR
#
# options:
#   --tasks N       split the models into N tasks (array 0..N-1); required
#   --only LIST     submit only these tasks of the N (sbatch's syntax: 3 or 3,5 or 2-4), then the merge:
#                   to rerun failed tasks with the same flags; finished ones are kept
#   --cpus C        CPUs per task (default study.sbatch's, 4)
#   --mem M         memory per task, as sbatch's --mem (default study.sbatch's, 16G)
#   --gpu           one GPU per task (--gres=gpu:1) and DT_BACKEND=xla:cuda unless DT_BACKEND is set or
#                   the study flags hold --backend; the CLI must be built with -tags xla (docs/cnn.md)
#   --partition P   the partition of the tasks and the merge
#   --time T        the time limit of each task and of the merge, as sbatch's --time
#   --cache DIR     DT_CACHE of every job: a folder all nodes share (default $DT_CACHE, else ~/.cache/decoding-thoughts)
#   --wait          wait for the merge and exit with its status (non-zero if a task failed)
#
# STUDY-FLAGS are `decoding-thoughts study`'s (without --shard), and must hold --out DIR. The jobs run in
# the current folder, so relative paths in them are relative to it; logs go to DIR/logs. DT_BIN names the
# CLI (default this repository's bin/decoding-thoughts). Prints the two job ids. See docs/cluster.md.
set -euo pipefail
shopt -s lastpipe

here=$(cd "$(dirname "$0")" && pwd)
die() { echo "submit.sh: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }

tasks='' only='' cpus='' mem='' gpu='' partition='' time_limit='' cache='' wait=''
need() { if [ $# -lt 2 ] || [ -z "$2" ]; then die "$1 needs a value"; fi; }
while [ $# -gt 0 ]; do
	case $1 in
	--tasks) need "$@"; tasks=$2; shift 2 ;;
	--only) need "$@"; only=$2; shift 2 ;;
	--cpus) need "$@"; cpus=$2; shift 2 ;;
	--mem) need "$@"; mem=$2; shift 2 ;;
	--partition) need "$@"; partition=$2; shift 2 ;;
	--time) need "$@"; time_limit=$2; shift 2 ;;
	--cache) need "$@"; cache=$2; shift 2 ;;
	--gpu) gpu=1; shift ;;
	--wait) wait=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) die "unknown option $1 (the study's flags go after --; --help lists the options)" ;;
	esac
done
[ -n "$tasks" ] || die "--tasks N is required"
[[ $tasks =~ ^[1-9][0-9]*$ ]] || die "--tasks $tasks: want a positive whole number"
[ -z "$cpus" ] || [[ $cpus =~ ^[1-9][0-9]*$ ]] || die "--cpus $cpus: want a positive whole number"
if [ -n "$only" ]; then
	[[ $only =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] || die "--only $only: want task numbers such as 3 or 3,5 or 2-4"
	for x in ${only//[,-]/ }; do
		[ "$((10#$x))" -lt "$tasks" ] || die "--only $only: task $x is not one of 0..$((tasks - 1))"
	done
fi
[ $# -gt 0 ] || die "no study flags: give them after --, --out DIR among them"

# The study's --out (the Go flag package takes -out, --out, -out=DIR and --out=DIR).
out='' backend_flag=''
args=("$@")
for ((k = 0; k < ${#args[@]}; k++)); do
	case ${args[k]} in
	-out | --out) [ $((k + 1)) -lt ${#args[@]} ] || die "--out needs a value"; out=${args[k + 1]} ;;
	-out=* | --out=*) out=${args[k]#*=} ;;
	-shard | --shard | -shard=* | --shard=*) die "${args[k]}: submit.sh sets each task's --shard itself" ;;
	-jobs | --jobs | -jobs=* | --jobs=*) die "${args[k]}: a Slurm task is one process; --tasks N splits the study" ;;
	-backend | --backend | -backend=* | --backend=*) backend_flag=1 ;;
	esac
done
[ -n "$out" ] || die "the study flags need --out DIR: the tasks and the merge meet there"

bin=${DT_BIN:-$here/../../bin/decoding-thoughts}
if [[ $bin != */* ]]; then
	bin=$(command -v "$bin") || die "DT_BIN=$DT_BIN: not found in PATH"
fi
[ -x "$bin" ] || die "$bin: no such executable (make build, or set DT_BIN)"
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
help=$("$bin" study -h 2>&1 || true)
[[ $help == *-shard* ]] || die "$bin has no study --shard: rebuild it (make build)"
command -v sbatch >/dev/null || die "sbatch not found: run this on a Slurm login node"

mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
logs=$out/logs
if [ -n "$cache" ]; then
	mkdir -p "$cache"
	DT_CACHE=$(cd "$cache" && pwd)
fi
export DT_BIN=$bin DT_SHARDS=$tasks
[ -z "${DT_CACHE:-}" ] || export DT_CACHE

common=(--parsable)
[ -z "$partition" ] || common+=(--partition="$partition")
[ -z "$time_limit" ] || common+=(--time="$time_limit")
task_opts=(--array="${only:-0-$((tasks - 1))}" --output="$logs/%x-%A_%a.out")
[ -z "$cpus" ] || task_opts+=(--cpus-per-task="$cpus")
[ -z "$mem" ] || task_opts+=(--mem="$mem")
merge_env=()
if [ -n "$gpu" ]; then
	task_opts+=(--gres=gpu:1)
	if [ -z "${DT_BACKEND:-}" ] && [ -z "$backend_flag" ]; then
		export DT_BACKEND=xla:cuda
		merge_env=(-u DT_BACKEND) # the merge asks for no GPU
	fi
fi

array=$(sbatch "${common[@]}" "${task_opts[@]}" "$here/study.sbatch" "$@")
array=${array%%;*} # --parsable prints JOBID[;CLUSTER]
echo "array job $array: tasks ${only:-0-$((tasks - 1))} of $tasks, logs in $logs"
merge_opts=(--dependency="afterok:$array" --kill-on-invalid-dep=yes --output="$logs/%x-%j.out")
merge_args=("$here/merge.sbatch" --out "$out")
if [ -z "$wait" ]; then
	merge=$(env "${merge_env[@]}" sbatch "${common[@]}" "${merge_opts[@]}" "${merge_args[@]}")
	echo "merge job ${merge%%;*}: after every task succeeds, into $out"
	exit 0
fi

# sbatch --wait exits 0 for a merge cancelled because a task failed: read the job's state too.
merge='' rc=0
env "${merge_env[@]}" sbatch "${common[@]}" "${merge_opts[@]}" --wait "${merge_args[@]}" |
	while read -r line; do
		merge=${line%%;*}
		echo "merge job $merge: after every task succeeds, into $out; waiting"
	done || rc=$?
[ -n "$merge" ] || die "the merge was not submitted"
state=$(scontrol -o show job "$merge" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 || true)
if [ "$rc" = 0 ] && [ "${state:-COMPLETED}" = COMPLETED ]; then
	echo "merge job $merge completed: $out/results.json"
	exit 0
fi
if [ "$state" = CANCELLED ] && [ ! -f "$logs/dt-merge-$merge.out" ]; then
	echo "submit.sh: merge job $merge cancelled: a task failed, or a job was cancelled" >&2
else
	echo "submit.sh: merge job $merge ${state:-failed} (exit $rc): log $logs/dt-merge-$merge.out" >&2
fi
scontrol -o show job "$array" 2>/dev/null | while read -r rec; do
	[[ $rec =~ ArrayTaskId=([0-9]+) ]] || continue
	t=${BASH_REMATCH[1]}
	if ! [[ $rec =~ JobState=([A-Z_]+) ]] || [ "${BASH_REMATCH[1]}" = COMPLETED ]; then continue; fi
	echo "submit.sh: task $t ${BASH_REMATCH[1]}: log $logs/dt-study-${array}_$t.out; rerun with --only $t" >&2
done
[ "$rc" != 0 ] || rc=1
exit "$rc"
