package hypothesis

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/metrics"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// Brain-likeness measures (x) and robustness measures (y) of the tests.
const (
	// WithinClass is the model's within-class Spearman with the reference
	// (the fMRI decoder): what the shared labels do not explain.
	WithinClass = string(rsa.WithinClassSpearman)
	// Raw is the Spearman over all pairs: confounded by the class structure
	// both sides were trained to have.
	Raw = string(rsa.Spearman)
	// NormalizedDrop is the drop in balanced accuracy from the first
	// (mildest; clean in the default sweeps) to the last level, divided by
	// the first level's distance from chance: 0 is no loss, 1 a fall to
	// chance. Lower is more robust.
	NormalizedDrop = "normalized_drop"
	// AUC is the area under the balanced-accuracy-vs-level curve divided by
	// the levels' span: the mean balanced accuracy along the sweep. Higher is
	// more robust.
	AUC = "auc"
	// HalfLevel is the distortion level at which balanced accuracy has
	// fallen halfway from its first (clean) level to chance, interpolated
	// linearly between the levels swept. Higher is more robust. Unlike the
	// normalised drop it does not saturate when every model ends at chance:
	// it says where each fell. A curve that never falls halfway is censored
	// at the last level (ModelMeasures.Censored says so); a first level at
	// chance leaves it undefined (NaN).
	HalfLevel = "half_level"
)

// RobustnessMeasures lists the robustness measures in the order of
// ModelMeasures.Robustness and of the tests.
var RobustnessMeasures = []string{NormalizedDrop, AUC, HalfLevel}

// expectedSign is the sign of the correlation the hypothesis predicts
// between brain-likeness and each robustness measure.
var expectedSign = map[string]string{NormalizedDrop: "negative", AUC: "positive", HalfLevel: "positive"}

// Curve is one model's predictions along one distortion.
type Curve struct {
	Distortion string
	Levels     []float64
	// Predictions[s][l][i] is seed s's predicted class of image i at level l
	// (images in the order of Input.Labels).
	Predictions [][][]int
}

// Model is one model's measurements, per training seed.
type Model struct {
	Name   string
	RSM    []rsa.Matrix // per seed, over the images of Input.Labels, in that order
	Curves []Curve      // one per distortion, in Input.Distortions' order
	// Params is the network's parameter count (backbone and head): the
	// cross-model regression's log10 size covariate (0: unknown, and the
	// covariate is left out).
	Params int64
}

// Input is everything the cross-model test resamples.
type Input struct {
	Labels    []int        // class of each test image
	Reference []rsa.Matrix // the fMRI decoder's RSM per seed (paired with the models' seeds)
	// Voxels is the voxels' own RSM over the same images (nil: none): a
	// second brain side, measured and regressed on robustness as the
	// decoder is (Result.Regressions with BrainSide BrainVoxels).
	Voxels      *rsa.Matrix
	Models      []Model // the models tested (degenerate ones already excluded)
	Distortions []string
	Bootstraps  int
	// Permutations of the cross-model regression's Freedman-Lane test (0:
	// no p-value).
	Permutations int
	Level        float64 // of the intervals, e.g. 0.95
	Seed         uint64
}

// Interval is an estimate with its bootstrap interval; an undefined number
// is NaN, null in JSON. The fields are in the order results.json has always
// had (alphabetical).
type Interval struct {
	High  jsonnum.Float `json:"ci_high"`
	Low   jsonnum.Float `json:"ci_low"`
	Value jsonnum.Float `json:"value"`
}

// interval is v with the percentile interval of its bootstrap replicates
// reps at level (NaN bounds without replicates).
func interval(v float64, reps []float64, level float64) Interval {
	out := Interval{Value: jsonnum.Float(v), Low: jsonnum.Float(math.NaN()), High: jsonnum.Float(math.NaN())}
	if len(reps) > 0 {
		lo, hi := rsa.Interval(reps, level)
		out.Low, out.High = jsonnum.Float(lo), jsonnum.Float(hi)
	}
	return out
}

// ModelMeasures are one model's coordinates in the tests, means over seeds
// with joint-bootstrap intervals.
type ModelMeasures struct {
	Name        string   `json:"model"`
	WithinClass Interval `json:"within_class_spearman"`
	// WithinClassVoxels is the within-class Spearman with the voxels' own
	// RSM (Input.Voxels; absent without it).
	WithinClassVoxels *Interval                      `json:"within_class_spearman_voxels,omitempty"`
	Raw               Interval                       `json:"spearman"`
	CleanBAcc         map[string]Interval            `json:"clean_balanced_accuracy"` // per distortion: its first level
	Robustness        map[string]map[string]Interval `json:"robustness"`              // distortion -> measure -> value
	// Censored: per distortion, the observed curve never fell halfway to
	// chance, so its HalfLevel is the last level swept (a lower bound).
	Censored map[string]bool `json:"half_level_censored,omitempty"`
}

// Test is one correlation across models.
type Test struct {
	Distortion string `json:"distortion"`
	Brain      string `json:"brain_measure"` // WithinClass or Raw
	Confounded bool   `json:"confounded"`    // the raw measure: shared labels drive it
	Robustness string `json:"robustness_measure"`
	// Rho is Spearman's rho across models, the interval from the joint
	// bootstrap.
	Rho Interval `json:"spearman_rho"`
	// Partial is rho controlling the first level's balanced accuracy (a
	// model that classifies better may look both more brain-like and more
	// robust).
	Partial Interval `json:"partial_rho_clean_accuracy"`
	// Supports says the direction the hypothesis predicts: negative rho for
	// the drop, positive for the AUC.
	Expected string `json:"expected_sign"`
	// P is rho's exact two-sided p (all n! orderings; NaN, null in JSON,
	// when undefined), last as results.json has always had it.
	P jsonnum.Float `json:"p_value"`
	// PHolm is P adjusted by Holm across the family of these tests.
	PHolm jsonnum.Float `json:"p_holm"`
}

// Difference is two models' difference in within-class Spearman.
type Difference struct {
	A    string   `json:"model_a"`
	B    string   `json:"model_b"`
	Diff Interval `json:"within_class_spearman_difference"`
	// P is the two-sided bootstrap p-value of a zero difference (twice the
	// smaller share of replicates on either side of 0, at least 1/(B+1));
	// PHolm adjusts it by Holm across all pairs.
	P     jsonnum.Float `json:"p_value"`
	PHolm jsonnum.Float `json:"p_holm"`
	// Distinguishable: the Holm-adjusted p is below 0.05.
	Distinguishable bool `json:"distinguishable"`
}

// Result is the cross-model analysis.
type Result struct {
	Models []ModelMeasures `json:"models"`
	// Regressions relate, with models as the unit, brain-likeness
	// (within-class Spearman with the reference) to robustness (HalfLevel)
	// under each distortion, controlling clean balanced accuracy and the
	// log parameter count (when every model's is known and they differ; a
	// covariate constant across the models is left out): Freedman-Lane p,
	// an interval from the joint bootstrap resampled over models, Holm
	// across the distortions within each brain side, and each one's
	// verdict.
	Regressions []Regression `json:"regressions"`
	Tests       []Test       `json:"tests"`
	Differences []Difference `json:"differences"`
	// SmallestP is the smallest two-sided p the exact test can give for
	// this many models (2/n!; NaN, null in JSON, for too few models).
	SmallestP jsonnum.Float `json:"smallest_p"`
}

// measures are one resample's (or the data's) coordinates of every model.
type measures struct {
	within, raw []float64      // per model
	voxels      []float64      // per model: within-class Spearman with the voxels (nil without them)
	clean       [][]float64    // per distortion, per model
	robust      [][3][]float64 // per distortion: [drop, auc, half level] per model
	censored    [][]bool       // per distortion, per model: half level not reached
}

// Run computes every model's measures, the correlations across models with
// exact p-values, and the joint bootstrap: each replicate resamples the test
// images within their classes (the same images for the RSMs and for the
// accuracies of every model) and the training seeds with replacement (the
// same seeds for the reference and every model), so the intervals carry
// both sources of variability.
func Run(in Input) (Result, error) {
	if err := in.check(); err != nil {
		return Result{}, err
	}
	n := len(in.Models)
	rs := in.resamplers()
	obs := in.measure(rs, nil, nil)
	var boots []measures
	if in.Bootstraps > 0 {
		boots = make([]measures, in.Bootstraps)
		strata := rsa.Strata(in.Labels, len(in.Labels))
		seeds := len(in.Reference)
		parallel.For(in.Bootstraps, func(b int) {
			rng := rand.New(rand.NewPCG(in.Seed, uint64(b)|1<<61))
			draw := rsa.Draw(strata, len(in.Labels), rng)
			seedDraw := make([]int, seeds)
			for s := range seedDraw {
				seedDraw[s] = rng.IntN(seeds)
			}
			boots[b] = in.measure(rs, draw, seedDraw)
		})
	}
	ci := func(v float64, f func(m measures) float64) Interval {
		reps := make([]float64, len(boots))
		for b, m := range boots {
			reps[b] = f(m)
		}
		return interval(v, reps, in.Level)
	}
	var res Result
	res.SmallestP = jsonnum.Float(math.NaN())
	if n >= 2 && n <= 9 {
		res.SmallestP = jsonnum.Float(2 / factorial(n))
	}
	for k, m := range in.Models {
		mm := ModelMeasures{Name: m.Name, CleanBAcc: map[string]Interval{}, Robustness: map[string]map[string]Interval{}}
		mm.WithinClass = ci(obs.within[k], func(b measures) float64 { return b.within[k] })
		mm.Raw = ci(obs.raw[k], func(b measures) float64 { return b.raw[k] })
		if obs.voxels != nil {
			v := ci(obs.voxels[k], func(b measures) float64 { return b.voxels[k] })
			mm.WithinClassVoxels = &v
		}
		for d, name := range in.Distortions {
			mm.CleanBAcc[name] = ci(obs.clean[d][k], func(b measures) float64 { return b.clean[d][k] })
			mm.Robustness[name] = map[string]Interval{}
			for r, measure := range RobustnessMeasures {
				mm.Robustness[name][measure] = ci(obs.robust[d][r][k], func(b measures) float64 { return b.robust[d][r][k] })
			}
			if obs.censored[d][k] {
				if mm.Censored == nil {
					mm.Censored = map[string]bool{}
				}
				mm.Censored[name] = true
			}
		}
		res.Models = append(res.Models, mm)
	}
	for d, name := range in.Distortions {
		for _, brain := range []string{WithinClass, Raw} {
			for r, robust := range RobustnessMeasures {
				x := func(m measures) []float64 {
					if brain == Raw {
						return m.raw
					}
					return m.within
				}
				y := func(m measures) []float64 { return m.robust[d][r] }
				z := func(m measures) []float64 { return m.clean[d] }
				t := Test{Distortion: name, Brain: brain, Confounded: brain == Raw, Robustness: robust,
					Expected: expectedSign[robust], P: jsonnum.Float(math.NaN())}
				rho := math.NaN()
				if n >= 3 {
					var p float64
					rho, p = stats.SpearmanTest(x(obs), y(obs))
					t.P = jsonnum.Float(p)
				}
				t.Rho = ci(rho, func(m measures) float64 { return spearman(x(m), y(m)) })
				partial := math.NaN()
				if n >= 4 {
					partial = stats.PartialSpearman(x(obs), y(obs), z(obs))
				}
				t.Partial = ci(partial, func(m measures) float64 {
					if n < 4 {
						return math.NaN()
					}
					return stats.PartialSpearman(x(m), y(m), z(m))
				})
				res.Tests = append(res.Tests, t)
			}
		}
	}
	holmTests(res.Tests)
	var err error
	if res.Regressions, err = in.regressions(obs, boots); err != nil {
		return Result{}, err
	}
	var ps []float64
	for a := range n {
		for b := a + 1; b < n; b++ {
			d := Difference{A: in.Models[a].Name, B: in.Models[b].Name}
			diff := func(m measures) float64 { return m.within[a] - m.within[b] }
			d.Diff = ci(diff(obs), diff)
			reps := make([]float64, len(boots))
			for k, m := range boots {
				reps[k] = diff(m)
			}
			d.P = jsonnum.Float(bootstrapP(reps))
			ps = append(ps, float64(d.P))
			res.Differences = append(res.Differences, d)
		}
	}
	for k, p := range stats.Holm(ps) {
		res.Differences[k].PHolm = jsonnum.Float(p)
		res.Differences[k].Distinguishable = p < 0.05
	}
	return res, nil
}

// regressions fits the cross-model regression under every distortion (see
// Result.Regressions), each replicate of the joint bootstrap resampled over
// models once more, and adjusts the family by Holm.
func (in Input) regressions(obs measures, boots []measures) ([]Regression, error) {
	covs := []string{CleanAccuracy}
	logParams := make([]float64, len(in.Models))
	for k, m := range in.Models {
		logParams[k] = math.Log10(float64(m.Params))
		if m.Params <= 0 {
			logParams = nil
			break
		}
	}
	if logParams != nil && constant(logParams) { // variants of one architecture: one size
		logParams = nil
	}
	if logParams != nil {
		covs = append(covs, LogParams)
	}
	sides := []string{BrainDecoder}
	if in.Voxels != nil {
		sides = append(sides, BrainVoxels)
	}
	sample := func(m measures, d int, side string) Sample {
		c := [][]float64{m.clean[d]}
		if logParams != nil {
			c = append(c, logParams)
		}
		brain := m.within
		if side == BrainVoxels {
			brain = m.voxels
		}
		return Sample{Brain: brain, Robustness: m.robust[d][2], Covariates: c}
	}
	var out []Regression
	for k, side := range sides {
		var family []Regression
		for d := range in.Distortions {
			covs := covs
			if constant(obs.clean[d]) { // every model equally accurate on clean images
				covs = slices.DeleteFunc(slices.Clone(covs), func(c string) bool { return c == CleanAccuracy })
			}
			sample := func(m measures, d int, side string) Sample {
				s := sample(m, d, side)
				if len(covs) < len(s.Covariates) {
					s.Covariates = s.Covariates[1:]
				}
				return s
			}
			ri := RegressionInput{Data: sample(obs, d, side), Covariates: covs, RobustnessMeasure: HalfLevel, BrainSide: side,
				Permutations: in.Permutations, Level: in.Level, Seed: in.Seed + uint64(d) + uint64(k)<<20}
			for _, b := range boots {
				ri.Replicates = append(ri.Replicates, sample(b, d, side))
			}
			r, err := Regress(ri)
			if err != nil {
				return nil, fmt.Errorf("hypothesis: regression under %s (%s): %w", in.Distortions[d], side, err)
			}
			r.Distortion = in.Distortions[d]
			for _, c := range obs.censored[d] {
				if c {
					r.Censored++
				}
			}
			family = append(family, r)
		}
		HolmFamily(family) // across the distortions, within the brain side
		out = append(out, family...)
	}
	return out, nil
}

// holmTests adjusts the tests' p-values by Holm across the family.
func holmTests(ts []Test) {
	ps := make([]float64, len(ts))
	for k, t := range ts {
		ps[k] = float64(t.P)
	}
	for k, p := range stats.Holm(ps) {
		ts[k].PHolm = jsonnum.Float(p)
	}
}

// bootstrapP is the two-sided bootstrap p-value of a zero value from the
// replicates: twice the smaller share on either side of 0 (a replicate at
// 0 counts on both), at least 1/(B+1), at most 1; NaN without replicates
// or with more than a tenth undefined.
func bootstrapP(reps []float64) float64 {
	below, above, ok := 0, 0, 0
	for _, x := range reps {
		if math.IsNaN(x) {
			continue
		}
		ok++
		if x <= 0 {
			below++
		}
		if x >= 0 {
			above++
		}
	}
	if ok == 0 || ok < len(reps)*9/10 {
		return math.NaN()
	}
	p := 2 * float64(min(below, above)) / float64(ok)
	return math.Min(1, math.Max(p, 1/float64(ok+1)))
}

// resamplers prepares each model's comparisons with the reference, per
// seed: [model][seed] within-class and raw Spearman. The inputs were
// checked, so an error cannot occur.
func (in Input) resamplers() [][][3]*rsa.Resampler {
	out := make([][][3]*rsa.Resampler, len(in.Models))
	for k, mod := range in.Models {
		out[k] = make([][3]*rsa.Resampler, len(in.Reference))
		for s := range in.Reference {
			out[k][s][0], _ = rsa.NewResampler(in.Reference[s], mod.RSM[s], rsa.WithinClassSpearman)
			out[k][s][1], _ = rsa.NewResampler(in.Reference[s], mod.RSM[s], rsa.Spearman)
			if in.Voxels != nil {
				out[k][s][2], _ = rsa.NewResampler(*in.Voxels, mod.RSM[s], rsa.WithinClassSpearman)
			}
		}
	}
	return out
}

func spearman(x, y []float64) float64 {
	if len(x) < 3 {
		return math.NaN()
	}
	return stats.Spearman(x, y)
}

func (in Input) check() error {
	seeds := len(in.Reference)
	if seeds == 0 {
		return fmt.Errorf("hypothesis: no reference RSM")
	}
	if in.Bootstraps > 0 && !(in.Level > 0 && in.Level < 1) {
		return fmt.Errorf("hypothesis: confidence level %v outside (0, 1)", in.Level)
	}
	n := len(in.Labels)
	for _, r := range in.Reference {
		if r.N != n {
			return fmt.Errorf("hypothesis: reference RSM over %d images, %d labels", r.N, n)
		}
	}
	if in.Voxels != nil && in.Voxels.N != n {
		return fmt.Errorf("hypothesis: voxel RSM over %d images, %d labels", in.Voxels.N, n)
	}
	for _, m := range in.Models {
		if len(m.RSM) != seeds {
			return fmt.Errorf("hypothesis: %s has %d RSMs for %d reference seeds", m.Name, len(m.RSM), seeds)
		}
		if len(m.Curves) != len(in.Distortions) {
			return fmt.Errorf("hypothesis: %s has %d curves for %d distortions", m.Name, len(m.Curves), len(in.Distortions))
		}
		for _, r := range m.RSM {
			if r.N != n {
				return fmt.Errorf("hypothesis: %s: RSM over %d images, %d labels", m.Name, r.N, n)
			}
		}
		for _, c := range m.Curves {
			if len(c.Predictions) != seeds {
				return fmt.Errorf("hypothesis: %s, %s: predictions of %d seeds, want %d", m.Name, c.Distortion, len(c.Predictions), seeds)
			}
			for _, lv := range c.Predictions {
				if len(lv) != len(c.Levels) || len(lv) < 2 {
					return fmt.Errorf("hypothesis: %s, %s: %d levels of predictions for %d levels (want at least 2)", m.Name, c.Distortion, len(lv), len(c.Levels))
				}
				for _, p := range lv {
					if len(p) != n {
						return fmt.Errorf("hypothesis: %s, %s: %d predictions for %d images", m.Name, c.Distortion, len(p), n)
					}
				}
			}
		}
	}
	return nil
}

// measure computes every model's coordinates on the images renamed by draw
// (nil: as they are) and the seeds in seedDraw (nil: all), comparing the
// matrices through rs (resamplers).
func (in Input) measure(rs [][][3]*rsa.Resampler, draw, seedDraw []int) measures {
	if seedDraw == nil {
		for s := range in.Reference {
			seedDraw = append(seedDraw, s)
		}
	}
	n := len(in.Labels)
	img := func(i int) int {
		if draw == nil {
			return i
		}
		return draw[i]
	}
	chance := 1 / float64(classes(in.Labels))
	m := measures{}
	for k := range in.Models {
		var w, r, v float64
		for _, s := range seedDraw {
			w += rs[k][s][0].Compare(draw)
			r += rs[k][s][1].Compare(draw)
			if in.Voxels != nil {
				v += rs[k][s][2].Compare(draw)
			}
		}
		m.within = append(m.within, w/float64(len(seedDraw)))
		m.raw = append(m.raw, r/float64(len(seedDraw)))
		if in.Voxels != nil {
			m.voxels = append(m.voxels, v/float64(len(seedDraw)))
		}
	}
	m.clean = make([][]float64, len(in.Distortions))
	m.robust = make([][3][]float64, len(in.Distortions))
	m.censored = make([][]bool, len(in.Distortions))
	pred := make([]int, n)
	for d := range in.Distortions {
		for _, mod := range in.Models {
			c := mod.Curves[d]
			curve := make([]float64, len(c.Levels))
			for _, s := range seedDraw {
				for l := range c.Levels {
					for i := range n {
						pred[i] = c.Predictions[s][l][img(i)]
					}
					curve[l] += metrics.BalancedAccuracy(in.Labels, pred) / float64(len(seedDraw))
				}
			}
			first, last := curve[0], curve[len(curve)-1]
			drop := math.NaN()
			if first-chance > 1e-12 {
				drop = (first - last) / (first - chance)
			}
			half, censored := halfLevel(c.Levels, curve, chance)
			m.clean[d] = append(m.clean[d], first)
			m.robust[d][0] = append(m.robust[d][0], drop)
			m.robust[d][1] = append(m.robust[d][1], area(c.Levels, curve))
			m.robust[d][2] = append(m.robust[d][2], half)
			m.censored[d] = append(m.censored[d], censored)
		}
	}
	return m
}

// halfLevel is the level at which y (balanced accuracy along levels) first
// reaches halfway from y[0] to chance, interpolated linearly between the
// two levels around the crossing; censored at the last level when y never
// gets there; NaN when y[0] is at or below chance.
func halfLevel(levels, y []float64, chance float64) (float64, bool) {
	if !(y[0]-chance > 1e-12) {
		return math.NaN(), false
	}
	target := (y[0] + chance) / 2
	for l := 1; l < len(levels); l++ {
		if y[l] <= target {
			// y[l-1] > target >= y[l]
			t := (y[l-1] - target) / (y[l-1] - y[l])
			return levels[l-1] + t*(levels[l]-levels[l-1]), false
		}
	}
	return levels[len(levels)-1], true
}

// area is the trapezoid area under y(levels) divided by the levels' span.
func area(levels, y []float64) float64 {
	span := levels[len(levels)-1] - levels[0]
	if span <= 0 {
		return math.NaN()
	}
	a := 0.0
	for l := 1; l < len(levels); l++ {
		a += (levels[l] - levels[l-1]) * (y[l] + y[l-1]) / 2
	}
	return a / span
}

func classes(labels []int) int {
	seen := map[int]bool{}
	for _, l := range labels {
		seen[l] = true
	}
	return len(seen)
}

func factorial(n int) float64 {
	f := 1.0
	for i := 2; i <= n; i++ {
		f *= float64(i)
	}
	return f
}

// BalancedAccuracy is the mean over seeds of the balanced accuracy of
// preds[s] (predicted classes of the images, in labels' order), with a
// percentile interval from resampling the images within their classes.
func BalancedAccuracy(labels []int, preds [][]int, bootstraps int, level float64, seed uint64) Interval {
	at := func(draw []int) float64 {
		y, p := make([]int, len(labels)), make([]int, len(labels))
		sum := 0.0
		for _, ps := range preds {
			for i := range labels {
				j := i
				if draw != nil {
					j = draw[i]
				}
				y[i], p[i] = labels[j], ps[j]
			}
			sum += metrics.BalancedAccuracy(y, p)
		}
		return sum / float64(len(preds))
	}
	var reps []float64
	if bootstraps > 0 && len(preds) > 0 {
		strata := rsa.Strata(labels, len(labels))
		reps = make([]float64, bootstraps)
		parallel.For(bootstraps, func(b int) {
			reps[b] = at(rsa.Draw(strata, len(labels), rand.New(rand.NewPCG(seed, uint64(b)|1<<60))))
		})
	}
	return interval(at(nil), reps, level)
}
