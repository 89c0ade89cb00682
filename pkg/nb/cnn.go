package nb

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gomlx/compute"
	"gonum.org/v1/plot"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
	"github.com/decodingthoughts/decoding-thoughts/pkg/robustness"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
)

// Backbone opens a CNN with the notebooks' weights: the cached official
// ImageNet weights when downloaded (`decoding-thoughts train-cnn --weights
// download`), else seeded random weights; the text says which, and on which
// backend.
func Backbone(name string) (*cnn.Model, string) {
	b, c, err := env().New("", backend.Convolutions)
	Check(err)
	m, about := backboneOn(b, name)
	return m, backend.Describe(b, c) + "\n" + about
}

func backboneOn(b compute.Backend, name string) (*cnn.Model, string) {
	m := Must(cnn.Open(context.Background(), b, Must(cnn.Get(name)), "auto", Seed, cachedir.Path("weights"), nil))
	return m, m.About()
}

// Seed is the notebooks' run seed, the CLI's default.
const Seed = 1

// CNN returns the stimulus classifier of the named backbone on d, trained
// with the study's recipe (CNNWith with CNNOptions): the first call computes
// the features (cached) and trains the head, printing its progress and
// log; later cells reopen the saved run.
func CNN(name string, d *kay.Dataset) *stimulus.Result { return CNNWith(name, d, CNNOptions(d)) }

// ZooTable is the model registry as text: every architecture's family,
// learned parameters, multiply-accumulates of one 128x128 image, feature
// width, BatchNorm layers, and whether its ImageNet weights are cached
// (the CLI's `models`).
func ZooTable() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-20s %-12s %11s %10s %8s %4s  %s\n", "model", "family", "parameters", "GMACs@128", "features", "BN", "ImageNet weights")
	for _, a := range Must(cnn.Lookup("all")) {
		macs := Must(a.MACs(128, 128))
		bns := Must(a.BatchNormModules())
		w := "not cached"
		if _, ok := cnn.CachedWeights(a, cachedir.Path("weights")); ok {
			w = "cached"
		}
		fmt.Fprintf(&b, "%-20s %-12s %10.2fM %10.3f %8d %4d  %s\n", a.Name, a.Family, float64(Must(a.LearnedParams()))/1e6,
			float64(macs)/1e9, a.Features, len(bns), w)
	}
	return b.String()
}

// BatchNormModel is the model notebook 02 compares BatchNorm modes on:
// resnet50 when the notebooks run it (Models), else their first.
func BatchNormModel() string {
	models := Models()
	if slices.Contains(models, "resnet50") {
		return "resnet50"
	}
	return models[0]
}

// BatchNormModes trains the named model's head twice on d, with the
// backbone's BatchNorm statistics adapted to the clean training images and
// frozen at the checkpoint's (one seed each, the study's recipe), and sweeps
// Gaussian blur over the test images for both: a table of the clean test
// accuracy and the balanced accuracy at each blur level, and the two
// curves.
func BatchNormModes(name string, d *kay.Dataset) (string, *plot.Plot, error) {
	hb, _, err := env().New("", backend.Dense)
	if err != nil {
		return "", nil, err
	}
	blur := distortion.Gaussian()
	var b strings.Builder
	var series []plots.Series
	for _, mode := range []string{cnn.BNAdapt, cnn.BNFrozen} {
		m, _ := Backbone(name)
		opt := study.CNNOptions(d, Seed, cachedir.Root(), io.Discard)
		opt.Features.BatchNorm = mode
		dir := cachedir.Path("runs", name+"-"+mode+"-"+runKey(d, m.Weights))
		r, err := study.CNN(context.Background(), hb, m, d, opt, dir)
		if err != nil {
			return "", nil, err
		}
		fo := opt.Features
		fo.Progress = nil
		c, err := robustness.Sweep(context.Background(), []*stimulus.Result{r}, m, d, blur, Seed, fo)
		if err != nil {
			return "", nil, err
		}
		m.Release()
		fmt.Fprintf(&b, "%-7s (%s)\n  clean test accuracy %.3f; balanced accuracy by blur level:", mode, m.BatchNorm, r.Report.Accuracy)
		for k, lv := range c.Levels {
			fmt.Fprintf(&b, " %g: %.3f", lv, c.BalancedAccuracy[k])
		}
		b.WriteString("\n")
		series = append(series, plots.Series{Label: "BatchNorm " + mode, Values: c.BalancedAccuracy})
	}
	kind, err := blur.Kind()
	if err != nil {
		return "", nil, err
	}
	p, err := plots.Lines(name+": balanced accuracy under "+blur.Title(), kind.LevelLabel(), "balanced accuracy", blur.Levels, series...)
	return b.String(), p, err
}
