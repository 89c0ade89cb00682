package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// samples are the parity cases: continuous data, heavy ties (values rounded
// to a few levels, as similarity matrices of models with few distinct values
// give), and a constant-free monotone relation.
func samples() map[string][2][]float64 {
	rng := rand.New(rand.NewPCG(3, 4))
	cont := func(n int) ([]float64, []float64) {
		x, y := make([]float64, n), make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64()
			y[i] = 0.5*x[i] + rng.NormFloat64()
		}
		return x, y
	}
	out := map[string][2][]float64{}
	x, y := cont(500)
	out["continuous"] = [2][]float64{x, y}
	x, y = cont(700)
	for i := range x {
		x[i], y[i] = math.Round(x[i]*2)/2, math.Round(y[i])
	}
	out["tied"] = [2][]float64{x, y}
	x = make([]float64, 50)
	y = make([]float64, 50)
	for i := range x {
		x[i] = float64(i % 7)
		y[i] = math.Exp(float64(i % 7))
	}
	out["monotone-ties"] = [2][]float64{x, y}
	return out
}

func TestParityWithScipy(t *testing.T) {
	dir := t.TempDir()
	for name, s := range samples() {
		t.Run(name, func(t *testing.T) {
			x, y := s[0], s[1]
			xp, yp := filepath.Join(dir, name+"x.npy"), filepath.Join(dir, name+"y.npy")
			for p, v := range map[string][]float64{xp: x, yp: y} {
				if err := npfile.WriteNPY(p, npfile.Array{Shape: []int{len(v)}, Data: v}); err != nil {
					t.Fatal(err)
				}
			}
			for _, path := range pyref.Golden(t, "stats_"+name+".npz", []string{"numpy", "scipy"},
				pyref.File("testdata/scipy_stats.py", xp, yp, pyref.Out)) {
				ref := pyref.Floats(t, path)
				for k, got := range map[string]float64{"pearson": Pearson(x, y), "spearman": Spearman(x, y), "tau_a": KendallTauA(x, y)} {
					if want := ref(k)[0]; math.Abs(got-want) > 1e-9 {
						t.Errorf("%s: %s = %.12f, scipy/numpy %.12f", path, k, got, want)
					}
				}
				if name != "continuous" && math.Abs(KendallTauA(x, y)-ref("tau_b")[0]) < 1e-6 {
					t.Errorf("tau-a equals scipy's tau-b on tied data: ties are not handled as tau-a")
				}
				for i, p := range []float64{2.5, 50, 97.5} {
					if got, want := Percentile(x, p), ref("percentiles")[i]; math.Abs(got-want) > 1e-12 {
						t.Errorf("%s: percentile %v = %v, numpy %v", path, p, got, want)
					}
				}
			}
		})
	}
}

// TestKnownAnswers covers closed forms and edge cases.
func TestKnownAnswers(t *testing.T) {
	x := []float64{1, 2, 3, 4}
	if r := Pearson(x, []float64{2, 4, 6, 8}); math.Abs(r-1) > 1e-15 {
		t.Errorf("Pearson of a line = %v", r)
	}
	if r := Spearman(x, []float64{1, 10, 100, 1000}); r != 1 {
		t.Errorf("Spearman of a monotone map = %v", r)
	}
	if tau := KendallTauA(x, []float64{4, 3, 2, 1}); tau != -1 {
		t.Errorf("tau-a of a reversal = %v", tau)
	}
	// One tied pair in y out of 6: tau-a = 5/6 (tau-b would be 5/sqrt(6*5)).
	if tau := KendallTauA(x, []float64{1, 2, 3, 3}); math.Abs(tau-5.0/6) > 1e-15 {
		t.Errorf("tau-a with a tie = %v, want 5/6", tau)
	}
	if r := Pearson(x, []float64{1, 1, 1, 1}); !math.IsNaN(r) {
		t.Errorf("Pearson with a constant = %v, want NaN", r)
	}
	if r := Ranks([]float64{10, 20, 10, 5}); r[0] != 2.5 || r[2] != 2.5 || r[3] != 1 || r[1] != 4 {
		t.Errorf("ranks %v", r)
	}
}

// TestSpearmanTestExact: for 5 models in perfect order rho is 1 and only the
// identity and the reversal reach |rho| = 1 among the 120 orderings.
func TestSpearmanTestExact(t *testing.T) {
	rho, p := SpearmanTest([]float64{1, 2, 3, 4, 5}, []float64{10, 20, 30, 40, 50})
	if rho != 1 || math.Abs(p-2.0/120) > 1e-15 {
		t.Errorf("rho %v p %v, want 1 and 1/60", rho, p)
	}
	// No relation at all: p is large.
	if _, p := SpearmanTest([]float64{1, 2, 3, 4, 5}, []float64{3, 1, 5, 2, 4}); p < 0.5 {
		t.Errorf("unrelated: p = %v", p)
	}
}

func TestSpearmanTestAsymptoticMatchesScipy(t *testing.T) {
	x := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	y := []float64{2, 1, 4, 3, 6, 5, 8, 7, 12, 9, 10, 11}
	rho, p := SpearmanTest(x, y)
	for _, path := range pyref.Golden(t, "spearman_test.txt", []string{"scipy"}, pyref.Script(
		"from scipy import stats\nr = stats.spearmanr([1,2,3,4,5,6,7,8,9,10,11,12], [2,1,4,3,6,5,8,7,12,9,10,11])\nprint(repr(r[0]), repr(r[1]))")) {
		var wr, wp float64
		if _, err := fmt.Sscan(pyref.ReadText(t, path), &wr, &wp); err != nil {
			t.Fatal(err)
		}
		if math.Abs(rho-wr) > 1e-12 || math.Abs(p-wp) > 1e-9 {
			t.Errorf("rho %v p %v, scipy %v %v (%s)", rho, p, wr, wp, path)
		}
	}
}

// TestPartialSpearmanMatchesNumpy: the partial Spearman correlation equals
// numpy's Pearson of the residuals of the ranks regressed on z's ranks; and
// controlling for x itself leaves nothing.
func TestPartialSpearmanMatchesNumpy(t *testing.T) {
	x := []float64{3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8}
	y := []float64{2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5}
	z := []float64{1, 4, 1, 4, 2, 1, 3, 5, 6, 2, 3, 7}
	for _, path := range pyref.Golden(t, "partial_spearman.txt", []string{"numpy", "scipy"}, pyref.Script(`import numpy as np
from scipy.stats import rankdata
x = rankdata([3,1,4,1,5,9,2,6,5,3,5,8]); y = rankdata([2,7,1,8,2,8,1,8,2,8,4,5]); z = rankdata([1,4,1,4,2,1,3,5,6,2,3,7])
A = np.c_[np.ones_like(z), z]
res = lambda v: v - A @ np.linalg.lstsq(A, v, rcond=None)[0]
print(repr(np.corrcoef(res(x), res(y))[0, 1]))`)) {
		var want float64
		if _, err := fmt.Sscan(pyref.ReadText(t, path), &want); err != nil {
			t.Fatal(err)
		}
		if got := PartialSpearman(x, y, z); math.Abs(got-want) > 1e-12 {
			t.Errorf("partial Spearman %v, numpy %v (%s)", got, want, path)
		}
	}
	if r := PartialSpearman(x, y, x); !math.IsNaN(r) && math.Abs(r) > 1e-12 {
		t.Errorf("controlling for x itself: %v, want 0 or undefined", r)
	}
}

// TestMultipleComparisons checks Holm and Benjamini-Hochberg against a
// numpy implementation written from the definitions (statsmodels'
// multipletests is not installable here; scipy 1.10 has neither), with ties,
// a NaN left out of the family and values pushed to 1.
func TestMultipleComparisons(t *testing.T) {
	p := []float64{0.01, 0.04, 0.03, math.NaN(), 0.2, 0.04, 0.5, 0.001}
	for _, path := range pyref.Golden(t, "multiple_comparisons.txt", []string{"numpy"}, pyref.Script(`import numpy as np
p = np.array([0.01, 0.04, 0.03, np.nan, 0.2, 0.04, 0.5, 0.001])
ok = ~np.isnan(p); q = p[ok]; m = len(q)
o = np.argsort(q, kind="stable")
holm = np.empty(m); holm[o] = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * q[o]))
bh = np.empty(m); bh[o] = np.minimum(1, np.minimum.accumulate((m * q[o] / np.arange(1, m + 1))[::-1])[::-1])
H = np.full(len(p), np.nan); B = np.full(len(p), np.nan); H[ok] = holm; B[ok] = bh
print(" ".join(repr(float(v)) for v in np.r_[H, B]))`)) {
		var want []float64
		for _, f := range strings.Fields(pyref.ReadText(t, path)) {
			v, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, v)
		}
		got := append(Holm(p), BenjaminiHochberg(p)...)
		if len(got) != len(want) {
			t.Fatalf("%d values, reference %d", len(got), len(want))
		}
		for i := range got {
			if (math.IsNaN(want[i]) != math.IsNaN(got[i])) || math.Abs(got[i]-want[i]) > 1e-12 {
				t.Errorf("%s: entry %d (%s): %v, numpy %v", path, i%len(p), map[bool]string{true: "Holm", false: "BH"}[i < len(p)], got[i], want[i])
			}
		}
	}
}
