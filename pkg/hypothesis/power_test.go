package hypothesis

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// TestFreedmanLaneIsCalibratedUnderSharedAccuracy: under the null of the
// hypothesis (no planted effect; brain-likeness and robustness both depend
// on clean accuracy, with the default measurement noise) over 1000
// simulated studies of 35 models, the Freedman-Lane test with the
// covariates rejects at most 5% plus three binomial standard errors, and
// its 1000 p-values pass a KS test against the uniform (p > 0.01). The
// naive statistic the study used before, Spearman's rho of brain-likeness
// and robustness without covariates, rejects far more than 5% on the same
// data: the shared dependence on accuracy is what the covariates remove.
func TestFreedmanLaneIsCalibratedUnderSharedAccuracy(t *testing.T) {
	const runs, models, perms = 1000, 35, 999
	sim := NewSimulation(models, 0, ReferenceImages, 3)
	ps, naive := make([]float64, runs), make([]float64, runs)
	parallel.For(runs, func(run int) {
		rng := rand.New(rand.NewPCG(1, uint64(run)))
		s := sim.Draw(rng)
		_, p, err := FreedmanLaneP(s, perms, rng)
		if err != nil {
			panic(err)
		}
		ps[run] = p
		_, naive[run] = stats.SpearmanTest(s.Robustness, s.Brain)
	})
	rate := func(p []float64) float64 {
		k := 0
		for _, v := range p {
			if v < Alpha {
				k++
			}
		}
		return float64(k) / float64(len(p))
	}
	tol := 3 * math.Sqrt(Alpha*(1-Alpha)/runs)
	fl, sp := rate(ps), rate(naive)
	d, ksP := stats.KSUniform(ps)
	t.Logf("null, %d models, %d runs: Freedman-Lane rejects %.3f (KS D %.4f, p %.3f); naive Spearman rejects %.3f", models, runs, fl, d, ksP, sp)
	if fl > Alpha+tol {
		t.Errorf("Freedman-Lane rejects %.3f of null runs, more than %.3f", fl, Alpha+tol)
	}
	if ksP <= 0.01 {
		t.Errorf("Freedman-Lane p-values are not uniform under the null: KS D %.4f, p %.4f", d, ksP)
	}
	if sp < 4*Alpha {
		t.Errorf("naive Spearman rejects only %.3f of the confounded null runs: the null does not share accuracy", sp)
	}
}

// TestPowerMatchesFisherZ: with no measurement noise the power at a
// planted partial correlation of 0.5 among 35 models agrees with the Fisher
// z closed form Φ(sqrt(n-k-3)·atanh(r) - 1.96) within three Monte-Carlo
// standard errors.
func TestPowerMatchesFisherZ(t *testing.T) {
	const runs = 1000
	sim := NewSimulation(35, 0.5, ReferenceImages, 3)
	sim.Noise = 0
	got, err := sim.Power(runs, 199, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := FisherPower(0.5, 35, 2)
	se := math.Sqrt(want * (1 - want) / runs)
	t.Logf("power at r = 0.5, 35 models, no noise: %.3f [%.3f, %.3f], Fisher z %.3f", got.Power, got.Low, got.High, want)
	if math.Abs(got.Power-want) > 3*se {
		t.Errorf("power %.3f, Fisher z %.3f (3 SE = %.3f)", got.Power, want, 3*se)
	}
	if !(got.Low <= got.Power && got.Power <= got.High) {
		t.Errorf("Wilson interval [%v, %v] misses %v", got.Low, got.High, got.Power)
	}
}

// TestPowerGrowsWithModelsAndEffect: with the default noise, more models
// and a larger effect give more power; 5 models with two covariates give
// none (the design has no degrees of freedom left for the test).
func TestPowerGrowsWithModelsAndEffect(t *testing.T) {
	const runs = 400
	power := func(effect float64, models int) float64 {
		r, err := Power(effect, models, ReferenceImages, 3, runs, 99, 5)
		if err != nil {
			t.Fatal(err)
		}
		return r.Power
	}
	p5, p15, p35, p35big := power(0.3, 5), power(0.3, 15), power(0.3, 35), power(0.6, 35)
	t.Logf("power (default noise, %d runs): r 0.3: 5 models %.3f, 15 %.3f, 35 %.3f; r 0.6, 35 models %.3f", runs, p5, p15, p35, p35big)
	if p5 != 0 || !(p15 < p35 && p35 < p35big) {
		t.Errorf("power not increasing: %.3f, %.3f, %.3f, %.3f", p5, p15, p35, p35big)
	}
	if _, err := Power(1, 35, 114, 3, 10, 99, 1); err == nil {
		t.Error("effect 1: no error")
	}
}

// TestNoiseRatioFromIntervals recovers a planted noise ratio from
// per-model intervals, and NoiseScales inverts NoiseRatio.
func TestNoiseRatioFromIntervals(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const n, ratio, z = 4000, 0.5, 1.959963984540054
	est, lo, hi := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range est {
		est[i] = 3 + 2*rng.NormFloat64() + ratio*2*rng.NormFloat64()
		lo[i], hi[i] = est[i]-z*ratio*2, est[i]+z*ratio*2
	}
	got, err := NoiseRatioFromIntervals(est, lo, hi, 0.95)
	if err != nil || math.Abs(got-ratio) > 0.03 {
		t.Errorf("ratio %v %v, planted %v", got, err, ratio)
	}
	sImg, sSeed := NoiseScales(0.4, 0.2, 60, 5)
	if r := NoiseRatio(60, 5, sImg, 0); math.Abs(r-0.4) > 1e-12 {
		t.Errorf("images: %v", r)
	}
	if r := NoiseRatio(ReferenceImages, 5, 0, sSeed); math.Abs(r-0.2) > 1e-12 {
		t.Errorf("seeds: %v", r)
	}
	if _, err := NoiseRatioFromIntervals([]float64{1, 2, 3}, []float64{-9, -9, -9}, []float64{9, 9, 9}, 0.95); err == nil {
		t.Error("noise larger than the spread: no error")
	}
}
