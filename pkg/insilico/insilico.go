package insilico

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
)

// Curve is one area's predicted representation along one distortion.
type Curve struct {
	Levels []float64 `json:"levels"`
	// RSMCorrClean is the Spearman correlation of the predicted RSM at each
	// level with the clean images' predicted RSM (1 at a level that leaves
	// the images as they are), with its percentile bootstrap interval over
	// the test images (resampled within classes).
	RSMCorrClean []jsonnum.Float `json:"rsm_corr_clean"`
	Low          []jsonnum.Float `json:"ci_low"`
	High         []jsonnum.Float `json:"ci_high"`
	// Identification is the share of test images whose distorted
	// prediction correlates best with their own clean prediction (chance:
	// 1 / images).
	Identification []float64 `json:"identification"`
	Chance         float64   `json:"chance"`
	Voxels         int       `json:"voxels"`
	// Layer is the model's layer the curve comes from, where it has
	// several (the layer-wise analysis's in-silico curves).
	Layer string `json:"layer,omitempty"`
	// Truth is the same computed from the simulated brain's noise-free
	// responses to the distorted images (Options.Truth), where the data are
	// simulated: what the in-silico curve should recover.
	Truth *Curve `json:"truth,omitempty"`
}

// Options sets the resampling and the features.
type Options struct {
	Bootstraps int     // of the RSM correlation's interval (0: none)
	Level      float64 // of the interval, e.g. 0.95
	Seed       int64   // the distortions' random draws, and the bootstrap's
	Pool       int     // the Gabor features' grid (encoding.Options.Pool)
	// Truth, when not nil, gives the true noise-free responses (images x
	// voxels, row-major, every voxel of the dataset) to test images in the
	// order given (the simulator's synth.Truth.Signal): Run then computes
	// each curve from them too (Curve.Truth), each voxel centred over the
	// clean images and scaled as TruthNoise says.
	Truth func(images kay.Images) ([]float64, error)
	// TruthNoise is each voxel's noise s.d. in one test response
	// (synth.Truth.NoiseSD): the true responses are then put on the
	// measured responses' scale, (signal - mean) / sqrt(signal variance +
	// noise variance) over the clean images, the expected z-scored response
	// a perfect encoding model would predict, so that each voxel weighs in
	// the true pattern as much as in the measured one and in the model's
	// prediction. Without it each voxel is standardised to unit variance,
	// every voxel weighing the same however little signal it carries.
	TruthNoise []float64
}

// Area is a set of voxels (columns of the responses) under a name.
type Area struct {
	Name   string
	Voxels []int
}

// Predictions are one model's predicted responses (test images x voxels,
// every voxel of the dataset or the model's own) to the clean test images
// and to the test images at each level of a distortion.
type Predictions struct {
	Clean  *mat.Dense
	Levels []*mat.Dense
}

// Run predicts, with the fitted model, every voxel's response to the test
// images (test: their indices in d.Test, labels: their classes) at every
// level of each distortion, and measures each area's predicted
// representation against the clean images' (see Curve): out[distortion
// name][area name].
func Run(ctx context.Context, d *kay.Dataset, fit *encoding.Ridge, test, labels []int, dists []distortion.Distortion, areas []Area, opt Options) (map[string]map[string]Curve, error) {
	if fit == nil {
		return nil, fmt.Errorf("insilico: no fitted encoding model")
	}
	if len(test) < 3 || len(labels) != len(test) {
		return nil, fmt.Errorf("insilico: %d test images with %d labels: want at least 3, one label each", len(test), len(labels))
	}
	all := make([]int, len(test))
	for k := range all {
		all[k] = k
	}
	predict := func(im kay.Images) (*mat.Dense, error) {
		x, err := encoding.Features(im, all, opt.Pool)
		if err != nil {
			return nil, err
		}
		return fit.Predict(x), nil
	}
	cleanIm := Images(d, test, nil)
	clean, err := predict(cleanIm)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]Curve{}
	for _, dist := range dists {
		ims, err := Distorted(ctx, d, test, dist, opt.Seed)
		if err != nil {
			return nil, err
		}
		p := Predictions{Clean: clean}
		for _, im := range ims {
			pred, err := predict(im)
			if err != nil {
				return nil, err
			}
			p.Levels = append(p.Levels, pred)
		}
		var truth *Predictions
		if opt.Truth != nil {
			t, err := TrueResponses(cleanIm, ims, opt)
			if err != nil {
				return nil, err
			}
			truth = &t
		}
		out[dist.Name] = map[string]Curve{}
		for _, area := range areas {
			c, err := Measure(p, dist.Levels, area.Voxels, labels, opt)
			if err == nil && truth != nil {
				var t Curve
				if t, err = Measure(*truth, dist.Levels, area.Voxels, labels, opt); err == nil {
					c.Truth = &t
				}
			}
			if err != nil {
				return nil, fmt.Errorf("insilico: %s: %w", area.Name, err)
			}
			out[dist.Name][area.Name] = c
		}
	}
	return out, nil
}

// Images are d's test images test (indices into d.Test), as f distorts
// them (f nil: as they are; f gets each image's position in test).
func Images(d *kay.Dataset, test []int, f distortion.Func) kay.Images {
	im := d.Test.Stimuli
	sub := kay.Images{N: len(test), H: im.H, W: im.W, Pix: make([]float32, 0, len(test)*im.H*im.W)}
	for k, i := range test {
		pix := im.At(i)
		if f != nil {
			pix = f(k, append([]float32(nil), pix...), im.H, im.W)
		}
		sub.Pix = append(sub.Pix, pix...)
	}
	return sub
}

// Distorted are d's test images test at each level of dist (its random
// draws seeded by seed).
func Distorted(ctx context.Context, d *kay.Dataset, test []int, dist distortion.Distortion, seed int64) ([]kay.Images, error) {
	var out []kay.Images
	for _, level := range dist.Levels {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f, err := dist.Func(level, seed)
		if err != nil {
			return nil, err
		}
		out = append(out, Images(d, test, f))
	}
	return out, nil
}

// TrueResponses are the simulated brain's noise-free responses
// (opt.Truth, every voxel) to the clean test images and to the same
// images at each level of a distortion (levels: Distorted's), each voxel
// put on the measured responses' scale from the clean images
// (opt.TruthNoise).
func TrueResponses(clean kay.Images, levels []kay.Images, opt Options) (Predictions, error) {
	var p Predictions
	if opt.Truth == nil {
		return p, fmt.Errorf("insilico: no true responses to compute")
	}
	n := clean.N
	var mu, sd []float64 // the standardisation, from the clean images
	truth := func(sub kay.Images) (*mat.Dense, error) {
		sig, err := opt.Truth(sub)
		if err != nil {
			return nil, err
		}
		nv := len(sig) / n
		if mu == nil {
			if opt.TruthNoise != nil && len(opt.TruthNoise) != nv {
				return nil, fmt.Errorf("insilico: noise s.d. of %d voxels for true responses of %d", len(opt.TruthNoise), nv)
			}
			mu, sd = columnStats(sig, n, nv)
			for v, e := range opt.TruthNoise {
				sd[v] = math.Sqrt(sd[v]*sd[v] + e*e)
			}
		}
		for i := range n {
			for v := range nv {
				sig[i*nv+v] = (sig[i*nv+v] - mu[v]) / sd[v]
			}
		}
		return mat.NewDense(n, nv, sig), nil
	}
	var err error
	if p.Clean, err = truth(clean); err != nil {
		return p, err
	}
	for _, im := range levels {
		m, err := truth(im)
		if err != nil {
			return p, err
		}
		p.Levels = append(p.Levels, m)
	}
	return p, nil
}

// Measure is one area's curve (its voxels: columns of p's matrices) along
// the levels of a distortion (levels: their values, one per p.Levels).
func Measure(p Predictions, levels []float64, voxels, labels []int, opt Options) (Curve, error) {
	n, _ := p.Clean.Dims()
	c := Curve{Levels: levels, Chance: 1 / float64(n), Voxels: len(voxels)}
	if len(levels) != len(p.Levels) {
		return c, fmt.Errorf("%d predictions for %d levels", len(p.Levels), len(levels))
	}
	clean, err := areaRSM(p.Clean, voxels, labels)
	if err != nil {
		return c, err
	}
	for _, pred := range p.Levels {
		m, err := areaRSM(pred, voxels, labels)
		if err != nil {
			return c, err
		}
		v, lo, hi := compare(clean, m, opt)
		c.RSMCorrClean = append(c.RSMCorrClean, jsonnum.Float(v))
		c.Low, c.High = append(c.Low, jsonnum.Float(lo)), append(c.High, jsonnum.Float(hi))
		c.Identification = append(c.Identification, float64(encoding.Identify(pred, p.Clean, voxels))/float64(n))
	}
	return c, nil
}

// columnStats are the mean and s.d. of each column of a rows x cols
// row-major matrix (s.d. 1 where a column is constant).
func columnStats(m []float64, rows, cols int) (mu, sd []float64) {
	mu, sd = make([]float64, cols), make([]float64, cols)
	for i := range rows {
		for j := range cols {
			mu[j] += m[i*cols+j] / float64(rows)
		}
	}
	for i := range rows {
		for j := range cols {
			d := m[i*cols+j] - mu[j]
			sd[j] += d * d / float64(rows)
		}
	}
	for j := range sd {
		sd[j] = math.Sqrt(sd[j])
		if !(sd[j] > 0) {
			sd[j] = 1
		}
	}
	return mu, sd
}

// areaRSM is the cosine similarity matrix of the predicted patterns over
// the area's voxels, labelled with the images' classes.
func areaRSM(pred *mat.Dense, voxels, labels []int) (rsa.Matrix, error) {
	n, _ := pred.Dims()
	p := rsa.Patterns{N: n, D: len(voxels), X: make([]float32, 0, n*len(voxels))}
	for i := range n {
		for _, v := range voxels {
			p.X = append(p.X, float32(pred.At(i, v)))
		}
	}
	m, err := rsa.Cosine(p)
	m.Labels = labels
	return m, err
}

// compare is the Spearman correlation of the clean and distorted RSMs
// with its bootstrap interval over images (within classes).
func compare(clean, dist rsa.Matrix, opt Options) (v, lo, hi float64) {
	r, err := rsa.NewResampler(clean, dist, rsa.Spearman)
	if err != nil {
		return math.NaN(), math.NaN(), math.NaN()
	}
	v, lo, hi = r.Compare(nil), math.NaN(), math.NaN()
	if opt.Bootstraps > 0 {
		strata := rsa.Strata(clean.Labels, clean.N)
		boot := parallel.Map(opt.Bootstraps, func(b int) float64 {
			return r.Compare(rsa.Draw(strata, clean.N, rand.New(rand.NewPCG(uint64(opt.Seed), uint64(b)|1<<59))))
		})
		lo, hi = rsa.Interval(boot, opt.Level)
	}
	return v, lo, hi
}
