package rsa_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
)

// Two representations of six stimuli in two classes: their cosine RSMs,
// compared by every method of the table (the category-controlled ones use
// the classes the matrices carry), and Spearman tested by permutations.
func ExampleTest() {
	a := rsa.Patterns{N: 6, D: 3, X: []float32{1, 0, 0, 0.9, 0.1, 0, 0.8, 0.3, 0.1, 0, 1, 0, 0, 0.8, 0.3, 0.2, 0.9, 0.4}}
	b := rsa.Patterns{N: 6, D: 2, X: []float32{1, 0.1, 1, 0.2, 0.9, 0.4, 0.1, 1, 0.3, 1, 0.2, 0.8}}
	ma, _ := rsa.Cosine(a)
	mb, _ := rsa.Cosine(b)
	ma.Labels = []int{0, 0, 0, 1, 1, 1}
	for _, m := range rsa.Methods {
		v, _ := rsa.Compare(ma, mb, m)
		fmt.Printf("%-25s %.3f\n", m, v)
	}
	inf, _ := rsa.Test(ma, mb, rsa.Spearman, rsa.TestConfig{Permutations: 999, Seed: 1})
	fmt.Printf("Spearman p = %.3f\n", inf.PValue)
	if _, err := rsa.Compare(ma, mb, "procrustes"); err != nil {
		fmt.Println(err)
	}
	ma.Labels = nil
	if _, err := rsa.Compare(ma, mb, rsa.WithinClassSpearman); err != nil {
		fmt.Println(err)
	}
	// Output:
	// pearson_full              0.979
	// pearson                   0.974
	// spearman                  0.924
	// kendall_a                 0.781
	// cka                       0.987
	// cka_debiased              0.989
	// within_class_spearman     0.750
	// partial_spearman_category 0.786
	// Spearman p = 0.002
	// rsa: unknown comparison "procrustes" (want one of pearson_full, pearson, spearman, kendall_a, cka, cka_debiased, within_class_spearman, partial_spearman_category)
	// rsa: within_class_spearman needs each stimulus's class (Matrix.Labels)
}

// The method table: how each comparison treats the stimuli, and which ones
// the class structure shared by construction drives up.
func ExampleSpec() {
	for _, m := range rsa.Methods {
		s, _ := rsa.Spec(m)
		fmt.Printf("%-25s full=%-5v ranked=%-5v labels=%-5v stratified=%-5v confounded=%v\n",
			m, s.Full, s.Ranked, s.NeedsLabels(), s.Stratified, s.Confounded)
	}
	// Output:
	// pearson_full              full=true  ranked=false labels=false stratified=false confounded=true
	// pearson                   full=false ranked=false labels=false stratified=false confounded=true
	// spearman                  full=false ranked=true  labels=false stratified=false confounded=true
	// kendall_a                 full=false ranked=false labels=false stratified=false confounded=true
	// cka                       full=true  ranked=false labels=false stratified=false confounded=true
	// cka_debiased              full=true  ranked=false labels=false stratified=false confounded=true
	// within_class_spearman     full=false ranked=true  labels=true  stratified=true  confounded=false
	// partial_spearman_category full=false ranked=true  labels=true  stratified=true  confounded=false
}

// Representations trained on the same classes share the class structure by
// construction: every comparison over all pairs finds it. The
// category-controlled ones (within-class Spearman, partial Spearman
// controlling the category model) report what is related beyond it: small,
// and not significant under their stratified permutation test, when the two
// are independent within classes; high when they share the stimuli's own
// structure.
func ExampleCompare_withinClass() {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, d = 60, 8
	centre := [3][d]float64{{2}, {0, 2}, {0, 0, 2}}
	labels := make([]int, n)
	own := make([]float64, n*d) // each stimulus's own, within-class structure
	for i := range n {
		labels[i] = i % 3
	}
	for k := range own {
		own[k] = rng.NormFloat64()
	}
	patterns := func(shared float64) rsa.Matrix {
		p := rsa.Patterns{N: n, D: d, X: make([]float32, n*d)}
		for i := range n {
			for k := range d {
				e := shared*own[i*d+k] + (1-shared)*rng.NormFloat64()
				p.X[i*d+k] = float32(centre[labels[i]][k] + 0.5*e)
			}
		}
		m, _ := rsa.Cosine(p)
		m.Labels = labels
		return m
	}
	a := patterns(1)
	for _, shared := range []float64{0, 0.8} {
		b := patterns(shared)
		fmt.Printf("shared within-class structure %.1f:", shared)
		for _, m := range []rsa.Method{rsa.Spearman, rsa.WithinClassSpearman, rsa.PartialSpearmanCategory} {
			v, _ := rsa.Compare(a, b, m)
			fmt.Printf(" %s %.2f", m, v)
		}
		inf, _ := rsa.Test(a, b, rsa.WithinClassSpearman, rsa.TestConfig{Permutations: 199, Seed: 1})
		fmt.Printf(" (stratified p %.3f)\n", inf.PValue)
	}
	// Output:
	// shared within-class structure 0.0: spearman 0.55 within_class_spearman -0.00 partial_spearman_category -0.13 (stratified p 0.530)
	// shared within-class structure 0.8: spearman 0.98 within_class_spearman 0.92 partial_spearman_category 0.95 (stratified p 0.005)
}

// Linear CKA: the Gram matrices (LinearKernel) compared by CKA. Centring
// makes it invariant to a shift of either representation, and it is
// invariant to rotations and isotropic scaling; the plain Pearson of the
// Gram matrices is not shift-invariant.
func ExampleLinearKernel() {
	x := rsa.Patterns{N: 5, D: 2, X: []float32{1, 0, 0, 1, 1, 1, 2, 0.5, -1, 0.3}}
	// y: x rotated by 90 degrees, scaled by 3 and shifted by (5, -2).
	y := rsa.Patterns{N: 5, D: 2, X: make([]float32, 10)}
	for i := range 5 {
		y.X[2*i], y.X[2*i+1] = -3*x.X[2*i+1]+5, 3*x.X[2*i]-2
	}
	kx, _ := rsa.LinearKernel(x)
	ky, _ := rsa.LinearKernel(y)
	cka, _ := rsa.Compare(kx, ky, rsa.CKA)
	pearson, _ := rsa.Compare(kx, ky, rsa.Pearson)
	fmt.Printf("CKA %.3f, Pearson of the Gram matrices %.3f\n", cka, pearson)
	// Output:
	// CKA 1.000, Pearson of the Gram matrices 0.474
}

// Dissimilarity matrices of three patterns: 1 - Pearson r and Euclidean
// distance.
func ExampleCorrelationDistance() {
	p := rsa.Patterns{N: 3, D: 4, X: []float32{1, 2, 3, 4, 2, 4, 6, 8, 4, 3, 2, 1}}
	rdm, _ := rsa.CorrelationDistance(p)
	euc, _ := rsa.Euclidean(p)
	for i := range 3 {
		fmt.Printf("%.2f %.2f %.2f   %.2f %.2f %.2f\n",
			rdm.At(i, 0), rdm.At(i, 1), rdm.At(i, 2), euc.At(i, 0), euc.At(i, 1), euc.At(i, 2))
	}
	// Output:
	// 0.00 0.00 2.00   0.00 5.48 4.47
	// 0.00 0.00 2.00   5.48 0.00 8.37
	// 2.00 2.00 0.00   4.47 8.37 0.00
}

// Per-class mean patterns (the original's class RSM) and the class order
// the per-image heatmaps use.
func ExampleClassMeans() {
	p := rsa.Patterns{N: 4, D: 2, X: []float32{1, 0, 0, 1, 3, 0, 0, 3}}
	labels := []int{0, 1, 0, 1}
	means, _ := rsa.ClassMeans(p, labels, 2)
	fmt.Println(means.X)
	fmt.Println(rsa.ClassOrder(labels))
	// Output:
	// [2 0 0 2]
	// [0 2 1 3]
}

// A stratified bootstrap: Strata lists each class's stimuli, Draw resamples
// within them, and CompareResampled recomputes a statistic on the draw (the
// pairs of a stimulus drawn twice left out).
func ExampleDraw() {
	labels := []int{0, 0, 0, 1, 1, 1}
	strata := rsa.Strata(labels, len(labels))
	fmt.Println(strata)
	draw := rsa.Draw(strata, len(labels), rand.New(rand.NewPCG(3, 4)))
	for i, j := range draw {
		if labels[i] != labels[j] {
			fmt.Println("a draw left its class")
		}
	}
	a := rsa.Matrix{N: 6, Data: make([]float64, 36), Labels: labels}
	b := rsa.Matrix{N: 6, Data: make([]float64, 36)}
	for i := range 6 {
		for j := range 6 {
			a.Data[i*6+j] = float64((i + 1) * (j + 1))
			b.Data[i*6+j] = float64((i+1)*(j+1)) + float64((i*j)%3)
		}
	}
	v, _ := rsa.Compare(a, b, rsa.Spearman)
	r, _ := rsa.CompareResampled(a, b, rsa.Spearman, draw)
	fmt.Printf("draw %v: Spearman %.3f, on the draw %.3f\n", draw, v, r)
	// Output:
	// [[0 1 2] [3 4 5]]
	// draw [2 2 1 4 5 5]: Spearman 0.996, on the draw 1.000
}

// Inference for CKA: the leave-one-stimulus-out jackknife interval (a
// bootstrap resample's repeated stimuli inflate kernel methods), and Test's
// permutation p-value.
func ExampleJackknifeInterval() {
	rng := rand.New(rand.NewPCG(5, 6))
	const n, d = 20, 6
	x := rsa.Patterns{N: n, D: d, X: make([]float32, n*d)}
	y := rsa.Patterns{N: n, D: d, X: make([]float32, n*d)}
	for i := range x.X {
		x.X[i] = float32(rng.NormFloat64())
		y.X[i] = x.X[i] + float32(rng.NormFloat64())
	}
	kx, _ := rsa.LinearKernel(x)
	ky, _ := rsa.LinearKernel(y)
	v, lo, hi, _ := rsa.JackknifeInterval(kx, ky, rsa.CKA, 0.95)
	fmt.Printf("CKA %.2f [%.2f, %.2f]\n", v, lo, hi)
	inf, _ := rsa.Test(kx, ky, rsa.CKADebiased, rsa.TestConfig{Permutations: 199, Seed: 1})
	fmt.Printf("debiased CKA %.2f, p = %.3f\n", inf.Value, inf.PValue)
	// Output:
	// CKA 0.57 [0.37, 0.76]
	// debiased CKA 0.43, p = 0.005
}

// Several training seeds: TestPaired averages the statistic over the pairs
// (as[s], bs[s]) and moves every pair's stimuli together, so the interval
// covers the seeds' variability too.
func ExampleTestPaired() {
	rng := rand.New(rand.NewPCG(7, 8))
	const n, d = 12, 4
	base := make([]float32, n*d)
	for i := range base {
		base[i] = float32(rng.NormFloat64())
	}
	noisy := func() rsa.Matrix {
		p := rsa.Patterns{N: n, D: d, X: make([]float32, n*d)}
		for i := range p.X {
			p.X[i] = base[i] + float32(0.7*rng.NormFloat64())
		}
		m, _ := rsa.Cosine(p)
		return m
	}
	as := []rsa.Matrix{noisy(), noisy(), noisy()}
	bs := []rsa.Matrix{noisy(), noisy(), noisy()}
	inf, _ := rsa.TestPaired(as, bs, rsa.Spearman, rsa.TestConfig{Permutations: 199, Bootstraps: 200, Level: 0.95, Seed: 1})
	fmt.Printf("Spearman %.2f (s.d. over %d seeds %.2f), p = %.3f, 95%% interval [%.2f, %.2f]\n",
		inf.Value, inf.Seeds, inf.SeedSD, inf.PValue, inf.CILow, inf.CIHigh)
	// Output:
	// Spearman 0.49 (s.d. over 3 seeds 0.17), p = 0.005, 95% interval [0.17, 0.71]
}
