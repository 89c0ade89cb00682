package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/layers"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
)

// runLayers compares every layer of each CNN, and the Gabor and pixel
// reference models, with every visual area (pkg/layers).
func runLayers(ctx context.Context, args []string) error {
	models, weights, pool := strings.Join(cnn.StudyModels(), ","), "auto", cnn.PoolGrid4
	bn, batch, boots, perms, seed := cnn.BNAdapt, 0, 200, 10000, int64(1)
	inSilico := "gaussian"
	d, out, b, err := dataCommand("layers", args, func(fs *flag.FlagSet) func() error {
		fs.StringVar(&models, "models", models, "comma-separated architectures, of: "+strings.Join(cnn.Names(), ", "))
		fs.StringVar(&weights, "weights", weights, weightsHelp)
		fs.StringVar(&pool, "pool", pool, "pooling of intermediate layers: grid4 (4x4 average pooling, keeps coarse retinotopy) or gap (mean over positions)")
		fs.StringVar(&bn, "bn", bn, bnHelp)
		fs.IntVar(&batch, "batch", batch, "images per backbone forward pass (0: 128 on a GPU, else 32)")
		fs.IntVar(&boots, "bootstraps", boots, "resamples of the test images for the intervals")
		fs.IntVar(&perms, "permutations", perms, "stratified permutations of the test images for the RSA p-values (0: none)")
		fs.Int64Var(&seed, "seed", seed, "seed of the random weights, the bootstrap and the permutations")
		fs.StringVar(&inSilico, "in-silico", inSilico, "the distortion (gaussian or box, its default levels) at whose levels each model's best layer predicts the brain's responses to the test images (the brain's robustness in silico); none: skip")
		return func() error {
			if inSilico != "none" && distortion.Of(inSilico).Validate() != nil {
				return fmt.Errorf("--in-silico %q: want one of %s or none", inSilico, strings.Join(distortion.Names(), ", "))
			}
			if _, err := cnn.Lookup(models); err != nil {
				return fmt.Errorf("--models: %w", err)
			}
			if pool != cnn.PoolGAP && pool != cnn.PoolGrid4 {
				return fmt.Errorf("--pool %q: want gap or grid4", pool)
			}
			return checkBN(bn)
		}
	}, true, backend.Convolutions)
	if err != nil {
		return err
	}
	archs, _ := cnn.Lookup(models)
	fopt := study.CNNOptions(d, seed, cachedir.Root(), os.Stderr).Features
	if batch == 0 {
		batch = backend.DefaultBatch(b)
	}
	fopt.Batch, fopt.BatchNorm = batch, bn
	open := func(a cnn.Arch) (*cnn.Model, func(), error) {
		m, err := openBackbone(ctx, b, a, weights, seed)
		if err != nil {
			return nil, nil, err
		}
		return m, m.Close, nil
	}
	if perms == 0 {
		perms = -1 // layers.Options: negative is none
	}
	opt := layers.Options{Bootstraps: boots, Permutations: perms, Seed: uint64(seed)}
	if inSilico != "none" {
		sel, err := d.Select(kay.DefaultFilter())
		if err != nil {
			return err
		}
		is := &layers.InSilico{Distortion: distortion.Of(inSilico)}
		if is.Options, err = study.InSilicoOptions(d, sel, min(boots, 200), 0.95, seed); err != nil {
			return err
		}
		opt.InSilico = is
	}
	tab, sum, err := layers.Run(ctx, d, archs, open, pool, fopt, opt, os.Stderr)
	if err != nil {
		return err
	}
	if err := layers.Write(out, tab, sum); err != nil {
		return err
	}
	for _, meas := range layers.Measures() {
		var parts []string
		for _, roi := range sum.ROIs {
			parts = append(parts, roi+" "+sum.DepthText(meas, roi))
		}
		cnns := fmt.Sprintf("%d CNNs", len(archs))
		if len(archs) == 1 {
			cnns = "1 CNN"
		}
		fmt.Printf("layers: %-12s best-layer depth per area (chosen on training images, mean over %s): %s; %s\n",
			meas, cnns, strings.Join(parts, ", "), sum.TrendText(meas))
	}
	if ins := sum.InSilico; ins != nil {
		last := len(ins.Levels) - 1
		for _, roi := range []string{sum.ROIs[0], sum.ROIs[len(sum.ROIs)-1]} {
			var parts []string
			for _, name := range append(append([]string{}, sum.References...), cnnNames(archs)...) {
				if c, ok := ins.Models[name][roi]; ok {
					parts = append(parts, fmt.Sprintf("%s (%s) %.3f", name, c.Layer, float64(c.RSMCorrClean[last])))
				}
			}
			if tr, ok := ins.Truth[roi]; ok {
				parts = append(parts, fmt.Sprintf("true %.3f", float64(tr.RSMCorrClean[last])))
			}
			fmt.Printf("layers: in silico, %s at %s %g: predicted RSM against the clean prediction: %s\n", roi, ins.Distortion, ins.Levels[last], strings.Join(parts, ", "))
		}
	}
	fmt.Printf("layers: %s and figures in %s\n", layers.ResultFile, out)
	return nil
}

// cnnNames are the architectures' names.
func cnnNames(archs []cnn.Arch) []string {
	out := make([]string, len(archs))
	for i, a := range archs {
		out[i] = a.Name
	}
	return out
}
