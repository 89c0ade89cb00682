package synth

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sync"

	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// ReadTruth reads a simulated dataset's planted parameters back from its
// TruthFile: the configuration and the painted content of every image from
// the file, the voxels redrawn from the configuration (the generator draws
// them from its seed alone) and checked against the receptive fields the
// file records. Trials are not read.
func ReadTruth(dir string) (*Truth, error) {
	path := filepath.Join(dir, TruthFile)
	z, err := npfile.OpenNPZ(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	read := func(key, kind string, n int) (npfile.Array, error) {
		a, err := z.Read(key)
		if err != nil {
			return a, err
		}
		if a.Kind() != kind || (n >= 0 && (len(a.Shape) == 0 || a.Shape[0] != n)) {
			return a, fmt.Errorf("%s: key %q: want %s with %d rows, got %s", path, key, kind, n, a.Describe())
		}
		return a, nil
	}
	js, err := read("config_json", "U", 1)
	if err != nil {
		return nil, err
	}
	t := &Truth{}
	if err := json.Unmarshal([]byte(js.Data.([]string)[0]), &t.Config); err != nil {
		return nil, fmt.Errorf("%s: key \"config_json\": %w", path, err)
	}
	t.Frequencies = Frequencies(t.Config.Size)
	t.Voxels = drawVoxels(t.Config, t.Frequencies)
	rx, err := read("rf_x", "f8", len(t.Voxels))
	if err != nil {
		return nil, fmt.Errorf("%s: %w (does the file come from this generator, %s?)", path, err, Version)
	}
	for i, v := range t.Voxels {
		if x := rx.Data.([]float64)[i]; x != v.X {
			return nil, fmt.Errorf("%s: voxel %d's receptive field at x = %v, redrawn at %v: not this generator's (%s) file", path, i, x, v.X, Version)
		}
	}
	for k, key := range driveStatKeys {
		if !z.Has(key) { // a file from before they were recorded: Signal recomputes them
			t.DriveStats = [4][]float64{}
			break
		}
		a, err := read(key, "f8", len(t.Voxels))
		if err != nil {
			return nil, fmt.Errorf("%w (does the file come from this generator, %s?)", err, Version)
		}
		t.DriveStats[k] = a.Data.([]float64)
	}
	for s, split := range []string{"train", "test"} {
		cls, err := read(split+"_content_class", "U", -1)
		if err != nil {
			return nil, err
		}
		n := cls.Shape[0]
		st, err := read(split+"_style", "f8", n)
		if err != nil {
			return nil, err
		}
		cov, err := read(split+"_coverage", "f8", n)
		if err != nil {
			return nil, err
		}
		cs := make([]Content, n)
		for i := range cs {
			cs[i].Class, cs[i].Coverage = cls.Data.([]string)[i], cov.Data.([]float64)[i]
			copy(cs[i].Style[:], st.Data.([]float64)[i*styleDims:])
			if !slices.Contains(Level0Classes, cs[i].Class) {
				return nil, fmt.Errorf("%s: key %q: image %d's class %q is not a level-0 class", path, split+"_content_class", i, cs[i].Class)
			}
		}
		if s == 0 {
			t.Train = cs
		} else {
			t.Test = cs
		}
	}
	return t, nil
}

// Signal returns the simulated brain's noise-free response (images x
// voxels, row-major) to images whose painted content is contents (one per
// image: e.g. the selected test images', for distorted versions of them):
// each voxel's energy and luminance drives, standardised over the training
// images train as the generator standardised them (Truth.DriveStats, read
// from the file; computed here from train when the Truth lacks them), plus
// its category component. The dataset's responses are these plus
// noise, averaged over trials and z-scored.
func (t *Truth) Signal(train kay.Images) (func(images kay.Images, contents []Content) ([]float64, error), error) {
	if train.H != t.Config.Size || train.W != train.H {
		return nil, fmt.Errorf("synth: training images of %dx%d, the simulation's are %d", train.H, train.W, t.Config.Size)
	}
	if len(t.Train) != train.N {
		return nil, fmt.Errorf("synth: %d training images, the truth has %d", train.N, len(t.Train))
	}
	nv := len(t.Voxels)
	mu, sd, lmu, lsd := t.DriveStats[0], t.DriveStats[1], t.DriveStats[2], t.DriveStats[3]
	if len(mu) != nv || len(sd) != nv || len(lmu) != nv || len(lsd) != nv {
		trDrive, trLum := t.drives(train)
		mu, sd = columnStats(trDrive, train.N, nv)
		lmu, lsd = columnStats(trLum, train.N, nv)
	}
	cat := func(cs []Content) []float64 {
		out := make([]float64, len(cs)*nv)
		for i, c := range cs {
			for v := range t.Voxels {
				out[i*nv+v] = t.Voxels[v].categoryDrive(c, t.Config.CategoryOnly)
			}
		}
		return out
	}
	cmu, csd := columnStats(cat(t.Train), train.N, nv)
	return func(images kay.Images, contents []Content) ([]float64, error) {
		if len(contents) != images.N {
			return nil, fmt.Errorf("synth: %d contents for %d images", len(contents), images.N)
		}
		if images.H != t.Config.Size || images.W != images.H {
			return nil, fmt.Errorf("synth: images of %dx%d, the simulation's are %d", images.H, images.W, t.Config.Size)
		}
		drive, lum := t.drives(images)
		ct := cat(contents)
		sig := make([]float64, images.N*nv)
		for i := range images.N {
			for v, vx := range t.Voxels {
				k := i*nv + v
				sig[k] = vx.Stimulus*(drive[k]-mu[v])/sd[v] + vx.Luminance*(lum[k]-lmu[v])/lsd[v]
				if vx.Category != 0 {
					sig[k] += vx.Category * (ct[k] - cmu[v]) / csd[v]
				}
			}
		}
		return sig, nil
	}, nil
}

// TestSignal is Signal for the dataset's test images test (indices into
// its test split), in that order: the noise-free responses to images
// standing for them (the same images, distorted), as the in-silico curves'
// truth (insilico.Options.Truth) takes them.
func (t *Truth) TestSignal(train kay.Images, test []int) (func(images kay.Images) ([]float64, error), error) {
	signal, err := t.Signal(train)
	if err != nil {
		return nil, err
	}
	contents := make([]Content, len(test))
	for k, i := range test {
		if i < 0 || i >= len(t.Test) {
			return nil, fmt.Errorf("synth: test image %d, the truth has %d", i, len(t.Test))
		}
		contents[k] = t.Test[i]
	}
	return func(images kay.Images) ([]float64, error) { return signal(images, contents) }, nil
}

// NoiseSD is each voxel's s.d. of the noise in one response of split s (0:
// training, 1: test), on the scale of Signal's responses: one trial's noise
// averaged over the split's repeats. A response's expected variance over
// images is its signal's plus this squared, which is what the dataset's
// z-scoring divides by.
func (t *Truth) NoiseSD(s int) ([]float64, error) {
	if s < 0 || s > 1 || t.Config.Repeats[s] < 1 {
		return nil, fmt.Errorf("synth: no repeats for split %d", s)
	}
	out := make([]float64, len(t.Voxels))
	for v, vx := range t.Voxels {
		if vx.ROI < 1 || vx.ROI > len(t.Config.ROIs) {
			return nil, fmt.Errorf("synth: voxel %d in roi %d, the simulation has %d", v, vx.ROI, len(t.Config.ROIs))
		}
		out[v] = noiseOf(t.Config, vx).trialSD() / math.Sqrt(float64(t.Config.Repeats[s]))
	}
	return out, nil
}

// drives are each voxel's energy and luminance drives for each image, as
// the generator computes them.
func (t *Truth) drives(im kay.Images) (drive, lum []float64) {
	nv := len(t.Voxels)
	drive, lum = make([]float64, im.N*nv), make([]float64, im.N*nv)
	size := t.Config.Size
	type scratch struct {
		pyr                                 *pyramid
		energy, h, pooled, mean, pooledMean []float64
	}
	pool := sync.Pool{New: func() any {
		pyr := newPyramid(size)
		return &scratch{pyr: pyr, energy: make([]float64, pyr.channels()*Grid*Grid), h: make([]float64, len(RFSizes)*Grid*Grid),
			pooled: make([]float64, pyr.channels()*len(RFSizes)*Grid*Grid), mean: make([]float64, Grid*Grid),
			pooledMean: make([]float64, len(RFSizes)*Grid*Grid)}
	}}
	parallel.For(im.N, func(i int) {
		sc := pool.Get().(*scratch)
		defer pool.Put(sc)
		pyr, energy, h, pooled, mean, pooledMean := sc.pyr, sc.energy, sc.h, sc.pooled, sc.mean, sc.pooledMean
		img := im.At(i)
		pyr.energy(img, energy)
		poolRF(energy, pyr.channels(), h, pooled)
		blockMean(img, size, mean)
		poolRF(mean, 1, h, pooledMean)
		for v := range t.Voxels {
			drive[i*nv+v] = t.Voxels[v].drive(pooled)
			lum[i*nv+v] = t.Voxels[v].luminance(pooledMean)
		}
	})
	return drive, lum
}
