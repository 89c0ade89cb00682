package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/gomlx/compute"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
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
