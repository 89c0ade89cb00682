package nb

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

// stop ends the cell's program with err as one line on standard error and
// exit status 1: a notebook shows the line, not a Go stack trace. Tests
// replace it.
var stop = func(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	os.Exit(1)
}

// Check stops the cell with err, one line, when err is not nil: for cells
// that call the packages directly.
func Check(err error) {
	if err != nil {
		stop(err)
	}
}

// Must returns v, or stops the cell with err as one line.
func Must[T any](v T, err error) T {
	Check(err)
	return v
}

// Must2 is Must for two results.
func Must2[T, U any](v T, w U, err error) (T, U) {
	Check(err)
	return v, w
}

// Progress is a live log for a hand-written call's Progress option: one
// line updated in place while the work runs, then a collapsed log. Call
// Done when the work ends.
func Progress(title string) interface {
	io.Writer
	Done()
} {
	return newLog(title)
}

// FMRIOptions is the decoder's recipe the notebooks use, the original's
// (decoder.DefaultOptions): level-0 classes without the ignore list, ROIs
// V1..LatOcc, Adam at 0.01, batch 128, 10 epochs, class-balanced sampling,
// the last epoch's weights, seed 1. Change a copy and pass it to FMRIWith.
func FMRIOptions() decoder.Options { return decoder.DefaultOptions() }

// ROIs maps area names ("V1", "LatOcc") to the roi values a Filter keeps,
// stopping the cell with one line on an unknown name.
func ROIs(d *kay.Dataset, names ...string) []int {
	var out []int
	for _, n := range names {
		out = append(out, Must(d.ROIIndex(n)))
	}
	return out
}

// FMRIWith trains the decoder on d with opt, or reopens the run a cell
// made with the same dataset and options (GoNB runs every cell as a new
// program): progress shows while it trains. Options that cannot run (no
// epochs, an roi value the dataset lacks) stop the cell with one line.
func FMRIWith(d *kay.Dataset, opt decoder.Options) *decoder.Result {
	Check(checkFMRI(d, opt))
	log := newLog("fMRI decoder")
	defer log.Done()
	key := opt
	key.Progress, key.Train.Progress = nil, nil
	opt.Progress = log
	dir := cachedir.Path("runs", "fmri-"+runKey(d, key))
	b, c, err := env().New("", backend.Dense)
	Check(err)
	if _, err := os.Stat(filepath.Join(dir, train.CheckpointFile)); err != nil {
		fmt.Println(backend.Describe(b, c))
	}
	return Must(study.FMRI(context.Background(), b, d, opt, dir))
}

// checkFMRI says what in opt the decoder cannot run with, naming the field.
func checkFMRI(d *kay.Dataset, opt decoder.Options) error {
	if err := opt.Train.Validate(); err != nil {
		return fmt.Errorf("decoder options: Train: %w", err)
	}
	if opt.Filter.Level < 0 || opt.Filter.Level >= kay.Levels {
		return fmt.Errorf("decoder options: Filter.Level %d: want 0 to %d", opt.Filter.Level, kay.Levels-1)
	}
	for _, r := range opt.Filter.ROIs {
		if r < 0 || r >= len(d.ROINames) {
			return fmt.Errorf("decoder options: Filter.ROIs holds %d: the dataset's areas are 0 to %d (%v; nb.ROIs(d, \"V1\", ...) maps names)", r, len(d.ROINames)-1, d.ROINames)
		}
	}
	if _, err := d.Select(opt.Filter); err != nil {
		return fmt.Errorf("decoder options: Filter: %w", err)
	}
	return nil
}

// CNNOptions is the stimulus classifiers' recipe the notebooks use on d,
// the study's (study.CNNOptions: 30 epochs, the views and batch for d's
// size, BatchNorm adapted to the training images), with the features
// cached. Change a copy and pass it to CNNWith.
func CNNOptions(d *kay.Dataset) stimulus.Options {
	return study.CNNOptions(d, Seed, cachedir.Root(), nil)
}

// CNNWith is CNN with opt: the named backbone's head trained on d with
// opt, or the run a cell made with the same weights, dataset and options
// reopened. Options that cannot run stop the cell with one line.
func CNNWith(name string, d *kay.Dataset, opt stimulus.Options) *stimulus.Result {
	Check(checkCNN(opt))
	m, about := Backbone(name)
	hb, _, err := env().New("", backend.Dense)
	Check(err)
	log := newLog(name + " classifier")
	defer log.Done()
	key := opt
	key.Progress, key.Train.Progress, key.Features.Progress = nil, nil, nil
	key.Features.Batch = 0
	opt.Progress = log
	dir := cachedir.Path("runs", name+"-"+runKey(d, struct {
		Weights string
		Options stimulus.Options
	}{m.Weights, key}))
	if _, err := os.Stat(filepath.Join(dir, train.CheckpointFile)); err != nil {
		fmt.Println(about)
	}
	return Must(study.CNN(context.Background(), hb, m, d, opt, dir))
}

// checkCNN says what in opt the classifier cannot run with.
func checkCNN(opt stimulus.Options) error {
	if err := opt.Train.Validate(); err != nil {
		return fmt.Errorf("classifier options: Train: %w", err)
	}
	if opt.Features.Batch < 0 {
		return fmt.Errorf("classifier options: Features.Batch %d: want 0 (the backend's default) or more", opt.Features.Batch)
	}
	return nil
}
