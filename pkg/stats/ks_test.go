package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
)

// TestKSUniformMatchesScipy: the statistic of
// scipy.stats.kstest(x, "uniform") and Stephens' p-value
// (scipy.special.kolmogorov at the corrected statistic) for a uniform
// sample and a skewed one, that p within 0.01 of scipy's exact one, and the
// Kolmogorov survival function on both sides of the series' switch.
func TestKSUniformMatchesScipy(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	uniform, skewed := make([]float64, 300), make([]float64, 300)
	for i := range uniform {
		uniform[i] = rng.Float64()
		skewed[i] = math.Pow(rng.Float64(), 1.3)
	}
	lambdas := []float64{0.2, 0.5, 0.8, 0.99, 1, 1.3, 2, 3}
	dir := t.TempDir()
	write := func(name string, v []float64) string {
		p := filepath.Join(dir, name)
		var b strings.Builder
		for _, x := range v {
			fmt.Fprintf(&b, "%.17g\n", x)
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	u, s, l := write("u.txt", uniform), write("s.txt", skewed), write("l.txt", lambdas)
	for _, path := range pyref.Golden(t, "ks_uniform.txt", []string{"scipy"}, pyref.Script(`import sys
import numpy as np
from scipy import special, stats
for f in sys.argv[1:3]:
    x = np.loadtxt(f)
    r = stats.kstest(x, "uniform", method="exact")
    rn = np.sqrt(len(x))
    print(repr(r.statistic), repr(special.kolmogorov((rn + 0.12 + 0.11 / rn) * r.statistic)), repr(r.pvalue))
print(*[repr(v) for v in special.kolmogorov(np.loadtxt(sys.argv[3]))])`, u, s, l)) {
		fields := strings.Fields(pyref.ReadText(t, path))
		want := make([]float64, len(fields))
		for i, f := range fields {
			if _, err := fmt.Sscan(f, &want[i]); err != nil {
				t.Fatal(err)
			}
		}
		if len(want) != 6+len(lambdas) {
			t.Fatalf("%s: %d numbers", path, len(want))
		}
		for k, x := range [][]float64{uniform, skewed} {
			d, p := KSUniform(x)
			if math.Abs(d-want[3*k]) > 1e-12 || math.Abs(p-want[3*k+1]) > 1e-9 {
				t.Errorf("%s: sample %d: D %v p %v, scipy %v %v", path, k, d, p, want[3*k], want[3*k+1])
			}
			if math.Abs(p-want[3*k+2]) > 0.01 {
				t.Errorf("%s: sample %d: p %v, exact %v", path, k, p, want[3*k+2])
			}
		}
		for i, lam := range lambdas {
			if got := KolmogorovSurvival(lam); math.Abs(got-want[6+i]) > 1e-9 {
				t.Errorf("%s: survival(%v) = %v, scipy %v", path, lam, got, want[6+i])
			}
		}
	}
	if _, p := KSUniform(skewed); p > 0.01 {
		t.Errorf("a skewed sample of 300 passes as uniform: p %v", p)
	}
}
