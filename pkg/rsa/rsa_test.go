package rsa

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// structured makes n patterns of dimension d around classes-many prototypes,
// plus noise; the class structure gives matrices a shared pattern. Values
// are rounded to 0.25 so comparisons meet ties.
func structured(seed uint64, n, d, classes int, noise float64) (Patterns, []int) {
	rng := rand.New(rand.NewPCG(seed, 9))
	proto := make([]float64, classes*d)
	for i := range proto {
		proto[i] = rng.NormFloat64()
	}
	p := Patterns{N: n, D: d, X: make([]float32, n*d)}
	labels := make([]int, n)
	for i := range n {
		labels[i] = i % classes
		for k := range d {
			v := proto[labels[i]*d+k] + noise*rng.NormFloat64()
			p.X[i*d+k] = float32(math.Round(v*4) / 4)
		}
	}
	return p, labels
}

func TestParityWithNumpy(t *testing.T) {
	dir := t.TempDir()
	a, labels := structured(1, 40, 12, 3, 1)
	b, _ := structured(2, 40, 12, 3, 1.5)
	lab := make([]int64, len(labels))
	for i, l := range labels {
		lab[i] = int64(l)
	}
	files := []string{filepath.Join(dir, "a.npy"), filepath.Join(dir, "b.npy"), filepath.Join(dir, "l.npy")}
	for i, arr := range []npfile.Array{{Shape: []int{a.N, a.D}, Data: a.X}, {Shape: []int{b.N, b.D}, Data: b.X}, {Shape: []int{len(lab)}, Data: lab}} {
		if err := npfile.WriteNPY(files[i], arr); err != nil {
			t.Fatal(err)
		}
	}
	must := func(m Matrix, err error) Matrix {
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	ca, cb := must(Cosine(a)), must(Cosine(b))
	mfiles := []string{filepath.Join(dir, "ma.npy"), filepath.Join(dir, "mb.npy")}
	for i, m := range []Matrix{ca, cb} {
		if err := npfile.WriteNPY(mfiles[i], npfile.Array{Shape: []int{m.N, m.N}, Data: m.Data}); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range pyref.Golden(t, "rsa.npz", []string{"numpy", "scipy"},
		pyref.File("testdata/rsa_ref.py", files[0], files[1], files[2], "3", mfiles[0], mfiles[1], pyref.Out)) {
		checkAgainst(t, path, a, labels, ca, cb)
	}
}

// checkAgainst compares the matrices and comparisons with one reference.
func checkAgainst(t *testing.T, path string, a Patterns, labels []int, ca, cb Matrix) {
	ref := pyref.Floats(t, path)
	must := func(m Matrix, err error) Matrix {
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	means, err := ClassMeans(a, labels, 3)
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]Matrix{"cosine": ca, "corrdist": must(CorrelationDistance(a)),
		"euclid": must(Euclidean(a)), "class_cosine": must(Cosine(means))} {
		want := ref(name)
		for i := range want {
			if math.Abs(m.Data[i]-want[i]) > 1e-6 {
				t.Fatalf("%s entry %d = %v, numpy %v", name, i, m.Data[i], want[i])
			}
		}
	}
	ca.Labels = labels
	for _, meth := range Methods {
		got, err := Compare(ca, cb, meth)
		if err != nil {
			t.Fatal(err)
		}
		if want := ref(string(meth))[0]; math.Abs(got-want) > 1e-6 {
			t.Errorf("%s = %.9f, scipy %.9f", meth, got, want)
		}
	}
}

// TestPermutationCalibration: under the null (independent matrices) the
// one-sided p-value must be uniform, so about 5% of tests fall below 0.05
// (binomial bounds for 300 tests: 6 to 28); a shared structure must give the
// smallest possible p.
func TestPermutationCalibration(t *testing.T) {
	cfg := TestConfig{Permutations: 199, Seed: 5}
	below := 0
	const tests = 300
	for k := range tests {
		a, _ := structured(uint64(10+2*k), 25, 6, 25, 0.1)
		b, _ := structured(uint64(11+2*k), 25, 6, 25, 0.1)
		ma, _ := Cosine(a)
		mb, _ := Cosine(b)
		inf, err := Test(ma, mb, Spearman, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if inf.PValue < 0.05 {
			below++
		}
	}
	if below < 6 || below > 28 {
		t.Errorf("null: %d of %d p-values below 0.05, want about 15", below, tests)
	}
	a, _ := structured(1, 30, 8, 3, 0.5)
	b, _ := structured(1, 30, 8, 3, 0.5)
	b.X[0] += 0.25 // nearly the same patterns
	ma, _ := Cosine(a)
	mb, _ := Cosine(b)
	inf, err := Test(ma, mb, Spearman, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if inf.PValue != 1.0/200 {
		t.Errorf("shared structure: p = %v, want 1/200", inf.PValue)
	}
}

// TestBootstrapInterval: the interval brackets the estimate, narrows with
// more stimuli, and the same seed gives the same numbers on 1 or many
// threads.
func TestBootstrapInterval(t *testing.T) {
	width := func(n int) (Inference, float64) {
		a, _ := structured(3, n, 10, 4, 1)
		b, _ := structured(3, n, 10, 4, 1.3)
		ma, _ := Cosine(a)
		b.X = append([]float32{}, b.X...)
		rng := rand.New(rand.NewPCG(4, 4))
		for i := range b.X {
			b.X[i] += float32(rng.NormFloat64())
		}
		mb, _ := Cosine(b)
		inf, err := Test(ma, mb, Spearman, TestConfig{Bootstraps: 400, Permutations: 100, Level: 0.95, Seed: 2})
		if err != nil {
			t.Fatal(err)
		}
		return inf, float64(inf.CIHigh - inf.CILow)
	}
	small, ws := width(20)
	large, wl := width(80)
	for _, inf := range []Inference{small, large} {
		if !(inf.CILow < inf.Value && inf.Value < inf.CIHigh) {
			t.Errorf("interval [%v, %v] misses the estimate %v", inf.CILow, inf.CIHigh, inf.Value)
		}
	}
	if wl >= ws {
		t.Errorf("interval width %v with 80 stimuli, %v with 20: want narrower", wl, ws)
	}
	prev := runtime.GOMAXPROCS(1)
	one, _ := width(80)
	runtime.GOMAXPROCS(prev)
	one.SeedSD, large.SeedSD = 0, 0 // NaN for one seed: NaN != NaN
	if one != large {
		t.Errorf("1 thread %+v, %d threads %+v", one, prev, large)
	}
}

func TestClassOrderAndReorder(t *testing.T) {
	order := ClassOrder([]int{2, 0, 1, 0, 2})
	want := []int{1, 3, 2, 0, 4}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("order %v, want %v", order, want)
		}
	}
	m := Matrix{N: 2, Data: []float64{1, 2, 2, 3}}
	if r := m.Reorder([]int{1, 0}); r.Data[0] != 3 || r.Data[1] != 2 || r.Data[3] != 1 {
		t.Errorf("reorder %v", r.Data)
	}
	if _, err := Compare(m, Matrix{N: 3, Data: make([]float64, 9)}, Spearman); err == nil {
		t.Error("matrices of different sizes compared")
	}
}

// TestInferenceJSON: values not computed are null in JSON and NaN again
// when read back.
func TestInferenceJSON(t *testing.T) {
	nan := jsonnum.Float(math.NaN())
	in := Inference{Method: Spearman, Value: 0.5, PValue: nan, CILow: nan, CIHigh: nan, Level: 0.95}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"p_value":null`; !strings.Contains(string(b), want) || !strings.Contains(string(b), `"value":0.5`) {
		t.Errorf("marshalled %s", b)
	}
	var back Inference
	if err := json.Unmarshal(b, &back); err != nil || back.Value != 0.5 || !math.IsNaN(float64(back.PValue)) || back.Method != Spearman {
		t.Errorf("read back %+v, %v", back, err)
	}
}

// sharedClasses makes n patterns around class prototypes drawn from
// protoSeed, with noise drawn from noiseSeed: two calls with the same
// protoSeed share the class structure and nothing else.
func sharedClasses(protoSeed, noiseSeed uint64, n, d, classes int, noise float64) (Patterns, []int) {
	pr := rand.New(rand.NewPCG(protoSeed, 1))
	proto := make([]float64, classes*d)
	for i := range proto {
		proto[i] = pr.NormFloat64()
	}
	rng := rand.New(rand.NewPCG(noiseSeed, 2))
	p := Patterns{N: n, D: d, X: make([]float32, n*d)}
	labels := make([]int, n)
	for i := range n {
		labels[i] = i * classes / n
		for k := range d {
			p.X[i*d+k] = float32(proto[labels[i]*d+k] + noise*rng.NormFloat64())
		}
	}
	return p, labels
}

// TestStratifiedCalibration is issue 13's null: two representations that
// share the class structure (the same prototypes) and nothing else. The raw
// Spearman test (free permutations) rejects nearly always: its null is false
// by construction. The within-class and partial tests (stratified
// permutations) must reject at the nominal rate: binomial bounds for 200
// tests at 5%: 3 to 19. With a planted stimulus-level relation (b's noise
// shares a part with a's) they must reject.
func TestStratifiedCalibration(t *testing.T) {
	cfg := TestConfig{Permutations: 199, Seed: 7}
	const tests = 200
	below := map[Method]int{}
	for k := range tests {
		a, labels := sharedClasses(uint64(k), uint64(1000+k), 30, 8, 3, 1)
		b, _ := sharedClasses(uint64(k), uint64(5000+k), 30, 8, 3, 1)
		ma, _ := Cosine(a)
		mb, _ := Cosine(b)
		ma.Labels = labels
		for _, m := range []Method{Spearman, WithinClassSpearman, PartialSpearmanCategory} {
			inf, err := Test(ma, mb, m, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if inf.Stratified != (m != Spearman) {
				t.Errorf("%s: stratified %v", m, inf.Stratified)
			}
			if inf.PValue < 0.05 {
				below[m]++
			}
		}
	}
	t.Logf("rejections at 5%% of %d shared-class nulls: %v", tests, below)
	if below[Spearman] < tests*9/10 {
		t.Errorf("raw Spearman rejected %d of %d: the shared class structure should drive it", below[Spearman], tests)
	}
	for _, m := range []Method{WithinClassSpearman, PartialSpearmanCategory} {
		if below[m] < 3 || below[m] > 19 {
			t.Errorf("%s rejected %d of %d true nulls, want 3 to 19", m, below[m], tests)
		}
	}
	// planted: b = a's noise plus its own, around the same prototypes
	detected := map[Method]int{}
	for k := range 20 {
		a, labels := sharedClasses(uint64(k), uint64(1000+k), 30, 8, 3, 1)
		b, _ := sharedClasses(uint64(k), uint64(5000+k), 30, 8, 3, 0.5)
		for i := range b.X {
			b.X[i] += a.X[i]
		}
		ma, _ := Cosine(a)
		mb, _ := Cosine(b)
		ma.Labels = labels
		for _, m := range []Method{WithinClassSpearman, PartialSpearmanCategory} {
			inf, _ := Test(ma, mb, m, cfg)
			if inf.PValue < 0.05 {
				detected[m]++
			}
		}
	}
	for _, m := range []Method{WithinClassSpearman, PartialSpearmanCategory} {
		if detected[m] < 19 {
			t.Errorf("%s detected a planted stimulus-level relation %d of 20 times", m, detected[m])
		}
	}
}

// TestPaired: the statistic over paired seeds is the mean of the per-pair
// statistics, with their s.d.; one pair is Test; mismatched pairs are errors.
func TestPairedSeeds(t *testing.T) {
	var as, bs []Matrix
	var vals []float64
	for s := range 3 {
		a, labels := sharedClasses(1, uint64(10+s), 24, 6, 3, 1)
		b, _ := sharedClasses(1, uint64(20+s), 24, 6, 3, 1)
		ma, _ := Cosine(a)
		mb, _ := Cosine(b)
		ma.Labels, mb.Labels = labels, labels
		v, err := Compare(ma, mb, WithinClassSpearman)
		if err != nil {
			t.Fatal(err)
		}
		as, bs, vals = append(as, ma), append(bs, mb), append(vals, v)
	}
	cfg := TestConfig{Permutations: 99, Bootstraps: 50, Level: 0.9, Seed: 3}
	inf, err := TestPaired(as, bs, WithinClassSpearman, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mean := (vals[0] + vals[1] + vals[2]) / 3
	sd := math.Sqrt(((vals[0]-mean)*(vals[0]-mean) + (vals[1]-mean)*(vals[1]-mean) + (vals[2]-mean)*(vals[2]-mean)) / 2)
	if math.Abs(float64(inf.Value)-mean) > 1e-12 || math.Abs(float64(inf.SeedSD)-sd) > 1e-12 || inf.Seeds != 3 {
		t.Errorf("paired: value %v s.d. %v over %d seeds, want %v, %v, 3", inf.Value, inf.SeedSD, inf.Seeds, mean, sd)
	}
	one, _ := TestPaired(as[:1], bs[:1], WithinClassSpearman, cfg)
	single, _ := Test(as[0], bs[0], WithinClassSpearman, cfg)
	if one.Value != single.Value || one.PValue != single.PValue || one.CILow != single.CILow || !math.IsNaN(float64(single.SeedSD)) {
		t.Errorf("one pair %+v, Test %+v", one, single)
	}
	if _, err := TestPaired(as, bs[:2], WithinClassSpearman, cfg); err == nil {
		t.Error("3 and 2 matrices paired")
	}
	other := bs[0]
	other.Labels = append([]int{2}, other.Labels[1:]...)
	if _, err := Compare(as[0], other, WithinClassSpearman); err == nil {
		t.Error("matrices with different classes compared")
	}
}

// TestCKAInvariances: the centred kernel alignment of a matrix with itself
// is 1, with a positive multiple of itself too (isotropic scaling), and the
// cosine RSM (hence its CKA with anything) is unchanged when the patterns
// are rotated by an orthogonal matrix.
func TestCKAInvariances(t *testing.T) {
	a, _ := structured(5, 30, 6, 3, 1)
	b, _ := structured(6, 30, 6, 3, 1)
	ma, _ := Cosine(a)
	mb, _ := Cosine(b)
	scaled := Matrix{N: ma.N, Data: make([]float64, len(ma.Data))}
	for i, v := range ma.Data {
		scaled.Data[i] = 3.5 * v
	}
	for name, m := range map[string]Matrix{"itself": ma, "scaled": scaled} {
		if v, _ := Compare(ma, m, CKA); math.Abs(v-1) > 1e-12 {
			t.Errorf("CKA with %s: %v, want 1", name, v)
		}
	}
	// rotate the patterns in the plane of the first two dimensions
	rot := Patterns{N: a.N, D: a.D, X: append([]float32{}, a.X...)}
	c, s := math.Cos(0.7), math.Sin(0.7)
	for i := range a.N {
		x, y := float64(a.X[i*a.D]), float64(a.X[i*a.D+1])
		rot.X[i*a.D], rot.X[i*a.D+1] = float32(c*x-s*y), float32(s*x+c*y)
	}
	mr, _ := Cosine(rot)
	v1, _ := Compare(ma, mb, CKA)
	v2, _ := Compare(mr, mb, CKA)
	if math.Abs(v1-v2) > 1e-6 {
		t.Errorf("CKA changed under a rotation of the patterns: %v vs %v", v1, v2)
	}
}

// TestCKADebiasedRemovesTheBias: for unrelated representations of few
// stimuli (20 random patterns of 50 features, twice, 30 draws) plain linear
// CKA sits well above 0 (its finite-sample bias), while the debiased form
// averages near 0; both are 1 for a representation with itself.
func TestCKADebiasedRemovesTheBias(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pattern := func() Patterns {
		p := Patterns{N: 20, D: 50, X: make([]float32, 20*50)}
		for i := range p.X {
			p.X[i] = float32(rng.NormFloat64())
		}
		return p
	}
	var plain, debiased float64
	const draws = 30
	for range draws {
		ma, err := Cosine(pattern())
		if err != nil {
			t.Fatal(err)
		}
		mb, err := Cosine(pattern())
		if err != nil {
			t.Fatal(err)
		}
		p, _ := Compare(ma, mb, CKA)
		d, _ := Compare(ma, mb, CKADebiased)
		plain += p / draws
		debiased += d / draws
		if self, _ := Compare(ma, ma, CKADebiased); math.Abs(self-1) > 1e-12 {
			t.Fatalf("debiased CKA with itself %v", self)
		}
	}
	if plain < 0.3 || math.Abs(debiased) > 0.05 {
		t.Errorf("unrelated representations: mean CKA %.3f (want its bias, > 0.3), debiased %.3f (want about 0)", plain, debiased)
	}
	t.Logf("unrelated representations of 20 stimuli: mean CKA %.3f, debiased %.3f", plain, debiased)
}

// TestLinearCKAAgainstNumpy: CKA of linear kernels equals numpy's
// feature-space linear CKA and its debiased form (unbiased HSIC) on the same
// data; a representation has CKA 1 with itself and with an orthogonal
// rotation and isotropic scaling of itself.
func TestLinearCKAAgainstNumpy(t *testing.T) {
	for _, path := range pyref.Golden(t, "linear_cka.npz", []string{"numpy"}, pyref.File("testdata/linear_cka_ref.py", pyref.Out)) {
		arr := pyref.Arrays(t, path)
		num := pyref.Floats(t, path)
		px, py := arr("x"), arr("y")
		x := Patterns{X: px.Data.([]float32), N: px.Shape[0], D: px.Shape[1]}
		y := Patterns{X: py.Data.([]float32), N: py.Shape[0], D: py.Shape[1]}
		kx, _ := LinearKernel(x)
		ky, _ := LinearKernel(y)
		for _, m := range []Method{CKA, CKADebiased} {
			got, _ := Compare(kx, ky, m)
			if want := num(string(m))[0]; math.Abs(got-want) > 1e-5 {
				t.Errorf("%s: %v, numpy %v (%s)", m, got, want, path)
			}
			if self, _ := Compare(kx, kx, m); math.Abs(self-1) > 1e-9 {
				t.Errorf("%s of X with itself: %v", m, self)
			}
		}
		// rotate the 12 features by a Givens rotation in every pair of
		// axes and scale by 3: CKA with the original stays 1
		r := make([]float32, len(x.X))
		copy(r, x.X)
		for a := 0; a+1 < x.D; a += 2 {
			th := 0.3 + 0.1*float64(a)
			cs, sn := float32(math.Cos(th)), float32(math.Sin(th))
			for i := range x.N {
				u, v := r[i*x.D+a], r[i*x.D+a+1]
				r[i*x.D+a], r[i*x.D+a+1] = 3*(cs*u-sn*v), 3*(sn*u+cs*v)
			}
		}
		kr, _ := LinearKernel(Patterns{X: r, N: x.N, D: x.D})
		if c, _ := Compare(kx, kr, CKA); math.Abs(c-1) > 1e-6 {
			t.Errorf("CKA with a rotated, scaled copy: %v, want 1", c)
		}
	}
}

// TestJackknifeIntervalAgainstNumpy: the leave-one-stimulus-out jackknife
// interval of linear CKA and of its debiased form (value, low, high) equals
// numpy's, each left-out value recomputed from the remaining stimuli.
func TestJackknifeIntervalAgainstNumpy(t *testing.T) {
	for _, path := range pyref.Golden(t, "cka_jackknife.npz", []string{"numpy", "scipy"}, pyref.File("testdata/cka_jackknife_ref.py", pyref.Out)) {
		arr := pyref.Arrays(t, path)
		num := pyref.Floats(t, path)
		px, py := arr("x"), arr("y")
		kx, _ := LinearKernel(Patterns{X: px.Data.([]float32), N: px.Shape[0], D: px.Shape[1]})
		ky, _ := LinearKernel(Patterns{X: py.Data.([]float32), N: py.Shape[0], D: py.Shape[1]})
		for _, m := range []Method{CKA, CKADebiased} {
			v, lo, hi, err := JackknifeInterval(kx, ky, m, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			want := num(string(m))
			for k, got := range []float64{v, lo, hi} {
				if math.Abs(got-want[k]) > 1e-5 {
					t.Errorf("%s: (value, low, high)[%d] = %v, numpy %v (%s)", m, k, got, want[k], path)
				}
			}
			if !(lo < v && v < hi) {
				t.Errorf("%s: interval [%v, %v] does not contain %v", m, lo, hi, v)
			}
		}
	}
}

// TestStudyFlags: the table says where the study uses each method; the
// flags that only make sense together do, and Register refuses what the
// table could not compute.
func TestStudyFlags(t *testing.T) {
	names := func(specs []MethodSpec) []Method {
		var out []Method
		for _, s := range specs {
			out = append(out, s.Method)
		}
		return out
	}
	if got, want := names(LayerMethods()), []Method{Spearman, CKA, CKADebiased, WithinClassSpearman}; !slices.Equal(got, want) {
		t.Errorf("layer methods %v, want %v", got, want)
	}
	if got, want := names(ROIMethods()), []Method{Spearman, WithinClassSpearman}; !slices.Equal(got, want) {
		t.Errorf("ROI methods %v, want %v", got, want)
	}
	for _, s := range methods {
		if (s.Kernel || s.Tested || s.LayersKey != "") && !s.Layers {
			t.Errorf("%s: Kernel, Tested or LayersKey without Layers", s.Method)
		}
	}
	stat := func(a, b, _ []float64) float64 { return 0 }
	for _, s := range []MethodSpec{{Method: "x"}, {Stat: stat}, {Method: "x", Stat: stat, Ranked: true}, {Method: Spearman, Stat: stat}} {
		if _, err := Register(s); err == nil {
			t.Errorf("Register(%+v): no error", s)
		}
	}
}

// TestCosineAndKernelByDefinition: the Gram-based matrices against each
// entry computed by its definition, one sum per pair (dimensions that are
// not a multiple of the unrolled loop's four, a zero pattern: similarity
// 0 with everything, itself included, as torch's cosine_similarity).
func TestCosineAndKernelByDefinition(t *testing.T) {
	for _, c := range []struct{ n, d int }{{9, 1}, {9, 3}, {9, 4}, {9, 7}, {9, 130}, {64, 1100}} { // the last large enough for the vectorised product
		n, d := c.n, c.d
		p, _ := structured(uint64(d), n, d, 3, 0.5)
		for k := range d {
			p.X[4*d+k] = 0 // pattern 4 is silent
		}
		cos, kern, err := CosineAndKernel(p)
		if err != nil {
			t.Fatal(err)
		}
		for i := range p.N {
			for j := range p.N {
				var ab, aa, bb float64
				for k := range d {
					x, y := float64(p.X[i*d+k]), float64(p.X[j*d+k])
					ab, aa, bb = ab+x*y, aa+x*x, bb+y*y
				}
				want := 0.0
				if aa != 0 && bb != 0 {
					want = ab / math.Sqrt(aa*bb)
				}
				if math.Abs(cos.At(i, j)-want) > 1e-12 || math.Abs(kern.At(i, j)-ab) > 1e-12*math.Max(1, math.Abs(ab)) {
					t.Fatalf("d %d, (%d, %d): cosine %v, kernel %v; by definition %v, %v", d, i, j, cos.At(i, j), kern.At(i, j), want, ab)
				}
			}
		}
		if cos.At(4, 4) != 0 || cos.At(0, 0) < 1-1e-15 {
			t.Errorf("d %d: diagonal %v (silent pattern), %v", d, cos.At(4, 4), cos.At(0, 0))
		}
	}
}

// TestMemoSharesTiesSafely: a memoised matrix compares as the plain one,
// from several goroutines at once, and a copy given other entries does
// not use the memo of the first.
func TestMemoSharesTiesSafely(t *testing.T) {
	p, labels := structured(3, 30, 8, 3, 0.5)
	q, _ := structured(4, 30, 8, 3, 0.5)
	a, _ := Cosine(p)
	b, _ := Cosine(q)
	a.Labels, b.Labels = labels, labels
	methods := []Method{Spearman, WithinClassSpearman}
	want := map[Method]float64{}
	for _, m := range methods {
		want[m], _ = Compare(a, b, m)
	}
	am := a.Memo()
	errs := make(chan string, 16)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, m := range methods {
				if v, err := Compare(am, b, m); err != nil || v != want[m] {
					errs <- fmt.Sprintf("%s: memoised %v (%v), plain %v", m, v, err, want[m])
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	other := am
	other.Data = slices.Clone(b.Data)
	if v, _ := Compare(other, b, Spearman); math.Abs(v-1) > 1e-12 {
		t.Errorf("a copy with b's entries against b: Spearman %v, want 1 (the first matrix's memo used)", v)
	}
}
