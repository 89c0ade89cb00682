// Package study runs the whole analysis from data to report: exploration,
// the fMRI decoder, the five stimulus CNNs, their embeddings, the
// representational similarity analysis (per model and per visual area), blur
// robustness and the hypothesis test; it writes results.json, the raw
// material for re-analysis (embeddings/, rsm/), every figure, and a
// self-contained report.html. Each training stage is reopened instead of
// redone when its inputs have not changed, so an interrupted study resumes.
package study

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"time"

	"github.com/gomlx/compute"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/explore"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/robustness"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/similarity"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// Config is a study run.
type Config struct {
	Data        *kay.Dataset
	Out         string
	Models      []string                                    // CNN architectures
	Backbones   func(a cnn.Arch, i int) (*cnn.Model, error) // opens each model's backbone (weights policy)
	Conv, Dense compute.Backend                             // backends for the backbones and for the small trained networks
	BackendNote string                                      // what the backends are, for results.json
	Seed        int64
	Test        rsa.TestConfig          // permutations and bootstrap of the RSM comparisons
	Distortions []robustness.Distortion // the first is the primary one (accuracy drop, hypothesis)
	// CNN is the stimulus classifiers' recipe; nil: CNNOptions.
	CNN *stimulus.Options
	// Stages limits the run to these stage names (in the study's order);
	// empty runs them all. Training stages reopen what is already trained.
	Stages   []string
	Progress io.Writer
}

// Stage names, in order.
var Stages = []string{"explore", "fmri", "cnn", "embeddings", "rsa", "roi_rsa", "robustness", "hypothesis", "report"}

// Defaults fills unset fields: every architecture, seed 1, 10,000
// permutations and 1,000 bootstrap samples, Gaussian then box blur.
func (c *Config) Defaults() {
	if len(c.Models) == 0 {
		c.Models = cnn.Names()[:5]
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Test.Permutations == 0 && c.Test.Bootstraps == 0 {
		c.Test = rsa.DefaultTest()
		c.Test.Seed = uint64(c.Seed)
	}
	if len(c.Distortions) == 0 {
		c.Distortions = []robustness.Distortion{robustness.Gaussian(), robustness.Box()}
	}
}

// state carries what the stages produce to the later ones.
type state struct {
	cfg    Config
	res    *Results
	fmri   *decoder.Result
	cnns   []*stimulus.Result
	models []*cnn.Model
	cnnOpt stimulus.Options // the recipe the cnn stage used; robustness computes features the same way
	fmriM  similarity.Matrices
	cnnM   []similarity.Matrices
	roiM   []similarity.Matrices
}

// Run executes every stage into cfg.Out and returns the results (also in
// results.json).
func Run(ctx context.Context, cfg Config) (*Results, error) {
	cfg.Defaults()
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, err
	}
	st := &state{cfg: cfg, res: &Results{CNN: map[string]CNNResult{}, Timings: map[string]float64{},
		Weights: map[string]string{}, Seed: cfg.Seed, Models: cfg.Models}}
	if err := st.describe(); err != nil {
		return nil, err
	}
	stages := []struct {
		name string
		run  func(context.Context) error
	}{
		{"explore", st.explore},
		{"fmri", st.trainFMRI},
		{"cnn", st.trainCNNs},
		{"embeddings", st.embeddings},
		{"rsa", st.rsa},
		{"roi_rsa", st.roiRSA},
		{"robustness", st.robustness},
		{"hypothesis", st.hypothesis},
		{"report", st.report},
	}
	for i, s := range stages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(cfg.Stages) > 0 && !slices.Contains(cfg.Stages, s.name) {
			continue
		}
		st.logf("stage %d/%d: %s", i+1, len(stages), s.name)
		t0 := time.Now()
		if err := s.run(ctx); err != nil {
			return nil, fmt.Errorf("stage %s: %w", s.name, err)
		}
		st.res.Timings[s.name] = time.Since(t0).Seconds()
	}
	return st.res, writeJSON(st.dir(ResultsFile), st.res)
}

func (st *state) logf(format string, args ...any) {
	if st.cfg.Progress != nil {
		fmt.Fprintf(st.cfg.Progress, format+"\n", args...)
	}
}

func (st *state) dir(parts ...string) string {
	return filepath.Join(append([]string{st.cfg.Out}, parts...)...)
}

func (st *state) explore(context.Context) error {
	if _, err := explore.Write(st.cfg.Data, st.dir("explore")); err != nil {
		return err
	}
	return nil
}

// describe fills the dataset and software sections of the results.
func (st *state) describe() error {
	d := st.cfg.Data
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		return err
	}
	name := "Kay et al. (2008), NMA packaging"
	if synth.IsSynthetic(d.Dir) {
		name = "synthetic Kay-format data (embedded simulator)"
	}
	st.res.Dataset = DatasetInfo{Name: name, Dir: d.Dir, Synthetic: synth.IsSynthetic(d.Dir), NTrain: len(sel.Train.Y),
		NTest: len(sel.Test.Y), Classes: sel.Classes, Voxels: len(sel.Voxels)}
	st.res.Versions = versions(st.cfg.BackendNote)
	return nil
}

func (st *state) trainFMRI(ctx context.Context) error {
	opt := decoder.DefaultOptions()
	opt.Seed, opt.Progress = st.cfg.Seed, st.cfg.Progress
	r, err := FMRI(ctx, st.cfg.Dense, st.cfg.Data, opt, st.dir(decoder.Name))
	if err != nil {
		return err
	}
	st.fmri = r
	st.res.FMRI = FMRIResult{TestAccuracy: r.Report.Accuracy, MacroF1: r.Report.Macro.F1}
	st.logf("fMRI decoder: test accuracy %.3f, macro F1 %.3f", r.Report.Accuracy, r.Report.Macro.F1)
	return nil
}

// CNNOptions is the stimulus classifiers' recipe the study uses: the
// original's, with the views adapted to the dataset (stimulus.ForDataset),
// features cached under the cache folder, and seed for the head, sampling
// and augmentation.
func CNNOptions(d *kay.Dataset, seed int64, progress io.Writer) stimulus.Options {
	opt := stimulus.DefaultOptions().ForDataset(d)
	opt.Seed, opt.Progress = seed, progress
	opt.Features.Seed = seed
	opt.Features.CacheDir = cachedir.Path("features")
	return opt
}

func (st *state) trainCNNs(ctx context.Context) error {
	opt := CNNOptions(st.cfg.Data, st.cfg.Seed, st.cfg.Progress)
	if st.cfg.CNN != nil {
		opt = *st.cfg.CNN
	}
	st.cnnOpt = opt
	for i, name := range st.cfg.Models {
		a, err := cnn.Get(name)
		if err != nil {
			return err
		}
		m, err := st.cfg.Backbones(a, i)
		if err != nil {
			return err
		}
		r, err := CNN(ctx, st.cfg.Dense, m, st.cfg.Data, opt, st.dir("cnn", name))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		m.Release()
		st.models = append(st.models, m)
		st.cnns = append(st.cnns, r)
		st.res.Weights[name] = m.Weights
		st.res.CNN[name] = CNNResult{TestAccuracy: r.Report.Accuracy, MacroF1: r.Report.Macro.F1,
			Weights: m.Weights, Pretrained: m.Pretrained()}
		st.logf("%s (%s): test accuracy %.3f", name, m.Weights, r.Report.Accuracy)
	}
	return nil
}

func versions(backendNote string) map[string]string {
	v := map[string]string{"go": runtime.Version(), "backend": backendNote}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range bi.Deps {
			switch dep.Path {
			case "github.com/gomlx/gomlx":
				v["gomlx"] = dep.Version
			case "github.com/gomlx/compute-onnx":
				v["compute-onnx"] = dep.Version
			}
		}
	}
	return v
}

// writeJSON writes v as indented JSON, atomically.
func writeJSON(path string, v any) error {
	js, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(path, append(js, '\n'))
}
