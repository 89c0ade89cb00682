package rsa

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestResamplerEqualsDirectRanking: ranking a resample by counting over the
// once-sorted upper triangle gives exactly what ranking the resample's
// entries with stats.Ranks gives, ties (the patterns are rounded) and
// repeated stimuli included, for every method of the table.
func TestResamplerEqualsDirectRanking(t *testing.T) {
	pa, labels := structured(3, 30, 8, 3, 1)
	pb, _ := structured(4, 30, 8, 3, 1.2)
	a, err := Cosine(pa)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Cosine(pb)
	if err != nil {
		t.Fatal(err)
	}
	a.Labels, b.Labels = labels, labels
	strata := Strata(labels, a.N)
	for _, m := range Methods {
		s, _ := Spec(m)
		r, err := NewResampler(a, b, m)
		if err != nil {
			t.Fatal(err)
		}
		ps := s.pairs(a.N, labels)
		for k := range 20 {
			var draw []int
			if k > 0 {
				draw = Draw(strata, a.N, rand.New(rand.NewPCG(7, uint64(k))))
			}
			var kept []pair
			for _, p := range ps {
				if s.Full || draw == nil || draw[p.i] != draw[p.j] {
					kept = append(kept, p)
				}
			}
			blk := s.blocks(kept, labels)
			xa, xb := gather(a, kept, draw), gather(b, kept, draw)
			var want float64
			if s.Ranked {
				want = s.onRanks(s.rank(xa, blk), s.rank(xb, blk), blk)
			} else {
				want = s.Stat(xa, xb, blk)
			}
			got := r.Compare(draw)
			if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("%s draw %d: resampler %v, direct %v", m, k, got, want)
			}
		}
	}
}

// TestPermutationPValuesEqualTest: the table's shared permutations give each
// pair exactly the p-value Test gives it alone, free and stratified, for
// the Spearman methods (dot-product path) and others (Test per pair); a
// constant matrix gives NaN.
func TestPermutationPValuesEqualTest(t *testing.T) {
	var as, bs []Matrix
	var labels []int
	for k := range 3 {
		p, l := structured(uint64(10+k), 24, 6, 3, 0.8+0.4*float64(k))
		m, err := Cosine(p)
		if err != nil {
			t.Fatal(err)
		}
		labels = l
		m.Labels = l
		as = append(as, m)
	}
	for k := range 2 {
		p, _ := structured(uint64(20+k), 24, 6, 3, 1+float64(k))
		m, err := Cosine(p)
		if err != nil {
			t.Fatal(err)
		}
		m.Labels = labels
		bs = append(bs, m)
	}
	flat := Matrix{N: 24, Data: make([]float64, 24*24), Labels: labels}
	as = append(as, flat)
	for _, m := range []Method{Spearman, WithinClassSpearman, Pearson} {
		for _, strat := range []bool{false, true} {
			cfg := TestConfig{Permutations: 300, Seed: 5, Stratify: strat}
			tab, err := PermutationPValues(as, bs, m, cfg)
			if err != nil {
				t.Fatal(err)
			}
			for i := range as {
				for j := range bs {
					inf, err := Test(as[i], bs[j], m, cfg)
					if err != nil {
						t.Fatal(err)
					}
					got, want := tab[i][j], float64(inf.PValue)
					if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
						t.Errorf("%s stratify=%v (%d,%d): table p %v, Test p %v", m, strat, i, j, got, want)
					}
					if i == len(as)-1 && !math.IsNaN(got) {
						t.Errorf("%s: constant matrix got p %v, want NaN", m, got)
					}
				}
			}
		}
	}
}

// TestJackknifeIntervalCoversCKA: stimuli drawn afresh from one population
// (patterns sharing a latent component, n = 40) give CKA values whose
// spread the jackknife interval must capture: over 200 replicates the 95%
// intervals cover the replicates' mean CKA (the statistic's expectation at
// this n) about 95% of the time, plain and debiased. The percentile
// bootstrap with repeated stimuli, for contrast, sits above the estimate.
func TestJackknifeIntervalCoversCKA(t *testing.T) {
	const reps, n, d = 200, 40, 12
	rng := rand.New(rand.NewPCG(11, 12))
	draw := func() (Matrix, Matrix) {
		pa := Patterns{N: n, D: d, X: make([]float32, n*d)}
		pb := Patterns{N: n, D: d, X: make([]float32, n*d)}
		for i := range n {
			latent := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
			for k := range d {
				pa.X[i*d+k] = float32(latent[k%3] + rng.NormFloat64())
				pb.X[i*d+k] = float32(latent[(k+1)%3] + 1.5*rng.NormFloat64())
			}
		}
		ka, _ := LinearKernel(pa)
		kb, _ := LinearKernel(pb)
		return ka, kb
	}
	type rep struct{ v, lo, hi, bootLo float64 }
	for _, m := range []Method{CKA, CKADebiased} {
		var rs []rep
		var mean float64
		for range reps {
			a, b := draw()
			v, lo, hi, err := JackknifeInterval(a, b, m, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			r, _ := NewResampler(a, b, m)
			boot := make([]float64, 100)
			for k := range boot {
				boot[k] = r.Compare(Draw(Strata(nil, n), n, rng))
			}
			bl, _ := Interval(boot, 0.95)
			rs = append(rs, rep{v, lo, hi, bl})
			mean += v / reps
		}
		covered, bootAbove := 0, 0
		for _, r := range rs {
			if r.lo <= mean && mean <= r.hi {
				covered++
			}
			if r.bootLo > r.v {
				bootAbove++
			}
		}
		t.Logf("%s: mean %.3f; jackknife intervals cover it in %d/%d; percentile bootstrap wholly above the estimate in %d/%d", m, mean, covered, reps, bootAbove, reps)
		if covered < 180 || covered > 199 {
			t.Errorf("%s: jackknife 95%% intervals cover the expectation %d/%d times, want about 190", m, covered, reps)
		}
	}
}

// BenchmarkPermutationPValues is the layers stage's table on the demo's
// shapes: 57 layer matrices against 7 areas over 57 test images, 10,000
// permutations within 3 classes, both Spearman measures.
func BenchmarkPermutationPValues(b *testing.B) {
	var as, bs []Matrix
	for k := range 64 {
		p, l := structured(uint64(100+k), 57, 8, 3, 1)
		m, err := Cosine(p)
		if err != nil {
			b.Fatal(err)
		}
		m.Labels = l
		if k < 57 {
			as = append(as, m)
		} else {
			bs = append(bs, m)
		}
	}
	cfg := TestConfig{Permutations: 10000, Seed: 1, Stratify: true}
	for b.Loop() {
		for _, m := range []Method{Spearman, WithinClassSpearman} {
			if _, err := PermutationPValues(as, bs, m, cfg); err != nil {
				b.Fatal(err)
			}
		}
	}
}
