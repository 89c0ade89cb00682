package rsa

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// TestConfig sets the resampling of Test.
type TestConfig struct {
	Permutations int     // stimulus-label permutations for the p-value (0: none)
	Bootstraps   int     // stimulus bootstrap samples for the interval (0: none)
	Level        float64 // confidence level of the interval, e.g. 0.95
	Seed         uint64
	// Stratify permutes stimuli within their classes for every method (the
	// category-controlled methods always do): for a raw comparison, the null
	// then keeps the class structure and says nothing beyond it is related.
	Stratify bool
}

// DefaultTest: 10,000 permutations, 1,000 bootstrap samples, 95% interval.
func DefaultTest() TestConfig {
	return TestConfig{Permutations: 10000, Bootstraps: 1000, Level: 0.95, Seed: 1}
}

// Validate reports counts below 0 and, with bootstraps, a confidence level
// outside (0, 1).
func (c TestConfig) Validate() error {
	switch {
	case c.Permutations < 0:
		return fmt.Errorf("rsa: permutations %d: want 0 (no p-value) or more", c.Permutations)
	case c.Bootstraps < 0:
		return fmt.Errorf("rsa: bootstraps %d: want 0 (no interval) or more", c.Bootstraps)
	case c.Bootstraps > 0 && !(c.Level > 0 && c.Level < 1):
		return fmt.Errorf("rsa: confidence level %v outside (0, 1)", c.Level)
	}
	return nil
}

// Inference is a comparison with its uncertainty. A number that was not
// computed (no permutations, no bootstrap, one seed, or an undefined
// statistic) is NaN, null in JSON. The numbers come last, in the order
// results.json has always had.
type Inference struct {
	Method       Method  `json:"method"`
	Level        float64 `json:"ci_level"`
	Permutations int     `json:"permutations"`
	Bootstraps   int     `json:"bootstraps"`
	// Stratified says the permutations moved stimuli only within their class
	// (and the bootstrap resampled within classes).
	Stratified bool `json:"stratified"`
	// Seeds is the number of paired matrices averaged (training seeds).
	Seeds  int           `json:"seeds"`
	Value  jsonnum.Float `json:"value"`   // the statistic; over seeds, its mean
	PValue jsonnum.Float `json:"p_value"` // one-sided, H1: positive relation; NaN without permutations
	CILow  jsonnum.Float `json:"ci_low"`  // percentile bootstrap interval; NaN without bootstraps
	CIHigh jsonnum.Float `json:"ci_high"`
	SeedSD jsonnum.Float `json:"seed_sd"` // the statistic's s.d. across seeds (NaN for one seed)
}

// Test compares a and b and quantifies the comparison's uncertainty.
//
// p-value: the stimuli of b are permuted (rows and columns together; within
// classes for a Stratified method) and the statistic recomputed;
// p = (1 + #{permuted >= observed}) / (1 + P), one-sided, never 0.
// Interval: stimuli are resampled with replacement (within classes when the
// matrices carry labels), the statistic is recomputed over the pairs of
// distinct draws (a stimulus drawn twice would otherwise pair with itself),
// and the percentile interval at cfg.Level is reported. Each resample draws
// from its own generator seeded by (cfg.Seed, index), so results do not
// depend on the number of threads.
func Test(a, b Matrix, m Method, cfg TestConfig) (Inference, error) {
	return TestPaired([]Matrix{a}, []Matrix{b}, m, cfg)
}

// TestPaired is Test over paired matrices (as[s] with bs[s], e.g. a decoder
// and a model trained with the same seed s): the statistic is the mean over
// pairs, each permutation moves the stimuli of every bs[s] the same way and
// each bootstrap draws the same stimuli for every pair, so the seeds'
// variability stays inside the interval's resampling of stimuli.
func TestPaired(as, bs []Matrix, m Method, cfg TestConfig) (Inference, error) {
	if err := cfg.Validate(); err != nil {
		return Inference{}, err
	}
	if len(as) == 0 || len(as) != len(bs) {
		return Inference{}, fmt.Errorf("rsa: %d and %d matrices to pair", len(as), len(bs))
	}
	s, err := Spec(m)
	if err != nil {
		return Inference{}, err
	}
	values := make([]float64, len(as))
	for k := range as {
		if as[k].N != as[0].N || bs[k].N != as[0].N {
			return Inference{}, fmt.Errorf("rsa: pairing matrices over different numbers of stimuli")
		}
		if values[k], err = Compare(as[k], bs[k], m); err != nil {
			return Inference{}, err
		}
	}
	labels, err := labelsOf(s, append(slices.Clone(as), bs...)...)
	if err != nil {
		return Inference{}, err
	}
	v := stats.Mean(values)
	if cfg.Stratify && labels == nil {
		return Inference{}, fmt.Errorf("rsa: stratified permutations need each stimulus's class (Matrix.Labels)")
	}
	s.Stratified = s.Stratified || cfg.Stratify
	nan := jsonnum.Float(math.NaN())
	inf := Inference{Method: m, Value: jsonnum.Float(v), PValue: nan, CILow: nan, CIHigh: nan,
		Level: cfg.Level, Permutations: cfg.Permutations, Bootstraps: cfg.Bootstraps,
		Stratified: s.Stratified, Seeds: len(as), SeedSD: nan}
	if len(values) > 1 {
		inf.SeedSD = jsonnum.Float(stats.SD(values))
	}
	if math.IsNaN(v) {
		return inf, nil // undefined: nothing to test
	}
	if cfg.Permutations > 0 {
		perm := permutationStats(as, bs, labels, s, cfg)
		exceed := 0
		for _, x := range perm {
			if x >= v-1e-12 {
				exceed++
			}
		}
		inf.PValue = jsonnum.Float(float64(1+exceed) / float64(1+len(perm)))
	}
	if cfg.Bootstraps > 0 {
		rs := make([]*Resampler, len(as))
		for k := range as {
			rs[k] = newResampler(as[k], bs[k], labels, s)
		}
		strata := Strata(labels, as[0].N) // within classes whenever they are known
		boot := parallel.Map(cfg.Bootstraps, func(k int) float64 {
			return bootstrapStat(rs, strata, rand.New(rand.NewPCG(cfg.Seed, uint64(k)|1<<62)))
		})
		lo, hi := Interval(boot, cfg.Level)
		inf.CILow, inf.CIHigh = jsonnum.Float(lo), jsonnum.Float(hi)
	}
	return inf, nil
}

// Interval is the percentile interval at level of bootstrap replicates,
// NaN ones (an undefined statistic in a resample) left out; NaN when more
// than a tenth are undefined.
func Interval(boot []float64, level float64) (lo, hi float64) {
	ok := make([]float64, 0, len(boot))
	for _, x := range boot {
		if !math.IsNaN(x) {
			ok = append(ok, x)
		}
	}
	if len(ok) == 0 || len(ok) < len(boot)*9/10 {
		return math.NaN(), math.NaN()
	}
	alpha := (1 - level) / 2 * 100
	return stats.Percentile(ok, alpha), stats.Percentile(ok, 100-alpha)
}

// classIndex lists the stimuli of each class (one stratum of all stimuli
// when stratify is false or there are no labels).
func classIndex(labels []int, n int, stratify bool) [][]int {
	if !stratify || labels == nil {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		return [][]int{all}
	}
	byClass := map[int][]int{}
	var order []int
	for i, l := range labels {
		if _, ok := byClass[l]; !ok {
			order = append(order, l)
		}
		byClass[l] = append(byClass[l], i)
	}
	var out [][]int
	for _, l := range order {
		out = append(out, byClass[l])
	}
	return out
}

// Permutation returns a random relabelling of n stimuli that moves each
// stimulus only within its stratum.
func permutation(strata [][]int, n int, rng *rand.Rand) []int {
	p := make([]int, n)
	for _, idx := range strata {
		q := rng.Perm(len(idx))
		for t, i := range idx {
			p[i] = idx[q[t]]
		}
	}
	return p
}

// permutationStats recomputes the statistic under random relabellings of
// the bs' stimuli (within classes for a stratified method). A ranked
// statistic ranks each vector once: a relabelling that maps the compared
// pairs onto themselves (any relabelling of the upper triangle, a
// within-class one of the within-class pairs and of each class block) only
// moves the ranks. A PerClass method's block ranks stay block ranks: a
// within-class relabelling maps each block onto itself.
func permutationStats(as, bs []Matrix, labels []int, s MethodSpec, cfg TestConfig) []float64 {
	n := as[0].N
	ps := s.pairs(n, labels)
	stat := s.Stat
	blk := s.blocks(ps, labels)
	avs, srcs := make([][]float64, len(as)), make([]Matrix, len(bs))
	for k := range as {
		avs[k], srcs[k] = gather(as[k], ps, nil), bs[k]
		if s.Ranked {
			avs[k], srcs[k] = s.rank(avs[k], blk), atPairs(n, ps, s.rank(gather(bs[k], ps, nil), blk))
		}
	}
	if s.Ranked {
		stat = s.onRanks
	}
	strata := classIndex(labels, n, s.Stratified)
	scratch := sync.Pool{New: func() any { g := make([]float64, len(ps)); return &g }}
	return parallel.Map(cfg.Permutations, func(k int) float64 {
		p := permutation(strata, n, rand.New(rand.NewPCG(cfg.Seed, uint64(k))))
		g := scratch.Get().(*[]float64)
		defer scratch.Put(g)
		sum := 0.0
		for t := range avs {
			sum += stat(avs[t], gatherInto(*g, srcs[t], ps, p), blk)
		}
		return sum / float64(len(avs))
	})
}

// atPairs is an n x n matrix holding values[k] at pair k and its mirror
// image, 0 elsewhere.
func atPairs(n int, ps []pair, values []float64) Matrix {
	out := Matrix{N: n, Data: make([]float64, n*n)}
	for k, p := range ps {
		out.Data[int(p.i)*n+int(p.j)], out.Data[int(p.j)*n+int(p.i)] = values[k], values[k]
	}
	return out
}

// bootstrapStat is the mean statistic over the pairs on one resample of
// the stimuli: each stratum's stimuli drawn with replacement from that
// stratum.
func bootstrapStat(rs []*Resampler, strata [][]int, rng *rand.Rand) float64 {
	draw := Draw(strata, rs[0].a.N, rng)
	sum := 0.0
	for _, r := range rs {
		sum += r.Compare(draw)
	}
	return sum / float64(len(rs))
}

// Draw resamples n stimuli with replacement within each stratum: stimulus i
// is replaced by draw[i], a stimulus of i's stratum.
func Draw(strata [][]int, n int, rng *rand.Rand) []int {
	draw := make([]int, n)
	for _, idx := range strata {
		for _, i := range idx {
			draw[i] = idx[rng.IntN(len(idx))]
		}
	}
	return draw
}

// Strata lists the stimuli of each class, classes in order of first
// appearance (one stratum of all n stimuli without labels).
func Strata(labels []int, n int) [][]int { return classIndex(labels, n, true) }

// CompareResampled is Compare on a resample of the stimuli (see Draw, whose
// draws within classes keep the labels valid): stimulus i is replaced by
// draw[i], and the pairs of a stimulus drawn twice are dropped (kept for a
// full method). A nil draw is the stimuli as they are: Compare. Many
// resamples of the same two matrices: NewResampler.
func CompareResampled(a, b Matrix, m Method, draw []int) (float64, error) {
	if draw != nil && len(draw) != a.N {
		return 0, fmt.Errorf("rsa: resampling %d stimuli with %d draws", a.N, len(draw))
	}
	r, err := NewResampler(a, b, m)
	if err != nil {
		return 0, err
	}
	return r.Compare(draw), nil
}

// JackknifeInterval is the normal interval at level for m's statistic of a
// and b from its leave-one-stimulus-out jackknife: value ± z·SE with
// SE² = (n−1)/n · Σ(θ₋ᵢ − θ̄)². A jackknife sample repeats no stimulus,
// which the kernel methods (CKA) need: in a bootstrap resample a stimulus
// drawn twice is a perfectly similar pair that inflates them, so that
// their percentile bootstrap interval can lie wholly above the estimate.
// It returns the statistic v too; the interval is NaN when the statistic
// or a leave-one-out value is undefined.
func JackknifeInterval(a, b Matrix, m Method, level float64) (v, lo, hi float64, err error) {
	if !(level > 0 && level < 1) {
		return 0, 0, 0, fmt.Errorf("rsa: confidence level %v outside (0, 1)", level)
	}
	if v, err = Compare(a, b, m); err != nil {
		return 0, 0, 0, err
	}
	n := a.N
	keep := make([]int, 0, n-1)
	loo := make([]float64, n)
	for i := range n {
		keep = keep[:0]
		for j := range n {
			if j != i {
				keep = append(keep, j)
			}
		}
		if loo[i], err = Compare(a.Reorder(keep), b.Reorder(keep), m); err != nil {
			return 0, 0, 0, err
		}
	}
	mean := stats.Mean(loo)
	ss := 0.0
	for _, x := range loo {
		ss += (x - mean) * (x - mean)
	}
	se := math.Sqrt(float64(n-1) / float64(n) * ss)
	if math.IsNaN(v) || math.IsNaN(se) || n < 3 {
		return v, math.NaN(), math.NaN(), nil
	}
	z := distuv.UnitNormal.Quantile(1 - (1-level)/2)
	return v, v - z*se, v + z*se, nil
}
