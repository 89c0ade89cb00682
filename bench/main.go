// Command bench times the study stage by stage, on the default backends and
// with an empty feature cache, next to its PyTorch peer (bench/peer.py: the
// original's computations with Debian's torch, torchvision, numpy and scipy
// on 2 threads) on the same data in the same run, and prints the ratios.
//
//	go run ./bench [--data-dir DIR | --synthetic quick|full] [--models a,b] [--permutations N] [--bootstraps N]
//
// The peer does the study's work: its training seeds, its distinct
// augmented views and its BatchNorm adaptation (see bench/peer.py).
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

func main() {
	dataDir := flag.String("data-dir", "", "dataset folder (default: the embedded default)")
	synthetic := flag.String("synthetic", "", "a simulator profile instead (quick or full; generated once, cached)")
	models := flag.String("models", strings.Join(cnn.StudyModels(), ","), "CNNs")
	perms := flag.Int("permutations", 10000, "permutations per RSM comparison")
	boots := flag.Int("bootstraps", 1000, "bootstrap samples per RSM comparison")
	flag.Parse()
	if *synthetic != "" {
		if *dataDir != "" {
			fmt.Fprintln(os.Stderr, "bench: --data-dir and --synthetic: give one")
			os.Exit(2)
		}
		dir, err := synth.Ensure(cachedir.Root(), *synthetic, 1, os.Stderr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		*dataDir = dir
	}
	if err := run(*dataDir, strings.Split(*models, ","), *perms, *boots); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(dataDir string, models []string, perms, boots int) error {
	dir, err := synth.ResolveDataDir(cmp.Or(dataDir, os.Getenv(synth.DataDirEnv)), cachedir.Root(), os.Stderr)
	if err != nil {
		return err
	}
	d, err := kay.Load(dir)
	if err != nil {
		return err
	}
	// The peer first: ONNX Runtime's threads spin after use and would slow it.
	fmt.Fprintln(os.Stderr, "bench: PyTorch peer (bench/peer.py) ...")
	// $DT_PYTHON picks another interpreter (a CUDA torch: with
	// DT_PEER_DEVICE=cuda, scripts/bench-xla-cuda.sh).
	python := cmp.Or(os.Getenv("DT_PYTHON"), "/usr/bin/python3")
	// The peer does the same work: the study's training seeds, its distinct
	// augmented views and its BatchNorm adaptation.
	opt := study.CNNOptions(d, 1, "", nil)
	seeds := study.DefaultSeeds(d)
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		return err
	}
	extra := opt.Features.BackbonePasses(len(sel.Train.Index)) - len(sel.Train.Index)
	adapt := 0
	if opt.Features.BatchNorm == cnn.BNAdapt {
		adapt = 1
	}
	peerCmd := exec.Command(python, "bench/peer.py", dir, strings.Join(models, ","), strconv.Itoa(perms), strconv.Itoa(boots),
		strconv.Itoa(seeds), strconv.Itoa(extra), strconv.Itoa(adapt))
	peerCmd.Stderr = os.Stderr
	out, err := peerCmd.Output()
	if err != nil {
		return fmt.Errorf("peer: %w", err)
	}
	var peer map[string]float64
	if err := json.Unmarshal(out, &peer); err != nil {
		return fmt.Errorf("peer printed %q: %w", out, err)
	}
	// Ours with an empty feature cache, so every backbone pass is timed.
	if lib, ok := backend.ORTLibrary(); ok {
		_ = os.Setenv(backend.ORTLibraryEnv, lib)
	}
	tmp, err := os.MkdirTemp("", "dt-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	conv, cc, err := backend.New("", backend.Convolutions)
	if err != nil {
		return err
	}
	dense, dc, err := backend.New(backend.DenseSpec(conv), backend.Dense)
	if err != nil {
		return err
	}
	opt = study.CNNOptions(d, 1, tmp, nil)
	opt.Features.Batch = backend.DefaultBatch(conv)
	cfg := study.Config{Data: d, Out: tmp + "/out", Models: models, Conv: conv, Dense: dense, Seed: 1, Seeds: seeds, CNN: &opt,
		Test:   rsa.TestConfig{Permutations: perms, Bootstraps: boots, Level: 0.95, Seed: 1},
		Stages: []string{"fmri", "cnn", "embeddings", "rsa", "robustness"},
		Cache:  tmp} // empty: every backbone pass is timed, and the weights are random
	res, err := study.Run(context.Background(), cfg)
	if err != nil {
		return err
	}
	fmt.Printf("data: %s (%d train / %d test images, %d voxels); models %v, random weights\n", dir, res.Dataset.NTrain, res.Dataset.NTest, res.Dataset.Voxels, models)
	fmt.Printf("both: %d seeds; per backbone %d training views (%d augmented), BatchNorm %s\n", seeds, extra+len(sel.Train.Index), extra, opt.Features.BatchNorm)
	peerOn := "CPU, 2 threads"
	if dev := os.Getenv("DT_PEER_DEVICE"); dev != "" && dev != "cpu" {
		peerOn = dev + ", batch " + cmp.Or(os.Getenv("DT_PEER_BATCH"), "32")
	}
	fmt.Printf("ours: %s (CNNs, batch %d), %s (dense); peer: PyTorch (%s), %s\n", cc.Config, opt.Features.Batch, dc.Config, python, peerOn)
	fmt.Printf("%-12s %10s %10s %8s\n", "stage", "ours (s)", "peer (s)", "speedup")
	for _, s := range []string{"fmri", "cnn", "rsa", "robustness"} {
		fmt.Printf("%-12s %10.1f %10.1f %7.2fx\n", s, res.Timings[s], peer[s], peer[s]/res.Timings[s])
	}
	fmt.Printf("graph compilations (backbones, over the run):")
	for _, m := range models {
		c := res.Compilations[m]
		fmt.Printf(" %s %d (%.1f s)", m, c.Count, c.Seconds)
	}
	fmt.Println()
	return nil
}
