package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
)

// HeadCVFile is what head-cv writes into --out.
const HeadCVFile = "head_cv.json"

// runHeadCV measures how hard a set of labelled pictures is for each
// architecture: the head's cross-validated accuracy on the training images
// (stimulus.CrossValidate), from a dataset or from a tar of pictures and a
// label file (the real stimuli's JPEG copies have no responses and no test
// split).
func runHeadCV(ctx context.Context, args []string) error {
	models, weights, bn := strings.Join(cnn.StudyModels(), ","), "random", cnn.BNAdapt
	folds, batch, seed := 5, 0, int64(1)
	var tarFile, labelFile, synthetic string
	d, out, b, err := dataCommand("head-cv", args, func(fs *flag.FlagSet) func() error {
		fs.StringVar(&models, "models", models, "comma-separated architectures, of: "+strings.Join(cnn.Names(), ", "))
		fs.StringVar(&weights, "weights", weights, weightsHelp)
		fs.StringVar(&bn, "bn", bn, bnHelp)
		fs.IntVar(&folds, "folds", folds, "stratified cross-validation folds")
		fs.IntVar(&batch, "batch", batch, "images per backbone forward pass (0: 128 on a GPU, else 32)")
		fs.Int64Var(&seed, "seed", seed, "seed of the random weights, the folds and the heads")
		fs.StringVar(&synthetic, "synthetic", "", "a simulated dataset's profile (quick, full, tiny; its --seed) instead of --data-dir")
		fs.StringVar(&tarFile, "stimuli-tar", "", "a tar of pictures named by index (stimuli/0.jpg, ...), e.g. the real training stimuli's JPEG copies, instead of a dataset; needs --labels")
		fs.StringVar(&labelFile, "labels", "", "with --stimuli-tar: the (4, N) label file (kay_labels.npy)")
		return func() error {
			if _, err := cnn.Lookup(models); err != nil {
				return fmt.Errorf("--models: %w", err)
			}
			if (tarFile == "") != (labelFile == "") {
				return errors.New("--stimuli-tar and --labels go together")
			}
			if tarFile != "" && synthetic != "" {
				return errors.New("--stimuli-tar and --synthetic: give one")
			}
			return checkBN(bn)
		}
	}, true, backend.Convolutions, func() bool { return tarFile != "" })
	if err != nil {
		return err
	}
	if tarFile != "" {
		if d, err = kay.LoadPictures(tarFile, labelFile); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: %d pictures of %dx%d, labels from %s\n", tarFile, d.Train.Stimuli.N, d.Train.Stimuli.H, d.Train.Stimuli.W, labelFile)
	}
	archs, _ := cnn.Lookup(models)
	hb, hc, err := env.New(backend.DenseSpec(b), backend.Dense)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "heads: "+backend.Describe(hb, hc))
	opt := stimulus.DefaultOptions()
	opt.Seed, opt.Progress = seed, os.Stderr
	opt.Features.Batch, opt.Features.BatchNorm, opt.Features.Progress = batch, bn, os.Stderr
	if batch == 0 {
		opt.Features.Batch = backend.DefaultBatch(b)
	}
	var results []*stimulus.CrossValidated
	for _, a := range archs {
		m, err := openBackbone(ctx, b, a, weights, seed)
		if err != nil {
			return err
		}
		r, err := stimulus.CrossValidate(ctx, hb, m, d, opt, folds)
		m.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", a.Name, err)
		}
		results = append(results, r)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	doc := map[string]any{"dataset": d.Dir, "folds": folds, "seed": seed, "weights": weights, "batchnorm": bn, "models": results}
	buf, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(out, HeadCVFile), append(buf, '\n')); err != nil {
		return err
	}
	for _, r := range results {
		a := r.Accuracy
		fmt.Printf("%-20s %d images, %d-fold: accuracy %.3f [%.3f, %.3f] (majority class %.3f), balanced %.3f\n",
			r.Model, r.Images, r.Folds, a.Value, a.Low, a.High, a.Chance, r.Balanced)
	}
	fmt.Printf("head-cv: %s in %s\n", HeadCVFile, out)
	return nil
}
