package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/gomlx/compute"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

func runTrainFMRI(ctx context.Context, args []string) error {
	opt := decoder.DefaultOptions()
	var rois, keep string
	d, out, b, err := dataCommand("train-fmri", args, func(fs *flag.FlagSet) func() error {
		fs.IntVar(&opt.Train.Epochs, "epochs", opt.Train.Epochs, "training epochs")
		fs.IntVar(&opt.Train.BatchSize, "batch", opt.Train.BatchSize, "batch size")
		fs.Float64Var(&opt.Train.LearningRate, "lr", opt.Train.LearningRate, "Adam learning rate")
		fs.BoolVar(&opt.Train.Balanced, "balanced", opt.Train.Balanced, "class-balanced sampling with replacement (false: shuffle)")
		fs.Int64Var(&opt.Seed, "seed", opt.Seed, "seed of the initial weights, dropout and sampling")
		fs.StringVar(&keep, "keep", string(opt.Train.Keep), "weights to keep: last (the original's) or best (highest validation accuracy; tunes on the test set)")
		fs.StringVar(&rois, "rois", "V1,V2,V3,V3A,V3B,V4,LatOcc", "comma-separated ROI names whose voxels the decoder reads, or all")
		return func() error {
			opt.Train.Keep = train.Keep(keep)
			return opt.Train.Validate()
		}
	}, true, backend.Dense)
	if err != nil {
		return err
	}
	if opt.Filter.ROIs, err = roiList(d, rois); err != nil {
		return err
	}
	opt.Progress = os.Stderr
	r, err := trainDecoder(ctx, b, d, opt, out)
	if err != nil {
		return err
	}
	fmt.Print(r.Report.String())
	fmt.Printf("train-fmri: %s epoch's weights (epoch %d); checkpoint, metrics.json, embeddings.npz and figures in %s\n",
		r.Meta.History.Keep, r.Meta.History.KeptEpoch, out)
	return nil
}

// trainDecoder runs the decoder stage and writes its outputs into out.
func trainDecoder(ctx context.Context, b compute.Backend, d *kay.Dataset, opt decoder.Options, out string) (*decoder.Result, error) {
	return study.FMRI(ctx, b, d, opt, out)
}

// roiList turns "V1,V4" into roi values; "all" keeps every voxel.
func roiList(d *kay.Dataset, names string) ([]int, error) {
	if names == "all" {
		return nil, nil
	}
	var out []int
	for _, n := range strings.Split(names, ",") {
		r, err := d.ROIIndex(strings.TrimSpace(n))
		if err != nil {
			return nil, fmt.Errorf("--rois: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// runEncode fits Kay et al.'s Gabor-wavelet encoding model to every voxel
// and identifies the test images from the measured responses.
func runEncode(_ context.Context, args []string) error {
	opt := encoding.DefaultOptions()
	d, out, _, err := dataCommand("encode", args, func(fs *flag.FlagSet) func() error {
		fs.IntVar(&opt.Voxels, "voxels", opt.Voxels, "voxels (best by training cross-validation) whose patterns identify the test images; 0: 500 for the real data's 8428 voxels, the same share of a smaller dataset")
		fs.IntVar(&opt.Ridge.Folds, "folds", opt.Ridge.Folds, "cross-validation folds over the training images")
		fs.IntVar(&opt.Pool, "grid", opt.Pool, "side of the grid of positions the Gabor energy is pooled on (1, 2, 4, 8 or 16)")
		return func() error {
			if opt.Voxels < 0 {
				return fmt.Errorf("--voxels %d: want at least 1 (0: automatic)", opt.Voxels)
			}
			if opt.Pool < 1 || 16%opt.Pool != 0 {
				return fmt.Errorf("--grid %d: want 1, 2, 4, 8 or 16", opt.Pool)
			}
			return opt.Ridge.Validate()
		}
	}, false, 0)
	if err != nil {
		return err
	}
	r, err := encoding.Run(d, opt, os.Stderr)
	if err != nil {
		return err
	}
	if err := r.Write(out); err != nil {
		return err
	}
	id := r.Identification
	fmt.Printf("encode: identification %d/%d = %.3f [95%% CI %.3f, %.3f], chance %.4f, with the %d best voxels; median test r %.3f\n",
		id.Correct, id.N, id.Value, id.Low, id.High, id.Chance, r.NVoxels, r.MedianR)
	for _, a := range r.ROIs {
		ceiling := ""
		if !math.IsNaN(float64(a.NoiseCeiling)) {
			ceiling = fmt.Sprintf("  noise ceiling %.3f", a.NoiseCeiling)
			if !math.IsNaN(float64(a.FractionOfCeiling)) {
				ceiling += fmt.Sprintf(" (%.0f%%)", 100*a.FractionOfCeiling)
			}
		}
		fmt.Printf("  %-7s %5d voxels  median r %.3f  identification %.3f%s\n", a.ROI, a.Voxels, a.Median, a.Identification.Value, ceiling)
	}
	fmt.Printf("encode: %s and figures in %s\n", encoding.ResultFile, out)
	return nil
}
