package stats

import (
	"math"
	"slices"
)

// KSUniform is the one-sample Kolmogorov-Smirnov test of x against the
// uniform distribution on [0, 1] (p-values under a null): the statistic
// D = sup |F_n(u) - u| and its p-value by Stephens' (1970) finite-n
// correction of the asymptotic distribution,
// KolmogorovSurvival((sqrt(n) + 0.12 + 0.11/sqrt(n))·D), within about 0.01
// of the exact p for n >= 8 (scipy.stats.kstest's method="exact").
// NaN values are left out; no value gives NaN.
func KSUniform(x []float64) (d, p float64) {
	s := slices.DeleteFunc(slices.Clone(x), math.IsNaN)
	n := len(s)
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	slices.Sort(s)
	for i, v := range s {
		u := math.Min(1, math.Max(0, v))
		d = math.Max(d, math.Max(float64(i+1)/float64(n)-u, u-float64(i)/float64(n)))
	}
	rn := math.Sqrt(float64(n))
	return d, KolmogorovSurvival((rn + 0.12 + 0.11/rn) * d)
}

// KolmogorovSurvival is P(K > lambda) for the Kolmogorov distribution, the
// limit of sqrt(n)·D: 2 Σ_{j>=1} (-1)^{j-1} exp(-2 j² λ²), or for small λ
// (where that series converges slowly) 1 - sqrt(2π)/λ Σ_{j>=1}
// exp(-(2j-1)² π² / (8 λ²)) (scipy.special.kolmogorov).
func KolmogorovSurvival(lambda float64) float64 {
	switch {
	case math.IsNaN(lambda):
		return math.NaN()
	case lambda <= 0:
		return 1
	case lambda < 1:
		s := 0.0
		for j := 1; j <= 20; j++ {
			k := float64(2*j - 1)
			s += math.Exp(-k * k * math.Pi * math.Pi / (8 * lambda * lambda))
		}
		return 1 - math.Sqrt(2*math.Pi)/lambda*s
	}
	s, sign := 0.0, 1.0
	for j := 1; j <= 100; j++ {
		term := math.Exp(-2 * float64(j*j) * lambda * lambda)
		s += sign * term
		if term < 1e-17*s {
			break
		}
		sign = -sign
	}
	return math.Min(1, 2*s)
}
