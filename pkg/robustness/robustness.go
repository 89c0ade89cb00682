package robustness

import (
	"context"
	"fmt"
	"math"

	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/metrics"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"

	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

// Curve is a classifier's test accuracy along a distortion: over several
// training seeds of the head (one backbone), the mean over seeds.
type Curve struct {
	Distortion string    `json:"distortion"`
	Levels     []float64 `json:"levels"`
	Accuracy   []float64 `json:"accuracy"`
	// BalancedAccuracy is the mean recall over classes (chance 1/classes
	// whatever the class sizes), with its s.d. over seeds (NaN, null in
	// JSON, for one seed).
	BalancedAccuracy []float64 `json:"balanced_accuracy"`
	Seeds            int       `json:"seeds"`
	// Drop is the accuracy at the first (mildest) level minus at the last.
	Drop               float64         `json:"accuracy_drop"`
	BalancedAccuracySD []jsonnum.Float `json:"balanced_accuracy_sd"`
	// Embeddings are the first seed's head's 100-d test embeddings at each
	// level.
	Embeddings [][]float32 `json:"-"`
	// Predictions[s][l] are seed s's predicted classes of the test images
	// (dataset order) at level l.
	Predictions [][][]int `json:"-"`
}

// Sweep evaluates trained stimulus classifiers on the distorted test
// images at every level of dist: rs are heads trained with different seeds
// on one backbone's features (the distorted features are computed once).
func Sweep(ctx context.Context, rs []*stimulus.Result, backbone *cnn.Model, d *kay.Dataset, dist distortion.Distortion,
	seed int64, opt stimulus.FeatureOptions) (Curve, error) {
	cs, err := SweepAll(ctx, rs, backbone, d, []distortion.Distortion{dist}, seed, opt)
	if err != nil {
		return Curve{}, err
	}
	return cs[0], nil
}

// SweepAll is Sweep for several distortions at once: their distorted test
// images go through the backbone in one pass, each distinct image once
// (stimulus.DistortedLogitsCachingLayers: Gaussian sigma 0 and a box
// kernel of 1 are the image itself; a box kernel drawn at two levels is one
// image).
func SweepAll(ctx context.Context, rs []*stimulus.Result, backbone *cnn.Model, d *kay.Dataset, dists []distortion.Distortion,
	seed int64, opt stimulus.FeatureOptions) ([]Curve, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("robustness: no classifier to sweep")
	}
	var fs []stimulus.Distort
	var names []string
	for _, dist := range dists {
		if err := dist.Validate(); err != nil {
			return nil, err
		}
		for _, level := range dist.Levels {
			f, err := dist.Func(level, seed)
			if err != nil {
				return nil, err
			}
			fs = append(fs, stimulus.Distort(f))
			names = append(names, stimulus.DistortedName(dist.Name, level, seed))
		}
	}
	r0 := rs[0]
	if err := stimulus.AdaptBackbone(ctx, backbone, d, r0.Sel, opt); err != nil {
		return nil, err
	}
	if r0.Meta.BatchNorm != backbone.BatchNorm {
		return nil, fmt.Errorf("robustness %s: heads trained on features with BatchNorm %q, the backbone's is %q",
			backbone.Arch.Name, r0.Meta.BatchNorm, backbone.BatchNorm)
	}
	// With opt.LayersPool and a cache, the first distortion's layers are
	// kept from the same pass for the layer-wise analysis's in-silico curves
	// (stimulus.DistortedSet).
	withLayers := 0
	if opt.CacheDir != "" && len(dists) > 0 {
		withLayers = len(dists[0].Levels)
	}
	all, err := stimulus.DistortedLogitsCachingLayers(ctx, backbone, d, r0.Sel, r0.Features.Norm, fs, names, withLayers, opt)
	if err != nil {
		return nil, err
	}
	var out []Curve
	for _, dist := range dists {
		c, err := curve(rs, dist, all[:len(dist.Levels)])
		if err != nil {
			return nil, err
		}
		out, all = append(out, c), all[len(dist.Levels):]
	}
	return out, nil
}

// curve scores the heads rs on the backbone's outputs at each level of dist.
func curve(rs []*stimulus.Result, dist distortion.Distortion, all [][]float32) (Curve, error) {
	c := Curve{Distortion: dist.Name, Levels: dist.Levels, Seeds: len(rs)}
	r0 := rs[0]
	y := r0.Sel.Test.Y
	acc := make([][]float64, len(all))  // level -> seed
	bacc := make([][]float64, len(all)) // level -> seed
	c.Predictions = make([][][]int, len(rs))
	for s, r := range rs {
		for l, logits := range all {
			out, err := r.Head.Forward(train.Data{X: logits, N: r0.Features.NTest, D: cnn.Classes, Y: y})
			if err != nil {
				return c, err
			}
			pred := out.Predictions()
			c.Predictions[s] = append(c.Predictions[s], pred)
			acc[l] = append(acc[l], out.Accuracy(y))
			bacc[l] = append(bacc[l], metrics.BalancedAccuracy(y, pred))
			if s == 0 {
				c.Embeddings = append(c.Embeddings, out.Embedding)
			}
		}
	}
	for l := range all {
		c.Accuracy = append(c.Accuracy, stats.Mean(acc[l]))
		c.BalancedAccuracy = append(c.BalancedAccuracy, stats.Mean(bacc[l]))
		c.BalancedAccuracySD = append(c.BalancedAccuracySD, jsonnum.Float(stats.SD(bacc[l])))
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
