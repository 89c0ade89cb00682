package hypothesis

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// The simulator's defaults. They are placeholders until a study's own
// numbers replace them: DefaultImageNoise and DefaultSeedNoise from its
// per-model bootstrap intervals (NoiseRatioFromIntervals on an images-only
// and a seeds-only bootstrap, then NoiseScales), the correlations from its
// models' clean accuracies, robustness and sizes.
const (
	// ReferenceImages is the number of test images the noise scales refer
	// to: the real test split's 114 of 120 images after the class filter.
	ReferenceImages = 114
	// DefaultImageNoise is the standard deviation of a model's measured
	// brain-likeness over resamples of ReferenceImages test images,
	// relative to the between-model standard deviation of its true value.
	// 0.5 is a placeholder, not a measurement (noise half the models'
	// spread): replace it with NoiseRatioFromIntervals of a study's
	// images-only bootstrap, through NoiseScales.
	DefaultImageNoise = 0.5
	// DefaultSeedNoise is the same over training seeds of the heads, for
	// one seed; 0.3 is a placeholder as DefaultImageNoise (a seeds-only
	// bootstrap measures it), smaller on the guess that retraining a frozen
	// backbone's heads moves its RSM less than other images do.
	DefaultSeedNoise = 0.3
	// DefaultRobustnessAccuracy is the correlation across models of
	// robustness with clean accuracy (robustness tracks accuracy).
	DefaultRobustnessAccuracy = 0.6
	// DefaultParamsAccuracy is the correlation across models of log10
	// parameter count with clean accuracy.
	DefaultParamsAccuracy = 0.5
	// DefaultAccuracyEffect is clean accuracy's coefficient on true
	// brain-likeness (with unit-variance residual): 1 makes accuracy
	// explain half of brain-likeness's variance beyond robustness, so that
	// under the null brain-likeness and robustness share accuracy and a
	// test without the covariate is biased.
	DefaultAccuracyEffect = 1.0
)

// NoiseRatio is the standard deviation of a model's measured
// brain-likeness relative to the between-model standard deviation of the
// true one, for nImages test images and seeds training seeds:
// sqrt(sImg²·ReferenceImages/nImages + sSeed²/seeds) (the images' and the
// seeds' sampling variances add, each shrinking with its count).
func NoiseRatio(nImages, seeds int, sImg, sSeed float64) float64 {
	return math.Sqrt(sImg*sImg*ReferenceImages/float64(nImages) + sSeed*sSeed/float64(seeds))
}

// NoiseRatioFromIntervals estimates a study's noise ratio from its
// per-model estimates and percentile intervals at level (e.g. a
// ModelMeasures' WithinClass of every model): each interval's width over
// 2·z_{(1+level)/2} is the model's standard error, and the between-model
// variance of the true values is the estimates' variance less the mean
// squared standard error. It fails for fewer than 3 models, an interval
// that is not finite, or a spread no larger than the noise.
func NoiseRatioFromIntervals(est, low, high []float64, level float64) (float64, error) {
	if len(est) != len(low) || len(est) != len(high) {
		return math.NaN(), fmt.Errorf("hypothesis: %d estimates, %d lower and %d upper bounds", len(est), len(low), len(high))
	}
	if len(est) < 3 || !(level > 0 && level < 1) {
		return math.NaN(), fmt.Errorf("hypothesis: noise ratio from %d models at level %v: want 3 or more models and a level in (0, 1)", len(est), level)
	}
	z := distuv.UnitNormal.Quantile((1 + level) / 2)
	se2 := 0.0
	for i := range est {
		se := (high[i] - low[i]) / (2 * z)
		if math.IsNaN(se) || math.IsInf(se, 0) || se < 0 {
			return math.NaN(), fmt.Errorf("hypothesis: model %d: interval [%v, %v]", i, low[i], high[i])
		}
		se2 += se * se / float64(len(est))
	}
	sd := stats.SD(est)
	between := sd*sd - se2
	if !(between > 0) {
		return math.NaN(), fmt.Errorf("hypothesis: the models' spread (variance %.3g) is within their measurement noise (%.3g)", sd*sd, se2)
	}
	return math.Sqrt(se2 / between), nil
}

// NoiseScales converts the noise ratios of an images-only and a seeds-only
// bootstrap of a study with nImages test images and seeds seeds into the
// scales NoiseRatio takes (sImg refers to ReferenceImages images, sSeed to
// one seed).
func NoiseScales(imageRatio, seedRatio float64, nImages, seeds int) (sImg, sSeed float64) {
	return imageRatio * math.Sqrt(float64(nImages)/ReferenceImages), seedRatio * math.Sqrt(float64(seeds))
}

// Simulation is a model-level simulator of the cross-model design with a
// planted effect. Each model has clean accuracy a ~ N(0,1), robustness
// x = ρxa·a + sqrt(1-ρxa²)·N(0,1), log parameter count
// l = ρla·a + sqrt(1-ρla²)·N(0,1), true brain-likeness
// b = β·x + γ·a + N(0,1), and measured brain-likeness b + Noise·SD(b)·N(0,1),
// SD(b) being b's population standard deviation. β is set so that the
// population partial correlation of b and x given a and l is Effect
// (x and l are independent given a): β = r / sqrt((1-ρxa²)(1-r²)).
// The regression's covariates are a and l (CleanAccuracy, LogParams).
type Simulation struct {
	Models             int
	Effect             float64 // planted partial correlation, in (-1, 1)
	RobustnessAccuracy float64 // ρxa
	ParamsAccuracy     float64 // ρla
	AccuracyEffect     float64 // γ
	Noise              float64 // measurement noise SD over SD(b)
}

// NewSimulation is the simulator with the default correlations and the
// noise of nImages test images and seeds seeds at the default scales.
func NewSimulation(models int, effect float64, nImages, seeds int) Simulation {
	return Simulation{Models: models, Effect: effect, RobustnessAccuracy: DefaultRobustnessAccuracy,
		ParamsAccuracy: DefaultParamsAccuracy, AccuracyEffect: DefaultAccuracyEffect,
		Noise: NoiseRatio(nImages, seeds, DefaultImageNoise, DefaultSeedNoise)}
}

func (s Simulation) check() error {
	if s.Models < 1 || !(math.Abs(s.Effect) < 1) || !(math.Abs(s.RobustnessAccuracy) < 1) ||
		!(math.Abs(s.ParamsAccuracy) < 1) || !(s.Noise >= 0) || math.IsInf(s.Noise, 0) || math.IsNaN(s.AccuracyEffect) {
		return fmt.Errorf("hypothesis: simulation %+v: want models >= 1, |effect|, |correlations| < 1 and a finite noise >= 0", s)
	}
	return nil
}

// slope is β, the coefficient of x that plants Effect.
func (s Simulation) slope() float64 {
	r := s.Effect
	return r / math.Sqrt((1-s.RobustnessAccuracy*s.RobustnessAccuracy)*(1-r*r))
}

// Draw simulates one study's models.
func (s Simulation) Draw(rng *rand.Rand) Sample {
	n := s.Models
	beta, gamma, rxa, rla := s.slope(), s.AccuracyEffect, s.RobustnessAccuracy, s.ParamsAccuracy
	sdB := math.Sqrt(beta*beta + gamma*gamma + 2*beta*gamma*rxa + 1)
	a, l := make([]float64, n), make([]float64, n)
	out := Sample{Brain: make([]float64, n), Robustness: make([]float64, n), Covariates: [][]float64{a, l}}
	for i := range n {
		a[i] = rng.NormFloat64()
		x := rxa*a[i] + math.Sqrt(1-rxa*rxa)*rng.NormFloat64()
		l[i] = rla*a[i] + math.Sqrt(1-rla*rla)*rng.NormFloat64()
		b := beta*x + gamma*a[i] + rng.NormFloat64()
		out.Robustness[i] = x
		out.Brain[i] = b + s.Noise*sdB*rng.NormFloat64()
	}
	return out
}

// PowerResult is a Monte-Carlo power estimate: one row of power.json.
type PowerResult struct {
	Models int     `json:"n_models"`
	Images int     `json:"n_images"`
	Seeds  int     `json:"seeds"`
	Effect float64 `json:"effect"`
	Noise  float64 `json:"noise_ratio"`
	Power  float64 `json:"power"`   // share of runs with p < Alpha and the coefficient's sign the effect's (positive for 0)
	Low    float64 `json:"ci_low"`  // Wilson 95% interval of Power
	High   float64 `json:"ci_high"` //
	// Rejections is the share of runs with p < Alpha whatever the sign:
	// Alpha at effect 0 for a calibrated test (Power is then about Alpha/2).
	Rejections   float64 `json:"rejection_rate"`
	Runs         int     `json:"runs"`
	Permutations int     `json:"permutations"`
}

// Power estimates the power of the cross-model Freedman-Lane test with
// the default simulator (NewSimulation): the share of runs whose p is
// below Alpha with the expected (positive) sign. Runs are independent PCG
// streams of seed, computed on every core.
func Power(effect float64, nModels, nImages, seeds, runs, permutations int, seed uint64) (PowerResult, error) {
	if nImages < 1 || seeds < 1 {
		return PowerResult{}, fmt.Errorf("hypothesis: power with %d images and %d seeds", nImages, seeds)
	}
	r, err := NewSimulation(nModels, effect, nImages, seeds).Power(runs, permutations, seed)
	r.Images, r.Seeds = nImages, seeds
	return r, err
}

// Power is the package-level Power for this simulator. A run whose data
// cannot be fit (too few models for the covariates) does not reject.
func (s Simulation) Power(runs, permutations int, seed uint64) (PowerResult, error) {
	if err := s.check(); err != nil {
		return PowerResult{}, err
	}
	if runs < 1 || permutations < 1 {
		return PowerResult{}, fmt.Errorf("hypothesis: power over %d runs of %d permutations", runs, permutations)
	}
	want := 1.0
	if s.Effect < 0 {
		want = -1
	}
	hit := make([]bool, runs)      // rejected with the expected sign
	rejected := make([]bool, runs) // rejected
	parallel.For(runs, func(run int) {
		rng := rand.New(rand.NewPCG(seed, uint64(run)))
		f, err := newFit(s.Draw(rng), nil)
		if err != nil {
			return
		}
		if p := f.permutationP(permutations, rng); p < Alpha {
			rejected[run] = true
			hit[run] = f.Coef*want > 0
		}
	})
	k, rej := 0, 0
	for i := range hit {
		if hit[i] {
			k++
		}
		if rejected[i] {
			rej++
		}
	}
	lo, hi := wilson(k, runs, 0.95)
	return PowerResult{Models: s.Models, Effect: s.Effect, Noise: s.Noise, Power: float64(k) / float64(runs),
		Low: lo, High: hi, Rejections: float64(rej) / float64(runs), Runs: runs, Permutations: permutations}, nil
}

// wilson is the Wilson score interval at level of a binomial proportion
// k/n.
func wilson(k, n int, level float64) (lo, hi float64) {
	z := distuv.UnitNormal.Quantile((1 + level) / 2)
	p, nf := float64(k)/float64(n), float64(n)
	centre := (p + z*z/(2*nf)) / (1 + z*z/nf)
	half := z / (1 + z*z/nf) * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf))
	lo, hi = math.Max(0, centre-half), math.Min(1, centre+half)
	if k == 0 { // exact ends, not rounding noise around them
		lo = 0
	}
	if k == n {
		hi = 1
	}
	return lo, hi
}
