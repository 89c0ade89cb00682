package rsa

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/decodingthoughts/decoding-thoughts/internal/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// TestConfig sets the resampling of Test.
type TestConfig struct {
	Permutations int     // stimulus-label permutations for the p-value (0: none)
	Bootstraps   int     // stimulus bootstrap samples for the interval (0: none)
	Level        float64 // confidence level of the interval, e.g. 0.95
	Seed         uint64
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

// Inference is a comparison with its uncertainty.
type Inference struct {
	Method       Method  `json:"method"`
	Value        float64 `json:"value"`
	PValue       float64 `json:"p_value"` // one-sided, H1: positive relation; NaN without permutations
	CILow        float64 `json:"ci_low"`  // percentile bootstrap interval; NaN without bootstraps
	CIHigh       float64 `json:"ci_high"`
	Level        float64 `json:"ci_level"`
	Permutations int     `json:"permutations"`
	Bootstraps   int     `json:"bootstraps"`
}

// MarshalJSON writes a value that was not computed (NaN: no permutations,
// no bootstrap, or an undefined statistic) as null, never as a number.
func (inf Inference) MarshalJSON() ([]byte, error) {
	type plain Inference
	return json.Marshal(struct {
		plain
		Value  *float64 `json:"value"`
		PValue *float64 `json:"p_value"`
		CILow  *float64 `json:"ci_low"`
		CIHigh *float64 `json:"ci_high"`
	}{plain(inf), jsonnum.Ptr(inf.Value), jsonnum.Ptr(inf.PValue), jsonnum.Ptr(inf.CILow), jsonnum.Ptr(inf.CIHigh)})
}

// UnmarshalJSON reads null as NaN.
func (inf *Inference) UnmarshalJSON(b []byte) error {
	type plain Inference
	var v struct {
		plain
		Value  *float64 `json:"value"`
		PValue *float64 `json:"p_value"`
		CILow  *float64 `json:"ci_low"`
		CIHigh *float64 `json:"ci_high"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*inf = Inference(v.plain)
	inf.Value, inf.PValue, inf.CILow, inf.CIHigh = jsonnum.Value(v.Value), jsonnum.Value(v.PValue), jsonnum.Value(v.CILow), jsonnum.Value(v.CIHigh)
	return nil
}

// Test compares a and b and quantifies the comparison's uncertainty.
//
// p-value: the stimulus labels of b are permuted (rows and columns together)
// and the statistic recomputed; p = (1 + #{permuted >= observed}) / (1 + P),
// one-sided, never 0. Interval: stimuli are resampled with replacement, the
// statistic is recomputed over the pairs of distinct draws (a stimulus drawn
// twice would otherwise pair with itself), and the percentile interval at
// cfg.Level is reported. Each resample draws from its own generator seeded by
// (cfg.Seed, index), so results do not depend on the number of threads.
func Test(a, b Matrix, m Method, cfg TestConfig) (Inference, error) {
	if err := cfg.Validate(); err != nil {
		return Inference{}, err
	}
	v, err := Compare(a, b, m)
	if err != nil {
		return Inference{}, err
	}
	inf := Inference{Method: m, Value: v, PValue: math.NaN(), CILow: math.NaN(), CIHigh: math.NaN(),
		Level: cfg.Level, Permutations: cfg.Permutations, Bootstraps: cfg.Bootstraps}
	s, _ := Spec(m) // Compare checked m
	if cfg.Permutations > 0 {
		perm := permutationStats(a, b, s, cfg)
		exceed := 0
		for _, s := range perm {
			if s >= v-1e-12 {
				exceed++
			}
		}
		inf.PValue = float64(1+exceed) / float64(1+len(perm))
	}
	if cfg.Bootstraps > 0 {
		boot := parallel(cfg.Bootstraps, func(k int) float64 {
			return bootstrapStat(a, b, s, rand.New(rand.NewPCG(cfg.Seed, uint64(k)|1<<62)))
		})
		alpha := (1 - cfg.Level) / 2 * 100
		inf.CILow, inf.CIHigh = stats.Percentile(boot, alpha), stats.Percentile(boot, 100-alpha)
	}
	return inf, nil
}

// permutationStats recomputes the statistic under random relabellings of
// b's stimuli. A ranked statistic uses b's ranks, which a relabelling only
// moves, and Pearson's r on them.
func permutationStats(a, b Matrix, s MethodSpec, cfg TestConfig) []float64 {
	n := a.N
	av, src, stat := s.vector(a), b, s.Stat
	if s.Ranked {
		av, src, stat = stats.Ranks(av), rankMatrix(b), stats.Pearson
	}
	return parallel(cfg.Permutations, func(k int) float64 {
		p := rand.New(rand.NewPCG(cfg.Seed, uint64(k))).Perm(n)
		bv := make([]float64, 0, len(av))
		for i := range n {
			lo := i + 1
			if s.Full {
				lo = 0
			}
			for j := lo; j < n; j++ {
				bv = append(bv, src.At(p[i], p[j]))
			}
		}
		return stat(av, bv)
	})
}

// rankMatrix replaces the off-diagonal entries by their ranks among the upper
// triangle's.
func rankMatrix(b Matrix) Matrix {
	r := stats.Ranks(b.UpperTriangle())
	out := Matrix{N: b.N, Data: make([]float64, len(b.Data))}
	k := 0
	for i := range b.N {
		for j := i + 1; j < b.N; j++ {
			out.Data[i*b.N+j], out.Data[j*b.N+i] = r[k], r[k]
			k++
		}
	}
	return out
}

func bootstrapStat(a, b Matrix, s MethodSpec, rng *rand.Rand) float64 {
	n := a.N
	draw := make([]int, n)
	for i := range draw {
		draw[i] = rng.IntN(n)
	}
	var av, bv []float64
	for i := range n {
		lo := i + 1
		if s.Full {
			lo = 0
		}
		for j := lo; j < n; j++ {
			if !s.Full && draw[i] == draw[j] {
				continue
			}
			av = append(av, a.At(draw[i], draw[j]))
			bv = append(bv, b.At(draw[i], draw[j]))
		}
	}
	return s.Stat(av, bv)
}

// parallel evaluates f(0..n-1) on all cores.
func parallel(n int, f func(k int) float64) []float64 {
	out := make([]float64, n)
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w; k < n; k += workers {
				out[k] = f(k)
			}
		}()
	}
	wg.Wait()
	return out
}
