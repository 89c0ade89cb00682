package hypothesis

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// Names of the regression's covariates, the sides of the brain it
// compares with, and its verdicts (results.json's words).
const (
	// CleanAccuracy is the clean balanced accuracy covariate: a model that
	// classifies better may look both more brain-like and more robust.
	CleanAccuracy = "clean_balanced_accuracy"
	// LogParams is the log10 parameter count covariate.
	LogParams = "log10_parameters"

	// BrainDecoder compares each model with the fMRI decoder's RSM;
	// BrainVoxels with the voxels' own.
	BrainDecoder = "decoder"
	BrainVoxels  = "voxels"

	Supported    = "supported"
	NotSupported = "not supported"
	Underpowered = "underpowered"
)

// Thresholds of the verdict.
const (
	// Alpha is the two-sided level of the Freedman-Lane test.
	Alpha = 0.05
	// Power80 is the power the minimum detectable effect is computed at.
	Power80 = 0.8
	// MaxDetectableEffect is the largest minimum detectable effect (a
	// partial correlation) a design may have and still be tested: Cohen's
	// "large" correlation. A design whose smallest detectable effect is
	// larger cannot detect even a large effect with 80% power, so a
	// non-significant result says nothing and a significant one is likely
	// inflated (the winner's curse): its verdict is Underpowered. With two
	// covariates that takes at least 32 models.
	MaxDetectableEffect = 0.5
	// MaxDroppedFraction is the largest share of bootstrap replicates that
	// may be degenerate (a resample of models whose design is singular)
	// before the interval is undefined, as in rsa.Interval: an interval from
	// the resamples that happened to be fit is not the sampling distribution.
	MaxDroppedFraction = 0.1
	// collinear is the least norm of a column after removing what the
	// earlier columns explain, relative to its centred norm (x: after the
	// intercept and covariates), for the design to count as full rank: a
	// variance inflation factor up to 1e16 is kept, anything closer to
	// collinear is rounding noise. The same bound applies to the residual
	// norm of y relative to its centred norm (an exact fit).
	collinear = 1e-8
	// tieTolerance is the relative margin within which a permuted |t|
	// counts as reaching the observed one (the identity permutation gives
	// the observed t to rounding).
	tieTolerance = 1e-10
)

// ErrDegenerate marks data the regression cannot fit: too few models for
// the parameters, a constant or collinear column, a non-finite value, an
// exact fit. The wrapping error says which.
var ErrDegenerate = errors.New("degenerate regression")

// Sample is the per-model values the cross-model regression relates, in
// one order of models in every slice: the data, or one bootstrap
// replicate's measures of the same models.
type Sample struct {
	Brain      []float64   // y: brain-likeness (e.g. within-class Spearman with the reference)
	Robustness []float64   // x: robustness (higher or lower is more robust, per the measure)
	Covariates [][]float64 // per covariate (in the order of its names), per model
}

// OLS is the least-squares fit of y on an intercept, the covariates and x.
type OLS struct {
	Models int
	// Slope is x's coefficient in the units of x and y.
	Slope float64
	// Coef is the standardized coefficient of x: Slope·SD(x)/SD(y), the
	// coefficient with x and y z-scored. The covariates enter as they are:
	// their scaling changes neither x's coefficient, nor its t, nor the
	// partial correlation.
	Coef float64
	// T is Slope over its standard error, sqrt(RSS/DF / ||x_res||²),
	// x_res being x after the intercept and covariates.
	T  float64
	DF int // models - parameters (intercept, covariates, x)
	// Partial is the partial correlation of y and x given the covariates:
	// the correlation of their residuals on intercept and covariates,
	// T/sqrt(T²+DF).
	Partial float64
}

// fit is an OLS fit kept for permutations: the design's orthonormal basis
// (intercept, covariates, x last, by Gram-Schmidt) and y's residuals on
// the reduced model (intercept and covariates).
type fit struct {
	OLS
	q       [][]float64
	reduced []float64
}

// Fit fits y = Brain on an intercept, the covariates and x = Robustness by
// least squares. An error wraps ErrDegenerate when the data cannot be fit
// (see ErrDegenerate; fewer models than parameters + 2 is one), or says
// the slices' lengths disagree.
func Fit(s Sample) (OLS, error) {
	f, err := newFit(s, nil)
	if err != nil {
		return OLS{}, err
	}
	return f.OLS, nil
}

func newFit(s Sample, names []string) (*fit, error) {
	n := len(s.Brain)
	if len(s.Robustness) != n {
		return nil, fmt.Errorf("hypothesis: %d brain-likeness values, %d robustness values", n, len(s.Robustness))
	}
	covName := func(j int) string {
		if j < len(names) {
			return fmt.Sprintf("%q", names[j])
		}
		return fmt.Sprintf("%d", j)
	}
	for j, c := range s.Covariates {
		if len(c) != n {
			return nil, fmt.Errorf("hypothesis: covariate %s has %d values for %d models", covName(j), len(c), n)
		}
	}
	k := len(s.Covariates)
	p := k + 2
	if n < p+2 {
		return nil, fmt.Errorf("%w: %s for %d parameters (intercept, %s, robustness): need at least %d", ErrDegenerate, count(n, "model"), p, count(k, "covariate"), p+2)
	}
	finite := func(what string, v []float64) error {
		for i, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%w: %s of model %d is %v", ErrDegenerate, what, i, x)
			}
		}
		return nil
	}
	if err := finite("brain-likeness", s.Brain); err != nil {
		return nil, err
	}
	if err := finite("robustness", s.Robustness); err != nil {
		return nil, err
	}
	for j, c := range s.Covariates {
		if err := finite("covariate "+covName(j), c); err != nil {
			return nil, err
		}
	}
	f := &fit{q: make([][]float64, 0, p)}
	ones := make([]float64, n)
	for i := range ones {
		ones[i] = 1
	}
	cols := append(append([][]float64{ones}, s.Covariates...), s.Robustness)
	var normX float64 // x's norm after the intercept and covariates
	for j, c := range cols {
		v := slices.Clone(c)
		ref := math.Sqrt(float64(n))
		if j > 0 {
			ref = centredNorm(c)
		}
		what := "robustness"
		if j > 0 && j <= k {
			what = "covariate " + covName(j-1)
		}
		if j > 0 && constant(c) {
			return nil, fmt.Errorf("%w: %s is constant across models", ErrDegenerate, what)
		}
		for range 2 { // twice: Gram-Schmidt loses orthogonality once
			for _, q := range f.q {
				axpy(-dot(q, v), q, v)
			}
		}
		norm := math.Sqrt(dot(v, v))
		if norm <= collinear*ref {
			if j == len(cols)-1 {
				return nil, fmt.Errorf("%w: robustness is collinear with the intercept and the covariates", ErrDegenerate)
			}
			return nil, fmt.Errorf("%w: %s is collinear with the intercept and the covariates before it", ErrDegenerate, what)
		}
		for i := range v {
			v[i] /= norm
		}
		f.q = append(f.q, v)
		normX = norm
	}
	tss := centredNorm(s.Brain)
	if constant(s.Brain) {
		return nil, fmt.Errorf("%w: brain-likeness is constant across models", ErrDegenerate)
	}
	f.reduced = slices.Clone(s.Brain)
	for _, q := range f.q[:p-1] {
		axpy(-dot(q, f.reduced), q, f.reduced)
	}
	t, qxy, rss := f.t(f.reduced, make([]float64, n))
	if math.Sqrt(rss) <= collinear*tss {
		return nil, fmt.Errorf("%w: the covariates and robustness fit brain-likeness exactly", ErrDegenerate)
	}
	f.Models, f.DF, f.T = n, n-p, t
	f.Slope = qxy / normX
	f.Coef = f.Slope * stats.SD(s.Robustness) / stats.SD(s.Brain)
	f.Partial = qxy / math.Sqrt(qxy*qxy+rss)
	return f, nil
}

// t is x's t statistic in the full model's fit of ŷ_Z + v, ŷ_Z being the
// reduced model's fitted values and v its residuals (permuted or not),
// with x's coordinate qxy in the basis and the full model's residual sum of
// squares. ŷ_Z lies in the span of the basis, so it changes neither and
// only v is needed; buf holds the residuals.
func (f *fit) t(v, buf []float64) (t, qxy, rss float64) {
	copy(buf, v)
	for _, q := range f.q {
		c := dot(q, buf)
		axpy(-c, q, buf)
		qxy = c // the last column is x
	}
	rss = dot(buf, buf)
	df := float64(len(v) - len(f.q))
	return qxy / math.Sqrt(rss/df), qxy, rss
}

// FreedmanLane is the Freedman-Lane permutation test of x's coefficient
// (Freedman & Lane 1983; Winkler et al. 2014, NeuroImage 92:381): the
// reduced model y ~ intercept + covariates is fit, its residuals are
// permuted by each of perms (perms[j][i] is the model whose residual model
// i gets) and added back to its fitted values, the full model is refit and
// the statistic is x's t (pivotal, as Winkler et al. recommend). It
// returns the fit, the permuted t's and the two-sided
// p = (1 + #{|t*| >= |t|}) / (1 + len(perms)), |t*| counting as reaching
// |t| within a relative 1e-10. Errors as Fit's.
func FreedmanLane(s Sample, perms [][]int) (OLS, []float64, float64, error) {
	f, err := newFit(s, nil)
	if err != nil {
		return OLS{}, nil, math.NaN(), err
	}
	n := f.Models
	v, buf := make([]float64, n), make([]float64, n)
	null := make([]float64, len(perms))
	hits := 0
	for j, perm := range perms {
		if len(perm) != n {
			return OLS{}, nil, math.NaN(), fmt.Errorf("hypothesis: permutation %d has %d entries for %d models", j, len(perm), n)
		}
		for i, from := range perm {
			v[i] = f.reduced[from]
		}
		null[j], _, _ = f.t(v, buf)
		if reaches(null[j], f.T) {
			hits++
		}
	}
	return f.OLS, null, float64(1+hits) / float64(1+len(perms)), nil
}

// FreedmanLaneP is FreedmanLane over permutations random permutations
// drawn from rng (uniform, independent, the identity not excluded), without
// keeping them.
func FreedmanLaneP(s Sample, permutations int, rng *rand.Rand) (OLS, float64, error) {
	f, err := newFit(s, nil)
	if err != nil {
		return OLS{}, math.NaN(), err
	}
	return f.OLS, f.permutationP(permutations, rng), nil
}

func (f *fit) permutationP(permutations int, rng *rand.Rand) float64 {
	n := f.Models
	v, buf := slices.Clone(f.reduced), make([]float64, n)
	hits := 0
	for range permutations {
		// A Fisher-Yates shuffle of any arrangement is uniform, so the
		// previous permutation's order is a fine start.
		for i := n - 1; i > 0; i-- {
			j := rng.IntN(i + 1)
			v[i], v[j] = v[j], v[i]
		}
		if t, _, _ := f.t(v, buf); reaches(t, f.T) {
			hits++
		}
	}
	return float64(1+hits) / float64(1+permutations)
}

func reaches(tPerm, t float64) bool {
	return math.Abs(tPerm) >= math.Abs(t)*(1-tieTolerance)
}

// MinDetectableEffect is the smallest partial correlation a two-sided test
// at level Alpha detects with 80% power among n models with k covariates,
// by the Fisher z approximation (the z of a partial correlation has
// standard error 1/sqrt(n-k-3)): tanh((z_{1-α/2} + z_{0.8}) / sqrt(n-k-3)).
// It is +Inf (null in JSON) when n-k-3 <= 0: no effect is detectable.
func MinDetectableEffect(n, k int) float64 {
	df := n - k - 3
	if df <= 0 {
		return math.Inf(1)
	}
	z := distuv.UnitNormal.Quantile(1-Alpha/2) + distuv.UnitNormal.Quantile(Power80)
	return math.Tanh(z / math.Sqrt(float64(df)))
}

// ModelsNeeded is the fewest models whose minimum detectable effect, with k
// covariates, is at most MaxDetectableEffect.
func ModelsNeeded(k int) int {
	n := k + 4
	for MinDetectableEffect(n, k) > MaxDetectableEffect {
		n++
	}
	return n
}

// FisherPower is the power of the two-sided level-Alpha test of a partial
// correlation r among n models with k covariates, by the Fisher z
// approximation: Φ(sqrt(n-k-3)·atanh(|r|) - z_{1-α/2}) (the far tail
// ignored); NaN when n-k-3 <= 0.
func FisherPower(r float64, n, k int) float64 {
	df := n - k - 3
	if df <= 0 {
		return math.NaN()
	}
	return distuv.UnitNormal.CDF(math.Sqrt(float64(df))*math.Atanh(math.Abs(r)) - distuv.UnitNormal.Quantile(1-Alpha/2))
}

// Regression is the cross-model regression of brain-likeness on robustness
// with models as the sampling unit, and its verdict. Numbers that are
// undefined are NaN, null in JSON.
type Regression struct {
	Distortion        string   `json:"distortion,omitempty"`
	RobustnessMeasure string   `json:"robustness_measure"`
	BrainSide         string   `json:"brain_side"` // BrainDecoder or BrainVoxels
	Covariates        []string `json:"covariates"`
	Models            int      `json:"n_models"`
	// Coef is x's standardized coefficient (Fit's OLS.Coef), with its
	// percentile bootstrap interval at Level.
	Coef    jsonnum.Float `json:"coef"`
	Low     jsonnum.Float `json:"ci_low"`
	High    jsonnum.Float `json:"ci_high"`
	Level   float64       `json:"level"`
	Partial jsonnum.Float `json:"partial_r"`
	T       jsonnum.Float `json:"t"`
	// P is the Freedman-Lane two-sided p; PHolm the same adjusted by Holm
	// over the family the verdicts were decided in (P itself for a family
	// of one; see HolmFamily).
	P            jsonnum.Float `json:"p_freedman_lane"`
	PHolm        jsonnum.Float `json:"p_holm"`
	Permutations int           `json:"permutations"`
	// Bootstraps counts the replicates fit; Dropped those whose resample
	// was degenerate.
	Bootstraps int `json:"bootstraps"`
	Dropped    int `json:"bootstraps_dropped"`
	// Censored counts the models whose robustness is censored (a half level
	// never reached: the last level stands in for a larger value), which
	// pulls the coefficient toward 0.
	Censored int    `json:"censored"`
	Expected string `json:"expected_sign"` // "positive" or "negative"
	// MDE is MinDetectableEffect for these models and covariates.
	MDE     jsonnum.Float `json:"min_detectable_effect"`
	Verdict string        `json:"verdict"`
	// Reason says why the verdict is not Supported; Note why a number is
	// undefined (degenerate data, degenerate resamples).
	Reason string `json:"reason,omitempty"`
	Note   string `json:"note,omitempty"`
}

// RegressionInput is a cross-model regression to run.
type RegressionInput struct {
	Data       Sample
	Covariates []string // names of Data.Covariates, in order (CleanAccuracy, LogParams, ...)
	// RobustnessMeasure names x (AUC, NormalizedDrop, ...); BrainSide is
	// BrainDecoder or BrainVoxels.
	RobustnessMeasure string
	BrainSide         string
	// Expected is the sign of x's coefficient the hypothesis predicts
	// (more robust, more brain-like): "positive" or "negative". Empty takes
	// it from RobustnessMeasure as the correlation tests do (positive for
	// AUC, where higher is more robust, negative for NormalizedDrop, where
	// lower is); a measure outside RobustnessMeasures needs it.
	Expected string
	// Replicates are the joint bootstrap's replicates (images within
	// classes and seeds resampled, as Run draws them): each holds every
	// model's measures on that replicate, and is resampled over models once
	// more. Without them Bootstraps replicates resample the models of Data
	// only; with them, Bootstraps must be 0 or len(Replicates).
	Replicates []Sample
	// Bootstraps is the number of model resamples without Replicates (0:
	// no interval, so no Supported verdict).
	Bootstraps   int
	Permutations int     // of the Freedman-Lane test; 0: no p, and no verdict but Underpowered or NotSupported
	Level        float64 // of the interval, e.g. 0.95
	Seed         uint64
}

// Regress fits brain-likeness on robustness and the covariates across
// models (Fit), tests x's coefficient by Freedman-Lane (FreedmanLaneP with
// Permutations permutations), sets a percentile interval on the
// standardized coefficient from the bootstrap over models (each replicate
// resamples the models with replacement, of Data or of its replicate's
// measures, and refits; degenerate resamples are dropped and counted), and
// decides the verdict:
//   - Underpowered when MinDetectableEffect exceeds MaxDetectableEffect
//     (or is infinite): whatever the data say;
//   - Supported when p < Alpha, the interval excludes 0 and the
//     coefficient has the Expected sign;
//   - NotSupported otherwise, Reason saying which condition failed.
//
// Data that cannot be fit (ErrDegenerate) give NaN numbers and a Reason,
// not an error; inconsistent inputs (lengths, names, an unknown side or
// sign) are an error. The permutations and each replicate draw from PCG
// streams of Seed: the result does not depend on the number of cores.
func Regress(in RegressionInput) (Regression, error) {
	if err := in.check(); err != nil {
		return Regression{}, err
	}
	nan := jsonnum.Float(math.NaN())
	n, k := len(in.Data.Brain), len(in.Covariates)
	r := Regression{RobustnessMeasure: in.RobustnessMeasure, BrainSide: in.BrainSide, Covariates: slices.Clone(in.Covariates),
		Models: n, Coef: nan, Low: nan, High: nan, Level: in.Level, Partial: nan, T: nan, P: nan, PHolm: nan,
		Expected: in.Expected, MDE: jsonnum.Float(MinDetectableEffect(n, k))}
	if r.Expected == "" {
		r.Expected = expectedSign[in.RobustnessMeasure]
	}
	if r.Covariates == nil {
		r.Covariates = []string{}
	}
	f, err := newFit(in.Data, in.Covariates)
	if err != nil {
		if !errors.Is(err, ErrDegenerate) {
			return Regression{}, err
		}
		r.Note = err.Error()
		r.decide()
		return r, nil
	}
	r.Coef, r.Partial, r.T = jsonnum.Float(f.Coef), jsonnum.Float(f.Partial), jsonnum.Float(f.T)
	if in.Permutations > 0 {
		r.Permutations = in.Permutations
		r.P = jsonnum.Float(f.permutationP(in.Permutations, rand.New(rand.NewPCG(in.Seed, 1<<63))))
		r.PHolm = r.P
	}
	boots := in.Bootstraps
	if len(in.Replicates) > 0 {
		boots = len(in.Replicates)
	}
	reps := make([]float64, boots)
	parallel.For(boots, func(b int) {
		src := in.Data
		if len(in.Replicates) > 0 {
			src = in.Replicates[b]
		}
		rng := rand.New(rand.NewPCG(in.Seed, uint64(b)|1<<62))
		draw := make([]int, n)
		for i := range draw {
			draw[i] = rng.IntN(n)
		}
		reps[b] = math.NaN()
		if g, err := newFit(resample(src, draw), nil); err == nil {
			reps[b] = g.Coef
		}
	})
	kept := slices.DeleteFunc(reps, math.IsNaN)
	r.Bootstraps, r.Dropped = len(kept), boots-len(kept)
	if boots > 0 {
		if len(kept) == 0 || float64(r.Dropped) > MaxDroppedFraction*float64(boots) {
			r.Note = fmt.Sprintf("%d of %d bootstrap resamples of the models were degenerate: no interval", r.Dropped, boots)
		} else {
			alpha := (1 - in.Level) / 2 * 100
			r.Low, r.High = jsonnum.Float(stats.Percentile(kept, alpha)), jsonnum.Float(stats.Percentile(kept, 100-alpha))
		}
	}
	r.decide()
	return r, nil
}

// decide sets the verdict from the MDE, PHolm, the interval and the sign,
// and Reason when it is not Supported.
func (r *Regression) decide() {
	mde := float64(r.MDE)
	if math.IsInf(mde, 0) || math.IsNaN(mde) || mde > MaxDetectableEffect {
		r.Verdict = Underpowered
		r.Reason = fmt.Sprintf("%s with %s: the smallest partial correlation detectable with 80%% power is %.2f, over %.2f",
			count(r.Models, "model"), count(len(r.Covariates), "covariate"), mde, MaxDetectableEffect)
		if math.IsInf(mde, 0) {
			r.Reason = fmt.Sprintf("%s with %s leave no degrees of freedom for the partial correlation (n - k - 3 = %d)",
				count(r.Models, "model"), count(len(r.Covariates), "covariate"), r.Models-len(r.Covariates)-3)
		}
		return
	}
	p, coef, lo, hi := float64(r.PHolm), float64(r.Coef), float64(r.Low), float64(r.High)
	var why []string
	switch {
	case math.IsNaN(p):
		why = append(why, "no p-value")
	case p >= Alpha:
		why = append(why, fmt.Sprintf("p = %.3g, not below %g", p, Alpha))
	}
	switch {
	case math.IsNaN(lo) || math.IsNaN(hi):
		why = append(why, "no interval")
	case lo <= 0 && hi >= 0:
		why = append(why, fmt.Sprintf("the interval [%.3g, %.3g] includes 0", lo, hi))
	}
	if sign := map[bool]string{true: "positive", false: "negative"}[coef > 0]; !math.IsNaN(coef) && sign != r.Expected {
		why = append(why, fmt.Sprintf("the coefficient is %s, the hypothesis predicts %s", sign, r.Expected))
	}
	r.Verdict, r.Reason = Supported, strings.Join(why, "; ")
	if len(why) > 0 {
		r.Verdict = NotSupported
	}
}

// count is n with its noun, plural unless n is 1.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// HolmFamily adjusts the Freedman-Lane p-values of regressions that form
// one family (e.g. every robustness measure and brain side of a study) by
// Holm's step-down method (stats.Holm), stores them in PHolm and decides
// the verdicts again on the adjusted p-values.
func HolmFamily(rs []Regression) {
	ps := make([]float64, len(rs))
	for i, r := range rs {
		ps[i] = float64(r.P)
	}
	for i, p := range stats.Holm(ps) {
		rs[i].PHolm = jsonnum.Float(p)
		rs[i].decide()
	}
}

func (in RegressionInput) check() error {
	if in.BrainSide != BrainDecoder && in.BrainSide != BrainVoxels {
		return fmt.Errorf("hypothesis: brain side %q: want %q or %q", in.BrainSide, BrainDecoder, BrainVoxels)
	}
	switch in.Expected {
	case "positive", "negative":
	case "":
		if expectedSign[in.RobustnessMeasure] == "" {
			return fmt.Errorf("hypothesis: robustness measure %q: no expected sign known, set Expected", in.RobustnessMeasure)
		}
	default:
		return fmt.Errorf("hypothesis: expected sign %q: want positive or negative", in.Expected)
	}
	if len(in.Covariates) != len(in.Data.Covariates) {
		return fmt.Errorf("hypothesis: %d covariate names for %d covariates", len(in.Covariates), len(in.Data.Covariates))
	}
	if in.Permutations < 0 || in.Bootstraps < 0 {
		return fmt.Errorf("hypothesis: negative permutations (%d) or bootstraps (%d)", in.Permutations, in.Bootstraps)
	}
	if len(in.Replicates) > 0 && in.Bootstraps != 0 && in.Bootstraps != len(in.Replicates) {
		return fmt.Errorf("hypothesis: %d bootstraps asked with %d replicates", in.Bootstraps, len(in.Replicates))
	}
	if (in.Bootstraps > 0 || len(in.Replicates) > 0) && !(in.Level > 0 && in.Level < 1) {
		return fmt.Errorf("hypothesis: confidence level %v outside (0, 1)", in.Level)
	}
	n := len(in.Data.Brain)
	for b, s := range in.Replicates {
		if len(s.Brain) != n || len(s.Robustness) != n || len(s.Covariates) != len(in.Covariates) {
			return fmt.Errorf("hypothesis: replicate %d: %d brain, %d robustness values and %d covariates, want %d, %d and %d",
				b, len(s.Brain), len(s.Robustness), len(s.Covariates), n, n, len(in.Covariates))
		}
		for j, c := range s.Covariates {
			if len(c) != n {
				return fmt.Errorf("hypothesis: replicate %d: covariate %q has %d values for %d models", b, in.Covariates[j], len(c), n)
			}
		}
	}
	return nil
}

// resample is s with model i replaced by model draw[i].
func resample(s Sample, draw []int) Sample {
	pick := func(v []float64) []float64 {
		out := make([]float64, len(draw))
		for i, d := range draw {
			out[i] = v[d]
		}
		return out
	}
	out := Sample{Brain: pick(s.Brain), Robustness: pick(s.Robustness)}
	for _, c := range s.Covariates {
		out.Covariates = append(out.Covariates, pick(c))
	}
	return out
}

// constant reports whether x varies by no more than rounding: its centred
// norm is within collinear of its norm.
func constant(x []float64) bool {
	return centredNorm(x) <= collinear*math.Sqrt(dot(x, x))
}

func centredNorm(x []float64) float64 {
	m, ss := stats.Mean(x), 0.0
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss)
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

// axpy sets y += a·x.
func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += a * x[i]
	}
}
