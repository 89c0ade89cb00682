package stimulus

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/metrics"
	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

// Head is the trained part of the stimulus classifier: the backbone's 1000
// logits -> Linear(1000, 100) (the embedding) -> Linear(100, classes), as
// torch.nn.Sequential (keys "0.weight", ..., "1.bias").
type Head struct {
	In        int `json:"in"`
	Embedding int `json:"embedding"`
	Classes   int `json:"classes"`
}

// Forward implements train.Network.
func (h Head) Forward(scope *model.Scope, x *graph.Node) (logits, embedding *graph.Node) {
	x.AssertDims(-1, h.In)
	embedding = nn.Linear(scope.In("0"), x, h.Embedding)
	return nn.Linear(scope.In("1"), embedding, h.Classes), embedding
}

// Options is a classifier run's recipe; DefaultOptions is the original's.
type Options struct {
	Filter   kay.Filter
	Train    train.Config
	Features FeatureOptions
	Seed     int64 // head initialisation and sampling
	Progress io.Writer
}

// DefaultOptions: level-0 classes without the ignore list, Adam lr 0.001,
// batch 128, 30 epochs, class-balanced sampling, the last epoch's weights;
// 4 cached views of each training image (the original augmentation on views
// 1..3), backbone batches of 32, BatchNorm statistics adapted to the clean
// training images (closest to the original, which trained its heads with
// the backbone in training mode).
func DefaultOptions() Options {
	return Options{
		Filter: kay.DefaultFilter(),
		Train: train.Config{Epochs: 30, BatchSize: 128, LearningRate: 0.001, Balanced: true,
			Keep: train.KeepLast},
		Features: FeatureOptions{Views: 4, Augment: DefaultAugment(), Seed: 1, Batch: 32, BatchNorm: cnn.BNAdapt},
		Seed:     1,
	}
}

// Meta is what a head checkpoint records besides its weights.
type Meta struct {
	Model    string        `json:"model"`   // the backbone's torchvision name
	Weights  string        `json:"weights"` // where the backbone's weights came from
	Head     Head          `json:"head"`
	Classes  []string      `json:"classes"`
	Filter   kay.Filter    `json:"filter"`
	Norm     Normalizer    `json:"normalizer"`
	Views    int           `json:"views"`
	Seed     int64         `json:"seed"`
	History  train.History `json:"history"`
	Pretrain bool          `json:"pretrained"`
	// BatchNorm is the backbone's BatchNorm mode the features were
	// computed with (cnn.Model.BatchNorm).
	BatchNorm string `json:"batchnorm"`
}

// Result is one CNN's trained classifier and its test evaluation.
type Result struct {
	Meta     Meta
	Sel      *kay.Selection
	Head     *train.Model
	Features *Features
	Test     train.Output // the head's outputs on the test images: logits and the 100-d embedding
	Report   metrics.Report
}

// Run computes (or reads from the cache) the backbone's features and trains
// the head on them with backend hb (a Dense-workload backend: the head is
// small), validating on the test split after each epoch as the original.
func Run(ctx context.Context, hb compute.Backend, backbone *cnn.Model, d *kay.Dataset, opt Options) (*Result, error) {
	sel, err := d.Select(opt.Filter)
	if err != nil {
		return nil, err
	}
	fo := opt.Features
	if fo.Progress == nil {
		fo.Progress = opt.Progress
	}
	if err := AdaptBackbone(ctx, backbone, d, sel, fo); err != nil {
		return nil, err
	}
	f, err := ComputeFeatures(ctx, backbone, d, sel, fo)
	if err != nil {
		return nil, err
	}
	if v := f.spread(); v < 1e-6 && opt.Progress != nil {
		fmt.Fprintf(opt.Progress, "%s: WARNING: the backbone's outputs barely vary across images (mean spread %.2g): "+
			"the head can only learn class frequencies. Untrained MobileNetV3 collapses like this in torchvision too.\n", backbone.Arch.Name, v)
	}
	head := Head{In: cnn.Classes, Embedding: 100, Classes: len(sel.Classes)}
	m, err := train.New(hb, head, opt.Seed)
	if err != nil {
		return nil, err
	}
	tc := opt.Train
	tc.Seed, tc.Progress = opt.Seed, opt.Progress
	if tc.Label == "" {
		tc.Label = backbone.Arch.Name
	}
	tr := train.Data{X: f.Train, N: f.NTrain, D: cnn.Classes, Views: f.Views, Y: sel.Train.Y}
	te := train.Data{X: f.Test, N: f.NTest, D: cnn.Classes, Y: sel.Test.Y}
	h, err := train.Fit(ctx, m, tr, te, len(sel.Classes), tc)
	if err != nil {
		return nil, err
	}
	out, rep, err := train.Evaluate(m, te, sel.Classes)
	if err != nil {
		return nil, err
	}
	meta := Meta{Model: backbone.Arch.Name, Weights: backbone.Weights, Head: head, Classes: sel.Classes, Filter: opt.Filter,
		Norm: f.Norm, Views: f.Views, Seed: opt.Seed, History: h, Pretrain: backbone.Pretrained(), BatchNorm: backbone.BatchNorm}
	return &Result{Meta: meta, Sel: sel, Head: m, Features: f, Test: out, Report: rep}, nil
}

// Run is the result as the trainer's record, for writing and figures.
func (r *Result) Run() train.Run {
	return train.Run{Name: r.Meta.Model, Title: r.Meta.Model, Model: r.Head, Meta: r.Meta, Classes: r.Meta.Classes,
		History: r.Meta.History, Report: r.Report, Test: r.Test, Labels: r.Sel.Test.Y, Index: r.Sel.Test.Index,
		Extra: map[string]any{"weights": r.Meta.Weights, "pretrained": r.Meta.Pretrain, "views": r.Meta.Views, "normalizer": r.Meta.Norm}}
}

// Write saves the run into dir (train.Run.Write).
func (r *Result) Write(dir string) error { return r.Run().Write(dir) }

// LoadHead reads a head checkpoint written by Write onto backend hb.
func LoadHead(hb compute.Backend, dir string) (*train.Model, Meta, error) {
	return train.LoadCheckpoint(hb, filepath.Join(dir, train.CheckpointFile), func(meta Meta) (train.Network, int64, error) {
		if _, err := cnn.Get(meta.Model); err != nil || meta.Head.In != cnn.Classes {
			return nil, 0, fmt.Errorf("not a stimulus-classifier head (model %q)", meta.Model)
		}
		return meta.Head, meta.Seed, nil
	})
}

// SameSelection reports whether sel is the selection a head was trained on.
func (meta Meta) SameSelection(sel *kay.Selection) bool {
	return slices.Equal(sel.Classes, meta.Classes)
}

// testData is the head's input on the test images.
func testData(r *Result) train.Data {
	return train.Data{X: r.Features.Test, N: r.Features.NTest, D: cnn.Classes, Y: r.Sel.Test.Y}
}

// Open reloads a run written by Write from dir: the head from its checkpoint
// and the features from the cache (or the backbone), re-evaluated on d's
// test split.
func Open(ctx context.Context, hb compute.Backend, backbone *cnn.Model, dir string, d *kay.Dataset, opt Options) (*Result, error) {
	head, meta, err := LoadHead(hb, dir)
	if err != nil {
		return nil, err
	}
	sel, err := d.Select(meta.Filter)
	if err != nil {
		return nil, err
	}
	if !meta.SameSelection(sel) || meta.Model != backbone.Arch.Name || meta.Weights != backbone.Weights {
		return nil, fmt.Errorf("%s: trained for %s (%s) on classes %v, not %s (%s) on %v", dir, meta.Model, meta.Weights, meta.Classes,
			backbone.Arch.Name, backbone.Weights, sel.Classes)
	}
	fo := opt.Features
	fo.Views, fo.Progress = meta.Views, opt.Progress
	if err := AdaptBackbone(ctx, backbone, d, sel, fo); err != nil {
		return nil, err
	}
	if meta.BatchNorm != backbone.BatchNorm {
		return nil, fmt.Errorf("%s: trained on features with BatchNorm %q, the backbone's is %q", dir, meta.BatchNorm, backbone.BatchNorm)
	}
	f, err := ComputeFeatures(ctx, backbone, d, sel, fo)
	if err != nil {
		return nil, err
	}
	r := &Result{Meta: meta, Sel: sel, Head: head, Features: f}
	r.Test, r.Report, err = train.Evaluate(head, testData(r), sel.Classes)
	return r, err
}

// ForDataset adapts the default recipe to the dataset's size: on small
// datasets (the quick simulator profile) training images get 1 view (no
// augmentation), which keeps the embedded demo within its time budget;
// larger ones keep the 4 views.
func (o Options) ForDataset(d *kay.Dataset) Options {
	if d.Train.Stimuli.N < 1000 {
		o.Features.Views = 1
	}
	return o
}
