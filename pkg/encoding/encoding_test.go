package encoding

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// TestRidgeAgainstNumpy: with one penalty the fit is the closed-form ridge
// (X_s^T X_s + l I)^-1 X_s^T y_c on standardised features and centred
// responses, computed by numpy in the primal; the dual (Gram
// eigendecomposition) predictions here must match it.
func TestRidgeAgainstNumpy(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 5))
	const n, nt, f, v = 40, 7, 15, 3
	x, xt, y := mat.NewDense(n, f, nil), mat.NewDense(nt, f, nil), mat.NewDense(n, v, nil)
	for _, m := range []*mat.Dense{x, xt} {
		r, c := m.Dims()
		for i := range r {
			for j := range c {
				m.Set(i, j, rng.NormFloat64()+float64(j%3))
			}
		}
	}
	for i := range n {
		for k := range v {
			y.Set(i, k, x.At(i, k)-0.5*x.At(i, k+3)+rng.NormFloat64())
		}
	}
	fit, err := FitRidge(x, y, RidgeOptions{Lambdas: []float64{0.3}, Folds: 4, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	got := fit.Predict(xt)
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "x.npy"), filepath.Join(dir, "xt.npy"), filepath.Join(dir, "y.npy")}
	for i, m := range []*mat.Dense{x, xt, y} {
		r, c := m.Dims()
		if err := npfile.WriteNPY(files[i], npfile.Array{Shape: []int{r, c}, Data: append([]float64{}, m.RawMatrix().Data...)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range pyref.Golden(t, "ridge.txt", []string{"numpy"}, pyref.Script(fmt.Sprintf(`import numpy as np
x, xt, y = np.load(%q), np.load(%q), np.load(%q)
mu, sd = x.mean(0), x.std(0)
xs, xts = (x - mu) / sd, (xt - mu) / sd
lam = 0.3 * np.trace(xs @ xs.T) / len(x)
w = np.linalg.solve(xs.T @ xs + lam * np.eye(xs.shape[1]), xs.T @ (y - y.mean(0)))
print(" ".join(repr(float(v)) for v in (xts @ w + y.mean(0)).ravel()))`, files[0], files[1], files[2]))) {
		fields := strings.Fields(pyref.ReadText(t, path))
		if len(fields) != nt*v {
			t.Fatalf("%s: %d values, want %d", path, len(fields), nt*v)
		}
		for k, s := range fields {
			var want float64
			fmt.Sscan(s, &want)
			if d := math.Abs(got.At(k/v, k%v) - want); d > 1e-9 {
				t.Errorf("%s: prediction %d = %v, numpy %v", path, k, got.At(k/v, k%v), want)
			}
		}
	}
	if fit.Lambda[0] <= 0 || math.IsNaN(fit.CV[0]) || fit.CV[0] < 0.3 {
		t.Errorf("penalty %v, cross-validated r %v: want a positive penalty and the planted relation found", fit.Lambda[0], fit.CV[0])
	}
}

// TestIdentificationOnTheSimulator is the known answer: the simulator's
// early areas are driven by Gabor energy, so the encoding model predicts
// them and identifies the test images far above chance, through the
// simulator's own pyramid and through a different one; with the
// responses replaced by noise (the negative control) identification is at
// chance, inside the binomial interval.
func TestIdentificationOnTheSimulator(t *testing.T) {
	cfg, _ := synth.Profile("quick", 3)
	d, _, err := synth.Generate(cfg.Clean(0.3), nil)
	if err != nil {
		t.Fatal(err)
	}
	opt := DefaultOptions()
	opt.Voxels = 300
	res, err := Run(d, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := res.Identification
	t.Logf("identification %d/%d = %.3f [%.3f, %.3f] (chance %.3f); median test r %.3f", id.Correct, id.N, id.Value, id.Low, id.High, id.Chance, res.MedianR)
	if id.Low <= 5*id.Chance || id.Value < 0.5 {
		t.Errorf("identification %.3f [%.3f, %.3f]: want far above chance %.3f", id.Value, id.Low, id.High, id.Chance)
	}
	var v1, lat jsonnum.Float
	for _, r := range res.ROIs {
		t.Logf("%-7s %4d voxels, median r %.3f, identification %.3f", r.ROI, r.Voxels, r.Median, r.Identification.Value)
		switch r.ROI {
		case "V1":
			v1 = r.Median
		case "LatOcc":
			lat = r.Median
		}
	}
	if !(v1 > lat) {
		t.Errorf("median prediction r: V1 %.3f, LatOcc %.3f: want the Gabor model to predict V1 better", v1, lat)
	}
	// Not circular: a pyramid unlike the simulator's (6 orientations, not 8;
	// frequencies half an octave off; band-passes 3/4 as wide) still
	// recovers the simulated V1, at most a little worse than the generator's
	// own channels, and still identifies the images far above chance.
	other := opt
	other.Pyramid = synth.PyramidSpec{Orientations: 6, Octaves: 0.5, Bandwidth: 0.3}
	other.Curve, other.Bootstraps = nil, 50
	mis, err := Run(d, other, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mv1 jsonnum.Float
	for _, r := range mis.ROIs {
		if r.ROI == "V1" {
			mv1 = r.Median
		}
	}
	mid := mis.Identification
	t.Logf("another pyramid: %d features, V1 median r %.3f (the simulator's pyramid: %.3f), identification %.3f [%.3f, %.3f]",
		mis.Features, mv1, v1, mid.Value, mid.Low, mid.High)
	if mis.Features == res.Features || !(mv1 > 0.6*v1) || mid.Low <= 5*mid.Chance {
		t.Errorf("another pyramid (%d features): V1 median r %.3f against %.3f, identification %.3f [%.3f, %.3f]: want at least 0.6 of it and far above chance %.3f",
			mis.Features, mv1, v1, mid.Value, mid.Low, mid.High, mid.Chance)
	}
	// negative control: responses replaced by noise
	rng := rand.New(rand.NewPCG(9, 9))
	for _, s := range []*[]float64{&d.Train.Responses.Data, &d.Test.Responses.Data} {
		for i := range *s {
			(*s)[i] = rng.NormFloat64()
		}
	}
	null, err := Run(d, opt, nil)
	if err != nil {
		t.Fatal(err)
	}
	nid := null.Identification
	t.Logf("noise responses: identification %d/%d [%.3f, %.3f]", nid.Correct, nid.N, nid.Low, nid.High)
	if nid.Low > nid.Chance || nid.Correct > 5 {
		t.Errorf("noise responses: identification %d/%d [%.3f, %.3f], want chance %.3f inside the interval", nid.Correct, nid.N, nid.Low, nid.High, nid.Chance)
	}
}

// TestIdentifyAndProportion: a perfect prediction identifies every image;
// the Clopper-Pearson interval of 0 of 10 starts at 0, of 10 of 10 ends at 1,
// and matches the exact bound 1 - 0.025^(1/10).
func TestIdentifyAndProportion(t *testing.T) {
	m := mat.NewDense(4, 5, []float64{1, 2, 3, 4, 5, 5, 4, 3, 2, 1, 1, 3, 5, 2, 4, 2, 2, 9, 1, 0})
	if got := Identify(m, m, []int{0, 1, 2, 3, 4}); got != 4 {
		t.Errorf("perfect prediction identified %d of 4", got)
	}
	if p := NewProportion(0, 10, 0.1); p.Low != 0 || math.Abs(p.High-(1-math.Pow(0.025, 0.1))) > 1e-9 {
		t.Errorf("0 of 10: %+v, want [0, %v]", p, 1-math.Pow(0.025, 0.1))
	}
	if p := NewProportion(10, 10, 0.1); p.High != 1 || math.Abs(p.Low-math.Pow(0.025, 0.1)) > 1e-9 {
		t.Errorf("10 of 10: %+v", p)
	}
}
