package robustness

import (
	"context"
	"fmt"
	"math"

	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

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

// Sweep evaluates a trained stimulus classifier on the distorted test
// images at every level of dist.
func Sweep(ctx context.Context, r *stimulus.Result, backbone *cnn.Model, d *kay.Dataset, dist distortion.Distortion,
	seed int64, opt stimulus.FeatureOptions) (Curve, error) {
	if err := dist.Validate(); err != nil {
		return Curve{}, err
	}
	c := Curve{Distortion: dist.Name, Levels: dist.Levels}
	var fs []stimulus.Distort
	var names []string
	for _, level := range dist.Levels {
		f, err := dist.Func(level, seed)
		if err != nil {
			return c, err
		}
		fs = append(fs, stimulus.Distort(f))
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
