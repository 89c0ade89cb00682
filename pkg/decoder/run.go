package decoder

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/gomlx/compute"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/metrics"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

// Name is how the decoder is called in checkpoints and in the study's
// outputs (embeddings/fmri.npz); Title in figures and reports.
const (
	Name  = "fmri"
	Title = "fMRI decoder"
)

// Options is a decoder run's recipe; DefaultOptions is the original's.
type Options struct {
	Filter   kay.Filter
	Train    train.Config
	Seed     int64     // initial weights, dropout, sampling
	Progress io.Writer // epoch lines (and a bar on a terminal)
}

// DefaultOptions: level-0 classes without the ignore list, ROIs V1..LatOcc,
// Adam lr 0.01, batch 128, 10 epochs, class-balanced sampling, the last
// epoch's weights, seed 1.
func DefaultOptions() Options {
	return Options{
		Filter: kay.DefaultFilter(),
		Train: train.Config{Epochs: 10, BatchSize: 128, LearningRate: 0.01, Balanced: true,
			Keep: train.KeepLast, Label: "fmri"},
		Seed: 1,
	}
}

// Meta is what a decoder checkpoint records besides the weights.
type Meta struct {
	Model   string        `json:"model"`
	Config  Config        `json:"config"`
	Classes []string      `json:"classes"`
	Filter  kay.Filter    `json:"filter"`
	Voxels  []int         `json:"voxels"` // dataset voxel indices, in input order
	Seed    int64         `json:"seed"`
	History train.History `json:"history"`
}

// Result is a trained decoder with its test-set evaluation.
type Result struct {
	Meta   Meta
	Sel    *kay.Selection
	Model  *train.Model
	Test   train.Output // eval-mode logits and embeddings, test images in dataset order
	Report metrics.Report
}

// Run selects the images and voxels, trains the decoder on the training split
// (validating on the test split after each epoch, as the original), and
// evaluates it on the test split.
func Run(ctx context.Context, b compute.Backend, d *kay.Dataset, opt Options) (*Result, error) {
	sel, err := d.Select(opt.Filter)
	if err != nil {
		return nil, err
	}
	tr, te := Data(d, sel)
	cfg := Default(len(sel.Voxels), len(sel.Classes))
	m, err := train.New(b, cfg, opt.Seed)
	if err != nil {
		return nil, err
	}
	tc := opt.Train
	tc.Seed, tc.Progress = opt.Seed, opt.Progress
	h, err := train.Fit(ctx, m, tr, te, len(sel.Classes), tc)
	if err != nil {
		return nil, err
	}
	out, rep, err := train.Evaluate(m, te, sel.Classes)
	if err != nil {
		return nil, err
	}
	meta := Meta{Model: Name, Config: cfg, Classes: sel.Classes, Filter: opt.Filter, Voxels: sel.Voxels, Seed: opt.Seed, History: h}
	return &Result{Meta: meta, Sel: sel, Model: m, Test: out, Report: rep}, nil
}

// Data gathers the selected voxels of the selected images of both splits.
func Data(d *kay.Dataset, sel *kay.Selection) (tr, te train.Data) {
	x, n, v := sel.Rows(d.Train.Responses, sel.Train)
	tr = train.Data{X: x, N: n, D: v, Y: sel.Train.Y}
	x, n, v = sel.Rows(d.Test.Responses, sel.Test)
	te = train.Data{X: x, N: n, D: v, Y: sel.Test.Y}
	return tr, te
}

// Open reloads a run written by Write from dir and re-evaluates it on d's
// test split; the dataset must give the same selection the run was trained
// on (same classes and voxels), or the error says what differs.
func Open(b compute.Backend, dir string, d *kay.Dataset) (*Result, error) {
	path := filepath.Join(dir, train.CheckpointFile)
	m, meta, err := Load(b, path)
	if err != nil {
		return nil, err
	}
	sel, err := d.Select(meta.Filter)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if !slices.Equal(sel.Classes, meta.Classes) || !slices.Equal(sel.Voxels, meta.Voxels) {
		return nil, fmt.Errorf("%s: trained on classes %v and %d voxels; dataset %s gives %v and %d voxels",
			path, meta.Classes, len(meta.Voxels), d.Dir, sel.Classes, len(sel.Voxels))
	}
	_, te := Data(d, sel)
	out, rep, err := train.Evaluate(m, te, sel.Classes)
	if err != nil {
		return nil, err
	}
	return &Result{Meta: meta, Sel: sel, Model: m, Test: out, Report: rep}, nil
}

// Load reads a decoder checkpoint onto backend b.
func Load(b compute.Backend, path string) (*train.Model, Meta, error) {
	return train.LoadCheckpoint(b, path, func(meta Meta) (train.Network, int64, error) {
		if meta.Model != Name {
			return nil, 0, fmt.Errorf("a %q checkpoint, not an fMRI decoder's", meta.Model)
		}
		return meta.Config, meta.Seed, meta.Config.Validate()
	})
}

// Run is the result as the trainer's record, for writing and figures.
func (r *Result) Run() train.Run {
	return train.Run{Name: Name, Title: Title, Model: r.Model, Meta: r.Meta, Classes: r.Meta.Classes,
		History: r.Meta.History, Report: r.Report, Test: r.Test, Labels: r.Sel.Test.Y, Index: r.Sel.Test.Index,
		Extra: map[string]int{"voxels": len(r.Meta.Voxels), "n_train": len(r.Sel.Train.Y)}}
}

// Write saves the run into dir: checkpoint.npz, metrics.json,
// embeddings.npz and the figures (train.Run.Write).
func (r *Result) Write(dir string) error { return r.Run().Write(dir) }
