#!/usr/bin/env bash
# Executes every notebook headless with the gonb kernel, keeps the executed
# copies in OUT for inspection, and fails if any cell produced an error or a
# notebook lacks figures. With --html, also exports each executed notebook.
#
# The notebooks run in two lanes at once: the CNN ones in order (02, then 04)
# and the others (01 and 03 in the browser, 05), then 06 once 02 has cached
# the backbone features it reuses, so that one lane's cell builds overlap the
# other's compute.
# 01 and 03 run as a user runs them: a Jupyter Notebook server, headless
# Chromium, Cell > Run All (scripts/browser-notebooks.mjs: per-cell times,
# screenshots in OUT). Without Chromium or puppeteer-core (make setup-browser)
# they run headless like the others, and a SKIP line says so, unless
# DT_REQUIRE_BROWSER=1 (CI), which fails instead.
set -euo pipefail
out=${1:?usage: run-notebooks.sh OUT [--html]}
html=${2:-}
mkdir -p "$out"
# DT_NOTEBOOK_PROFILE=tiny (make test) is the smoke test: the smallest
# synthetic dataset that still draws every figure, and three small CNNs
# ($DT_MODELS, unless set) instead of the study's five. By default the
# notebooks use $DT_DATA_DIR or the embedded default dataset and the study's
# models, as a user's session does.
if [ -n "${DT_NOTEBOOK_PROFILE:-}" ]; then
	data=$(cd "$out" && pwd)/data-$DT_NOTEBOOK_PROFILE
	rm -rf "$data"
	bin/decoding-thoughts synth --profile "$DT_NOTEBOOK_PROFILE" --out "$data" >/dev/null
	export DT_DATA_DIR=$data
	export DT_MODELS=${DT_MODELS:-resnet18,regnet_y_400mf,densenet121}
	echo "notebook: on the synthetic $DT_NOTEBOOK_PROFILE profile ($data), models $DT_MODELS"
fi
# Each cell is a program gonb builds: without DWARF its link takes a third
# less time (make setup-kernel also writes this into the kernel's env).
export GOFLAGS="${GOFLAGS:-} -ldflags=-w"
# The CNN notebooks run ImageNet networks over hundreds of images: minutes
# on ONNX Runtime, hours on the pure-Go backend's convolutions. Without the
# library (no npm for `make setup-ort`) they are skipped, and said so, unless
# DT_SLOW_NOTEBOOKS=1.
fast=1
if bin/decoding-thoughts backend 2>/dev/null | grep -q "ONNX Runtime library: not found"; then fast=0; fi

# The notebooks that run backbones (nb.CNN, nb.CNNWith, nb.Study, nb.Layers).
cnnCalls='nb\.CNN(\|nb\.CNNWith(\|nb\.Study(\|nb\.StudyWith(\|nb\.Layers('

# run executes one notebook; it returns non-zero when the notebook failed.
run() {
	local nb=$1 name
	name=$(basename "$nb")
	if [ $fast = 0 ] && [ "${DT_SLOW_NOTEBOOKS:-}" != 1 ] && grep -q "$cnnCalls" "$nb"; then
		echo "notebook: SKIPPING $name: it needs the ONNX Runtime library (make setup-ort, which needs npm); DT_SLOW_NOTEBOOKS=1 runs it on pure Go"
		return 0
	fi
	echo "notebook: executing $name"
	local start
	start=$(date +%s)
	if ! jupyter nbconvert --to notebook --execute --allow-errors \
		--ExecutePreprocessor.timeout=1200 --ExecutePreprocessor.kernel_name=gonb \
		--output-dir="$out" "$nb" >/dev/null 2>"$out/${name%.ipynb}.log"; then
		cat "$out/${name%.ipynb}.log"
		return 1
	fi
	/usr/bin/python3 scripts/check-notebook.py "$out/$name" || return 1
	echo "notebook: $name took $(($(date +%s) - start))s"
	if [ "$html" = "--html" ]; then
		jupyter nbconvert --to html --output-dir="$out" "$out/$name" >/dev/null 2>&1
	fi
}

browserNotebooks=(notebooks/01_exploratory_analysis.ipynb notebooks/03_fmri_dnn.ipynb)
puppeteer=${DT_PUPPETEER_DIR:-${DT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/decoding-thoughts}/puppeteer-core}
browser=1
for need in chromium node "$puppeteer/node_modules/puppeteer-core/package.json"; do
	if ! command -v "$need" >/dev/null && [ ! -f "$need" ]; then
		if [ "${DT_REQUIRE_BROWSER:-}" = 1 ]; then
			echo "notebook: FAILED: DT_REQUIRE_BROWSER=1 but $need is missing (make setup-browser)"
			exit 1
		fi
		echo "notebook: SKIP browser test: $need is missing (make setup-browser installs chromium and puppeteer-core); ${browserNotebooks[*]} run headless instead"
		browser=0
		break
	fi
done

# inBrowser runs notebooks 01 and 03 in Chromium; it returns non-zero when one
# failed.
inBrowser() {
	echo "notebook: executing ${browserNotebooks[*]} in headless Chromium"
	DT_PUPPETEER_DIR=$puppeteer DT_NOTEBOOK_TIMEOUT=1200 node scripts/browser-notebooks.mjs "$out" "${browserNotebooks[@]}" || return 1
	if [ "$html" = "--html" ]; then
		for nb in "${browserNotebooks[@]}"; do
			jupyter nbconvert --to html --output-dir="$out" "$out/$(basename "$nb")" >/dev/null 2>&1
		done
	fi
}

# lane runs notebooks in order and records in $out/lane-N.failed what failed.
# "browser" stands for the browser test's notebooks; "after-first-cnn" waits
# until the first CNN notebook (02, which caches the backbone features the
# others reuse) has finished.
lane() {
	local id=$1 failed=0
	shift
	rm -f "$out/lane-$id.failed"
	for nb in "$@"; do
		case $nb in
		browser)
			inBrowser || { failed=1; echo "${browserNotebooks[*]}" >>"$out/lane-$id.failed"; }
			continue
			;;
		after-first-cnn)
			while [ ! -e "$out/first-cnn.done" ]; do sleep 1; done
			continue
			;;
		esac
		run "$nb" || { failed=1; echo "$nb" >>"$out/lane-$id.failed"; }
		[ "$nb" = "${cnnNotebooks[0]:-}" ] && touch "$out/first-cnn.done"
	done
	return $failed
}

cnnNotebooks=() otherNotebooks=()
for nb in notebooks/*.ipynb; do
	if grep -q "$cnnCalls" "$nb"; then
		cnnNotebooks+=("$nb")
	elif [ $browser = 1 ] && [[ " ${browserNotebooks[*]} " == *" $nb "* ]]; then
		continue
	else
		otherNotebooks+=("$nb")
	fi
done
[ $browser = 1 ] && otherNotebooks=(browser "${otherNotebooks[@]}")
rm -f "$out/first-cnn.done"
# Balance the lanes: the last CNN notebook (06) runs in the other lane once
# the first (02) has cached the features, beside the middle ones (04).
firstLane=("${cnnNotebooks[@]}")
if [ ${#cnnNotebooks[@]} -ge 3 ]; then
	firstLane=("${cnnNotebooks[@]:0:${#cnnNotebooks[@]}-1}")
	otherNotebooks+=(after-first-cnn "${cnnNotebooks[-1]}")
fi
lane 1 "${firstLane[@]}" &
cnn=$!
status=0
lane 2 "${otherNotebooks[@]}" || status=1
wait $cnn || status=1
[ $status = 0 ] || echo "notebook: FAILED: $(cat "$out"/lane-*.failed 2>/dev/null | tr '\n' ' ')"
exit $status
