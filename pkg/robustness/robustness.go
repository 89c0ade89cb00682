// Package robustness measures how a stimulus classifier's accuracy (and its
// embedding) changes as the test images are blurred: the original's box blur
// (albumentations' Blur at blur_limit 1, 4, 8, 12, 16) and a Gaussian blur by
// sigma; and the model characteristics the original plotted next to it
// (parameter count, Frobenius norm of the parameters).
package robustness

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/decodingthoughts/decoding-thoughts/pkg/blur"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

// Distortion is a family of blurs at increasing levels.
type Distortion struct {
	Name   string    `json:"distortion"` // "gaussian" (level = sigma in pixels) or "box" (level = blur_limit)
	Levels []float64 `json:"levels"`
}

// Gaussian is the default sweep: sigma 0, 1, 2, 4, 8 pixels.
func Gaussian() Distortion { return Distortion{Name: "gaussian", Levels: []float64{0, 1, 2, 4, 8}} }

// Box is the original's sweep: albumentations Blur(blur_limit=k) at k = 1,
// 4, 8, 12, 16, the kernel size drawn per image.
func Box() Distortion { return Distortion{Name: "box", Levels: []float64{1, 4, 8, 12, 16}} }

// Func returns the distortion at one level. Box draws each image's kernel
// from a generator seeded by (seed, level, image), so runs repeat.
func (d Distortion) Func(level float64, seed int64) (stimulus.Distort, error) {
	switch d.Name {
	case "gaussian":
		return func(_ int, pix []float32, h, w int) []float32 {
			out, err := blur.Gaussian(blur.Image{H: h, W: w, Pix: pix}, level)
			if err != nil {
				panic(err) // sizes come from the dataset; sigma was checked by Validate
			}
			return out.Pix
		}, nil
	case "box":
		limit := blur.BoxLimit(level)
		return func(i int, pix []float32, h, w int) []float32 {
			rng := rand.New(rand.NewPCG(uint64(seed), uint64(level)<<32|uint64(i)))
			out, _, err := limit.Apply(blur.Image{H: h, W: w, Pix: pix}, rng)
			if err != nil {
				panic(err)
			}
			return out.Pix
		}, nil
	}
	return nil, fmt.Errorf("unknown distortion %q (want gaussian or box)", d.Name)
}

// Validate checks the levels.
func (d Distortion) Validate() error {
	if len(d.Levels) < 2 {
		return fmt.Errorf("distortion %s: need at least 2 levels, got %v", d.Name, d.Levels)
	}
	for _, l := range d.Levels {
		if l < 0 || (d.Name == "box" && (l < 1 || l != math.Trunc(l))) {
			return fmt.Errorf("distortion %s: bad level %v", d.Name, l)
		}
	}
	_, err := d.Func(0, 0)
	return err
}

// Curve is a classifier's test accuracy along a distortion.
type Curve struct {
	Distortion string    `json:"distortion"`
	Levels     []float64 `json:"levels"`
	Accuracy   []float64 `json:"accuracy"`
	// Drop is the accuracy at the first (mildest) level minus at the last.
	Drop float64 `json:"accuracy_drop"`
	// Embeddings are the head's 100-d test embeddings at each level.
	Embeddings [][]float32 `json:"-"`
}

// Sweep evaluates a trained stimulus classifier on the blurred test images
// at every level of dist.
func Sweep(ctx context.Context, r *stimulus.Result, backbone *cnn.Model, d *kay.Dataset, dist Distortion,
	seed int64, opt stimulus.FeatureOptions) (Curve, error) {
	if err := dist.Validate(); err != nil {
		return Curve{}, err
	}
	c := Curve{Distortion: dist.Name, Levels: dist.Levels}
	var fs []stimulus.Distort
	var names []string
	for _, level := range dist.Levels {
		f, _ := dist.Func(level, seed)
		fs = append(fs, f)
		names = append(names, fmt.Sprintf("%s-%g-seed%d", dist.Name, level, seed))
	}
	all, err := stimulus.DistortedLogitsSet(ctx, backbone, d, r.Sel, r.Features.Norm, fs, names, opt)
	if err != nil {
		return c, err
	}
	for _, logits := range all {
		out, err := r.Head.Forward(train.Data{X: logits, N: r.Features.NTest, D: cnn.Classes, Y: r.Sel.Test.Y})
		if err != nil {
			return c, err
		}
		c.Accuracy = append(c.Accuracy, out.Accuracy(r.Sel.Test.Y))
		c.Embeddings = append(c.Embeddings, out.Embedding)
	}
	c.Drop = c.Accuracy[0] - c.Accuracy[len(c.Accuracy)-1]
	return c, nil
}

// Characteristics are the original's model descriptors.
type Characteristics struct {
	Params    int     `json:"params"`         // learned parameters (backbone + head)
	Frobenius float64 `json:"frobenius_norm"` // sqrt of the sum of their squares
}

// Describe counts the learned parameters of backbone and head (not
// BatchNorm's running statistics) and their Frobenius norm.
func Describe(backbone *cnn.Model, head *train.Model) (Characteristics, error) {
	var c Characteristics
	sd, err := backbone.StateDict()
	if err != nil {
		return c, err
	}
	hd, err := head.StateDict()
	if err != nil {
		return c, err
	}
	ss := 0.0
	for _, e := range append(sd, hd...) {
		if !(cnn.Param{Key: e.Key}).Trainable() {
			continue
		}
		x, ok := e.Array.Data.([]float32)
		if !ok {
			continue
		}
		c.Params += len(x)
		for _, v := range x {
			ss += float64(v) * float64(v)
		}
	}
	c.Frobenius = math.Sqrt(ss)
	return c, nil
}
