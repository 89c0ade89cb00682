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
	"github.com/decodingthoughts/decoding-thoughts/pkg/layers"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
)

// runLayers compares every layer of each CNN, and the Gabor and pixel
// reference models, with every visual area (pkg/layers).
func runLayers(ctx context.Context, args []string) error {
	models, weights, pool := strings.Join(cnn.StudyModels(), ","), "auto", cnn.PoolGrid4
	bn, batch, boots, perms, seed := cnn.BNAdapt, 0, 200, 10000, int64(1)
	d, out, b, err := dataCommand("layers", args, func(fs *flag.FlagSet) func() error {
		fs.StringVar(&models, "models", models, "comma-separated architectures, of: "+strings.Join(cnn.Names(), ", "))
		fs.StringVar(&weights, "weights", weights, weightsHelp)
		fs.StringVar(&pool, "pool", pool, "pooling of intermediate layers: grid4 (4x4 average pooling, keeps coarse retinotopy) or gap (mean over positions)")
		fs.StringVar(&bn, "bn", bn, bnHelp)
		fs.IntVar(&batch, "batch", batch, "images per backbone forward pass (0: 128 on a GPU, else 32)")
		fs.IntVar(&boots, "bootstraps", boots, "resamples of the test images for the intervals")
		fs.IntVar(&perms, "permutations", perms, "stratified permutations of the test images for the RSA p-values (0: none)")
		fs.Int64Var(&seed, "seed", seed, "seed of the random weights, the bootstrap and the permutations")
		return func() error {
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
	tab, sum, err := layers.Run(ctx, d, archs, open, pool, fopt, layers.Options{Bootstraps: boots, Permutations: perms, Seed: uint64(seed)}, os.Stderr)
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
	fmt.Printf("layers: %s and figures in %s\n", layers.ResultFile, out)
	return nil
}
