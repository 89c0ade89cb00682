# decoding-thoughts for Go. `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
export GOEXPERIMENT := simd
export GOMLX_NO_AUTO_INSTALL := 1
export GOFLAGS := -mod=mod
# Freed memory kept in the process, exported to every recipe for the sake of
# the test binaries and the notebook kernel (the CLI sets the same for
# itself): on virtual machines where a first write into fresh pages is slow,
# pkg/cnn's tests take 12% less time (docs/performance.md). Your own values
# win.
export GODEBUG ?= madvdontneed=0
export GLIBC_TUNABLES ?= glibc.malloc.hugetlb=1:glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=33554432

GOBIN := $(shell $(GO) env GOPATH)/bin
export PATH := $(GOBIN):$(dir $(shell command -v $(GO))):$(PATH)
CACHE := $(or $(DT_CACHE),$(XDG_CACHE_HOME:%=%/decoding-thoughts),$(HOME)/.cache/decoding-thoughts)
export DT_CACHE := $(CACHE)
ORT_VERSION := 1.26.0
ORT_LIB := $(CACHE)/onnxruntime/$(ORT_VERSION)/libonnxruntime.so.1
ORT_SHA256 := 57625571931dd813257ed422fe73ba2c25aadcc5640d9c6743e71540135c227e
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_PACKAGES := jupyter-nbconvert jupyter-notebook python3-numpy python3-scipy python3-torch python3-torchvision python3-pil
# The browser test of the notebooks (scripts/browser-notebooks.mjs): Debian's
# Chromium driven by puppeteer-core from npm, kept in the cache.
PUPPETEER_VERSION := 24.43.1
export DT_PUPPETEER_DIR := $(CACHE)/puppeteer-core
# Only for make test-slurm: on a systemd machine these packages enable munge and Slurm services.
SLURM_APT_PACKAGES := slurm-wlm munge
OUT ?= out
BIN := bin/decoding-thoughts

.PHONY: help setup demo test test-long test-slurm refs notebooks notebook jupyter bench vet build clean setup-apt setup-gonb setup-ort setup-kernel setup-browser setup-slurm fuzz race

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: setup-apt setup-gonb setup-ort setup-kernel setup-browser build ## install everything a fresh Debian/Ubuntu machine needs (idempotent)

setup-apt:
	@if ! command -v jupyter-nbconvert >/dev/null || ! command -v jupyter-notebook >/dev/null || ! /usr/bin/python3 -c 'import numpy, scipy, torch, torchvision, PIL' 2>/dev/null; then \
		echo "setup: installing $(APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_PACKAGES) >/dev/null; \
	fi

setup-gonb: setup-apt
	@if ! command -v gonb >/dev/null || ! command -v goimports >/dev/null; then \
		echo "setup: installing gonb and goimports (tools/go.mod)"; \
		cd tools && $(GO) install tool; \
	fi
	@if [ ! -f "$$(jupyter --data-dir)/kernels/gonb/kernel.json" ]; then \
		echo "setup: registering the gonb Jupyter kernel"; \
		gonb --install --force_deps --raw_error >/dev/null; \
	fi

# The kernel builds what the CLI builds, whichever server starts it. Each
# cell is a program gonb links: without DWARF (-ldflags=-w) that takes a third
# less time. pkg/nb (and so every package a notebook uses) is built once here,
# so that a notebook's first cell finds it in the build cache.
setup-kernel: setup-gonb setup-ort
	@scripts/gonb-kernel-env.py "$$(jupyter --data-dir)/kernels/gonb/kernel.json" GOEXPERIMENT=$(GOEXPERIMENT) \
		"GOFLAGS=$(GOFLAGS) -ldflags=-w" GOMLX_NO_AUTO_INSTALL=$(GOMLX_NO_AUTO_INSTALL) DT_CACHE=$(DT_CACHE) \
		GODEBUG=$(GODEBUG) GLIBC_TUNABLES=$(GLIBC_TUNABLES) \
		$(if $(wildcard $(ORT_LIB)),ONNXRUNTIME_SHARED_LIBRARY_PATH=$(ORT_LIB))
	$(GO) build ./pkg/nb

# Best effort: without Chromium or npm the browser test says SKIP and the
# notebooks run headless, unless DT_REQUIRE_BROWSER=1 (CI).
setup-browser:
	@command -v chromium >/dev/null || { echo "setup: installing Debian's chromium"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; } || true
	@if [ "$$(cat "$(DT_PUPPETEER_DIR)/node_modules/puppeteer-core/package.json" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])' 2>/dev/null)" != $(PUPPETEER_VERSION) ] && \
		command -v npm >/dev/null; then \
		echo "setup: installing puppeteer-core $(PUPPETEER_VERSION) (npm) into $(DT_PUPPETEER_DIR)"; \
		rm -rf "$(DT_PUPPETEER_DIR).tmp" && mkdir -p "$(DT_PUPPETEER_DIR).tmp" && \
		npm install --silent --no-audit --no-fund --prefix "$(DT_PUPPETEER_DIR).tmp" puppeteer-core@$(PUPPETEER_VERSION) >/dev/null && \
		rm -rf "$(DT_PUPPETEER_DIR)" && mv "$(DT_PUPPETEER_DIR).tmp" "$(DT_PUPPETEER_DIR)" || true; \
	fi
	@if [ "$(DT_REQUIRE_BROWSER)" = 1 ]; then \
		command -v chromium >/dev/null || { echo "setup: DT_REQUIRE_BROWSER=1 but chromium could not be installed"; exit 1; }; \
		[ -f "$(DT_PUPPETEER_DIR)/node_modules/puppeteer-core/package.json" ] || { echo "setup: DT_REQUIRE_BROWSER=1 but puppeteer-core could not be installed (npm)"; exit 1; }; \
	fi

setup-ort:
	@if [ ! -f "$(ORT_LIB)" ] && ! command -v npm >/dev/null; then \
		echo "setup: npm not found, so ONNX Runtime is not installed: the slower pure-Go backend will be used"; \
	elif [ ! -f "$(ORT_LIB)" ]; then \
		echo "setup: fetching ONNX Runtime $(ORT_VERSION) (npm onnxruntime-node) into $(dir $(ORT_LIB))"; \
		tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent onnxruntime-node@$(ORT_VERSION) >/dev/null && \
		tar -xzf onnxruntime-node-$(ORT_VERSION).tgz package/bin/napi-v6/linux/x64/libonnxruntime.so.1 && \
		echo "$(ORT_SHA256)  package/bin/napi-v6/linux/x64/libonnxruntime.so.1" | sha256sum -c --quiet && \
		mkdir -p "$(dir $(ORT_LIB))" && mv package/bin/napi-v6/linux/x64/libonnxruntime.so.1 "$(ORT_LIB).tmp" && \
		mv "$(ORT_LIB).tmp" "$(ORT_LIB)" && cd / && rm -rf $$tmp; \
	fi

build: ## build the CLI into bin/
	$(GO) build -o $(BIN) ./cmd/decoding-thoughts

demo: setup ## the main job: the whole study on the embedded default dataset, into out/demo
	$(BIN) study --jobs 2 --out $(OUT)/demo

vet:
	$(GO) vet ./...
	scripts/check-dockerfile.sh
	@test -z "$$(gofmt -l cmd pkg internal bench)" || { echo "gofmt needed:"; gofmt -l cmd pkg internal bench; exit 1; }

test: setup vet ## the fast suite (-short, committed references only): go vet, go test, the race detector, short fuzz runs, every notebook headless on the smallest dataset
	$(GO) test -short -count=1 -timeout 30m ./...
	@# The race detector and the short fuzz runs share the machine with the
	@# notebooks, whose cell builds and browser waits leave cores idle; their
	@# log follows the notebooks' (also in $(OUT)/race-fuzz.log).
	@mkdir -p $(OUT); \
	{ $(MAKE) --no-print-directory race RACE_FLAGS=-short && $(MAKE) --no-print-directory fuzz FUZZTIME=3000x; } >$(OUT)/race-fuzz.log 2>&1 & checks=$$!; \
	DT_NOTEBOOK_PROFILE=tiny scripts/run-notebooks.sh $(OUT)/notebooks; notebooks=$$?; \
	wait $$checks; checked=$$?; cat $(OUT)/race-fuzz.log; \
	[ $$checked = 0 ] || echo "test: the race detector or a fuzz run FAILED (log above, $(OUT)/race-fuzz.log)"; \
	[ $$notebooks = 0 ] && [ $$checked = 0 ]

test-long: setup vet ## everything: the whole zoo, the slow calibrations, every Python reference regenerated and compared with the committed one, the notebooks on the default dataset
	DT_CHECK_REFS=1 $(GO) test -count=1 -timeout 120m ./...
	$(MAKE) --no-print-directory race
	$(MAKE) --no-print-directory fuzz FUZZTIME=10000x
	scripts/run-notebooks.sh $(OUT)/notebooks

setup-slurm:
	@if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null || ! command -v munged >/dev/null; then \
		echo "setup: installing $(SLURM_APT_PACKAGES)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(SLURM_APT_PACKAGES) >/dev/null; \
	fi
	@command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v sbatch >/dev/null && command -v munged >/dev/null || \
		{ echo "setup: slurmctld, slurmd, sbatch or munged missing after installing $(SLURM_APT_PACKAGES)"; exit 1; }

test-slurm: setup-slurm setup-ort build ## a 3-model study as 3 Slurm tasks and a merge on a throwaway local cluster (root), compared with one process (docs/cluster.md)
	ONNXRUNTIME_SHARED_LIBRARY_PATH=$(or $(ONNXRUNTIME_SHARED_LIBRARY_PATH),$(ORT_LIB)) scripts/slurm/test.sh

refs: setup ## rewrite every golden reference file from Python (torch, torchvision, numpy, scipy); commit what changes
	DT_UPDATE_REFS=1 $(GO) test -count=1 -timeout 120m ./...

# The packages with concurrency of their own: permutation/bootstrap workers,
# progress, locks and downloads, feature extraction. checkptr is off because
# GoMLX's SIMD kernels trip it (pointer arithmetic in a dependency, not a race).
# Under -short (make test) pkg/stimulus runs only its test of the parallel
# distorted-image pass: its other tests run backbones, minutes under -race.
RACE_PKGS := ./internal/... ./pkg/rsa ./pkg/stats
race: ## go test -race over the packages with concurrency
	$(GO) test -race -gcflags=all=-d=checkptr=0 -count=1 $(RACE_FLAGS) $(RACE_PKGS)
	$(GO) test -race -gcflags=all=-d=checkptr=0 -count=1 $(RACE_FLAGS) $(if $(RACE_FLAGS),-run '^TestEqualDistortedImagesRunOnce$$') ./pkg/stimulus

# Fuzz targets (package:Name) of every reader of files a user may hand us.
# Budgets are counts of executions, not durations: Go 1.26's fuzz coordinator
# can fail a target with "context deadline exceeded" at the end of a timed run
# (golang/go#75804, fixed in Go 1.27). 10000x takes 3-10 s per target here.
FUZZTIME ?= 100000x
FUZZ_TARGETS := pkg/npfile:FuzzReadNPY pkg/npfile:FuzzOpenNPZ pkg/kay:FuzzLoadLabels pkg/weights:FuzzReadPTH \
	pkg/weights:FuzzReadSafetensors pkg/train:FuzzReadCheckpoint pkg/study:FuzzLoad cmd/decoding-thoughts:FuzzFlags
fuzz: ## run each fuzz target for FUZZTIME executions (default 100000x); a crasher lands in testdata/fuzz, commit it
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; name=$${t#*:}; \
		echo "fuzz: $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 200x ./$$pkg || exit 1; \
	done

JUPYTER_PORT ?= 8888
notebook: jupyter
jupyter: setup ## (or make notebook) Jupyter Notebook on 127.0.0.1 (port JUPYTER_PORT, 8888) in notebooks/, with the gonb kernel and this Makefile's environment; prints the URL
	cd notebooks && ONNXRUNTIME_SHARED_LIBRARY_PATH=$(or $(ONNXRUNTIME_SHARED_LIBRARY_PATH),$(ORT_LIB)) \
		jupyter notebook --ip=127.0.0.1 --port=$(JUPYTER_PORT) --no-browser $(if $(SUDO),,--allow-root)

notebooks: setup ## execute every notebook and export HTML next to it, in out/notebooks
	scripts/run-notebooks.sh $(OUT)/notebooks --html

bench: setup ## benchmarks next to their PyTorch peers: per stage (bench/; BENCH_ARGS="--synthetic full" at the real size), decoder epochs, CNN inference
	@mkdir -p $(OUT)
	set -o pipefail; $(GO) test -run '^$$' -bench . -benchtime 1x ./... | tee $(OUT)/gobench.txt
	$(GO) run ./bench --go-bench $(OUT)/gobench.txt $(BENCH_ARGS)

clean: ## remove build outputs (not the cache)
	rm -rf bin $(OUT)
