package layers

import (
	"context"
	"fmt"
	"io"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/insilico"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
)

// FromBackbone is a CNN's layers (its default set unless layers is given)
// pooled as pool, for the selected images, through stimulus's cached layer
// features (the backbone in its current BatchNorm mode).
func FromBackbone(ctx context.Context, m *cnn.Model, d *kay.Dataset, sel *kay.Selection, layers []string, pool string, fopt stimulus.FeatureOptions) (Model, error) {
	if len(layers) == 0 {
		layers = m.Arch.DefaultLayers()
	}
	lf, err := stimulus.ComputeLayerFeatures(ctx, m, d, sel, layers, pool, fopt)
	if err != nil {
		return Model{}, err
	}
	return Model{Name: m.Arch.Name, Layers: lf.Layers, Widths: lf.Train.Widths, Train: lf.Train.Data, Test: lf.Test.Data,
		NTrain: lf.Train.N, NTest: lf.Test.N}, nil
}

// GaborModel is the reference model of Kay et al.'s encoding analysis: the
// Gabor-wavelet-pyramid features (encoding.Features on a pool x pool grid)
// as a one-layer model, "gabor".
func GaborModel(d *kay.Dataset, sel *kay.Selection, pool int) (Model, error) {
	tr, err := encoding.Features(d.Train.Stimuli, sel.Train.Index, pool)
	if err != nil {
		return Model{}, err
	}
	te, err := encoding.Features(d.Test.Stimuli, sel.Test.Index, pool)
	if err != nil {
		return Model{}, err
	}
	return gaborModel(tr, te, sel), nil
}

// GaborModelOf is GaborModel from the features of every image of d
// (encoding.Result.Gabor), the selection's rows picked.
func GaborModelOf(d *kay.Dataset, f *encoding.ImageFeatures, sel *kay.Selection) (Model, error) {
	if r, _ := f.Train.Dims(); r != d.Train.Stimuli.N {
		return Model{}, fmt.Errorf("layers: Gabor features of %d training images, the dataset has %d", r, d.Train.Stimuli.N)
	}
	if r, _ := f.Test.Dims(); r != d.Test.Stimuli.N {
		return Model{}, fmt.Errorf("layers: Gabor features of %d test images, the dataset has %d", r, d.Test.Stimuli.N)
	}
	tr, te := f.Rows(sel.Train.Index, sel.Test.Index)
	return gaborModel(tr, te, sel), nil
}

func gaborModel(tr, te *mat.Dense, sel *kay.Selection) Model {
	_, w := tr.Dims()
	return Model{Name: "gabor", Layers: []string{"gwp"}, Widths: []int{w}, Train: [][]float32{f32(tr.RawMatrix().Data)},
		Test: [][]float32{f32(te.RawMatrix().Data)}, NTrain: len(sel.Train.Index), NTest: len(sel.Test.Index), Reference: true}
}

// PixelModel is the raw pixels as a one-layer reference model, "pixels".
func PixelModel(d *kay.Dataset, sel *kay.Selection) Model {
	rows := func(im kay.Images, idx []int) []float32 {
		out := make([]float32, 0, len(idx)*im.H*im.W)
		for _, i := range idx {
			out = append(out, im.At(i)...)
		}
		return out
	}
	w := d.Train.Stimuli.H * d.Train.Stimuli.W
	return Model{Name: "pixels", Layers: []string{"pixels"}, Widths: []int{w}, Train: [][]float32{rows(d.Train.Stimuli, sel.Train.Index)},
		Test: [][]float32{rows(d.Test.Stimuli, sel.Test.Index)}, NTrain: len(sel.Train.Index), NTest: len(sel.Test.Index), Reference: true}
}

func f32(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// Run compares the reference models (the Gabor pyramid, raw pixels) and
// each architecture's default layers, pooled as pool, with every visual
// area of d: each backbone is opened by open, its BatchNorm statistics set
// as fopt.BatchNorm says (stimulus.AdaptBackbone; nothing to do for one
// already so), run over the selected images and released (open's second
// result) before the next.
func Run(ctx context.Context, d *kay.Dataset, archs []cnn.Arch, open func(cnn.Arch) (*cnn.Model, func(), error), pool string,
	fopt stimulus.FeatureOptions, opt Options, progress io.Writer) (Table, *Summary, error) {
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		return nil, nil, err
	}
	var rep *kay.Repeats
	if d.Dir != "" {
		if rep, err = d.LoadRepeats(); err != nil {
			return nil, nil, err
		}
	}
	brain, err := newBrain(d, sel, nil, rep, opt.Gabor, opt.Seed)
	if err != nil {
		return nil, nil, err
	}
	a := NewAnalysis(brain, pool, opt)
	is := opt.InSilico
	var distorted []kay.Images // the test images at each level, for the reference models and the truth
	if is != nil {
		if err := is.Distortion.Validate(); err != nil {
			return nil, nil, err
		}
		if distorted, err = insilico.Distorted(ctx, d, sel.Test.Index, is.Distortion, is.Options.Seed); err != nil {
			return nil, nil, err
		}
		if is.Options.Truth != nil {
			if err := a.trueCurves(insilico.Images(d, sel.Test.Index, nil), distorted); err != nil {
				return nil, nil, err
			}
		}
	}
	var g Model
	if f := opt.Gabor; f != nil && f.Pool == encoding.DefaultOptions().Pool {
		g, err = GaborModelOf(d, f, sel)
	} else {
		g, err = GaborModel(d, sel, encoding.DefaultOptions().Pool)
	}
	if err != nil {
		return nil, nil, err
	}
	for _, m := range []Model{g, PixelModel(d, sel)} {
		if is != nil {
			if m.Distorted, err = referenceDistorted(distorted, m.Name); err != nil {
				return nil, nil, err
			}
		}
		if err := a.Add(m, progress); err != nil {
			return nil, nil, err
		}
	}
	for _, arch := range archs {
		net, release, err := open(arch)
		if err != nil {
			return nil, nil, err
		}
		err = stimulus.AdaptBackbone(ctx, net, d, sel, fopt)
		var m Model
		if err == nil {
			m, err = FromBackbone(ctx, net, d, sel, nil, pool, fopt)
		}
		if err == nil && is != nil {
			m.Distorted, err = backboneDistorted(ctx, net, d, sel, m.Layers, pool, fopt, is)
		}
		release()
		if err != nil {
			return nil, nil, err
		}
		if err := a.Add(m, progress); err != nil {
			return nil, nil, err
		}
	}
	tab, sum := a.Finish()
	return tab, sum, nil
}

// referenceDistorted are a reference model's features ("gabor" or
// "pixels") of the test images at each level of a distortion (distorted:
// insilico.Distorted's images).
func referenceDistorted(distorted []kay.Images, name string) ([][][]float32, error) {
	var out [][][]float32
	for _, im := range distorted {
		switch name {
		case "gabor":
			x, err := encoding.Features(im, identity(im.N), encoding.DefaultOptions().Pool)
			if err != nil {
				return nil, err
			}
			out = append(out, [][]float32{f32(x.RawMatrix().Data)})
		case "pixels":
			out = append(out, [][]float32{im.Pix})
		default:
			return nil, fmt.Errorf("layers: no reference model %q", name)
		}
	}
	return out, nil
}

// backboneDistorted are a backbone's layers (pooled as pool) of the
// selected test images at each level of is's distortion, through
// stimulus.DistortedSet's cache, which the robustness sweep fills from its
// own pass (the same names and normalisation).
func backboneDistorted(ctx context.Context, net *cnn.Model, d *kay.Dataset, sel *kay.Selection, layers []string, pool string,
	fopt stimulus.FeatureOptions, is *InSilico) ([][][]float32, error) {
	var fs []stimulus.Distort
	var names []string
	for _, level := range is.Distortion.Levels {
		f, err := is.Distortion.Func(level, is.Options.Seed)
		if err != nil {
			return nil, err
		}
		fs, names = append(fs, stimulus.Distort(f)), append(names, stimulus.DistortedName(is.Distortion.Name, level, is.Options.Seed))
	}
	fopt.LayersPool = pool
	_, sets, err := stimulus.DistortedSet(ctx, net, d, sel, stimulus.FitNormalizer(d.Train.Stimuli, sel.Train.Index), fs, names, len(fs), fopt)
	if err != nil {
		return nil, err
	}
	out := make([][][]float32, len(sets))
	for k, o := range sets {
		if o == nil || !slices.Equal(o.Layers, layers) {
			return nil, fmt.Errorf("layers: %s: distorted test images' layers do not match %v", net.Arch.Name, layers)
		}
		out[k] = o.Data
	}
	return out, nil
}
