package hypothesis

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
)

// small is the golden test's data: 12 models, two covariates, brain-likeness
// depending on robustness and the first covariate, robustness on it too.
func small() Sample {
	rng := rand.New(rand.NewPCG(21, 22))
	n := 12
	s := Sample{Brain: make([]float64, n), Robustness: make([]float64, n), Covariates: [][]float64{make([]float64, n), make([]float64, n)}}
	for i := range n {
		a := rng.NormFloat64()
		s.Covariates[0][i] = 0.7 + 0.1*a
		s.Covariates[1][i] = 7 + 0.5*a + 0.5*rng.NormFloat64()
		s.Robustness[i] = 0.5*a + rng.NormFloat64()
		s.Brain[i] = 0.2 + 0.05*(0.6*s.Robustness[i]+a+rng.NormFloat64())
	}
	return s
}

// TestFreedmanLaneMatchesNumpy: the coefficients, t, partial correlation,
// every permuted t and the p-value of a fixed dataset and a fixed list of
// permutations equal numpy's, which refits every permutation by an explicit
// least-squares solve (testdata/freedman_lane.py).
func TestFreedmanLaneMatchesNumpy(t *testing.T) {
	s := small()
	rng := rand.New(rand.NewPCG(5, 5))
	perms := make([][]int, 99)
	for j := range perms {
		perms[j] = rng.Perm(len(s.Brain))
	}
	perms[0] = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11} // the identity reaches |t| exactly
	fit, null, p, err := FreedmanLane(s, perms)
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "in.json")
	b, _ := json.Marshal(map[string]any{"y": s.Brain, "x": s.Robustness, "covs": s.Covariates, "perms": perms})
	if err := os.WriteFile(in, b, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range pyref.Golden(t, "freedman_lane.json", []string{"numpy"}, pyref.File("testdata/freedman_lane.py", in, pyref.Out)) {
		var want struct {
			Slope, Coef, T, Partial, P float64
			Null                       []float64
		}
		if err := json.Unmarshal([]byte(pyref.ReadText(t, path)), &want); err != nil {
			t.Fatal(err)
		}
		close := func(what string, got, want float64) {
			t.Helper()
			if math.Abs(got-want) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Errorf("%s: %s = %.15g, numpy %.15g", path, what, got, want)
			}
		}
		close("slope", fit.Slope, want.Slope)
		close("coef", fit.Coef, want.Coef)
		close("t", fit.T, want.T)
		close("partial", fit.Partial, want.Partial)
		close("p", p, want.P)
		if len(want.Null) != len(null) {
			t.Fatalf("%s: %d permuted t's, numpy %d", path, len(null), len(want.Null))
		}
		for j := range null {
			close("permuted t", null[j], want.Null[j])
		}
	}
	if got := fit.T / math.Sqrt(fit.T*fit.T+float64(fit.DF)); math.Abs(got-fit.Partial) > 1e-12 {
		t.Errorf("partial %v, t/sqrt(t²+df) %v", fit.Partial, got)
	}
	if p <= 1.0/100 || p >= 1 {
		t.Errorf("p = %v: the dataset should give a p inside the distribution", p)
	}
	// The covariates' scale changes nothing about x's coefficient.
	scaled := s
	scaled.Covariates = [][]float64{slices.Clone(s.Covariates[0]), s.Covariates[1]}
	for i := range scaled.Covariates[0] {
		scaled.Covariates[0][i] = 100*scaled.Covariates[0][i] - 3
	}
	if g, err := Fit(scaled); err != nil || math.Abs(g.Coef-fit.Coef) > 1e-12 || math.Abs(g.T-fit.T) > 1e-10 {
		t.Errorf("rescaled covariate: %+v %v, was %+v", g, err, fit)
	}
}

// TestDegenerateInputs: data the regression cannot fit give ErrDegenerate
// with the reason, never numbers from rounding noise; Regress turns them
// into NaN (null) numbers and a note.
func TestDegenerateInputs(t *testing.T) {
	base := small()
	with := func(edit func(s *Sample)) Sample {
		s := Sample{Brain: slices.Clone(base.Brain), Robustness: slices.Clone(base.Robustness)}
		for _, c := range base.Covariates {
			s.Covariates = append(s.Covariates, slices.Clone(c))
		}
		edit(&s)
		return s
	}
	for name, c := range map[string]struct {
		s    Sample
		want string
	}{
		"too few models": {with(func(s *Sample) {
			s.Brain, s.Robustness = s.Brain[:5], s.Robustness[:5]
			s.Covariates[0], s.Covariates[1] = s.Covariates[0][:5], s.Covariates[1][:5]
		}), "need at least 6"},
		"constant robustness": {with(func(s *Sample) {
			for i := range s.Robustness {
				s.Robustness[i] = 0.3
			}
		}), "robustness is constant"},
		"robustness collinear": {with(func(s *Sample) {
			for i := range s.Robustness {
				s.Robustness[i] = 2*s.Covariates[0][i] - 0.1*s.Covariates[1][i] + 1
			}
		}), "robustness is collinear"},
		"constant covariate": {with(func(s *Sample) {
			for i := range s.Covariates[1] {
				s.Covariates[1][i] = 7
			}
		}), "covariate 1 is constant"},
		"collinear covariates": {with(func(s *Sample) {
			for i := range s.Covariates[1] {
				s.Covariates[1][i] = 3 * s.Covariates[0][i]
			}
		}), "covariate 1 is collinear"},
		"constant brain": {with(func(s *Sample) {
			for i := range s.Brain {
				s.Brain[i] = 0.5
			}
		}), "brain-likeness is constant"},
		"exact fit": {with(func(s *Sample) {
			for i := range s.Brain {
				s.Brain[i] = s.Robustness[i] + s.Covariates[0][i]
			}
		}), "exactly"},
		"NaN": {with(func(s *Sample) { s.Brain[3] = math.NaN() }), "brain-likeness of model 3 is NaN"},
	} {
		_, err := Fit(c.s)
		if !errors.Is(err, ErrDegenerate) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrDegenerate saying %q", name, err, c.want)
		}
		r, err := Regress(RegressionInput{Data: c.s, Covariates: []string{CleanAccuracy, LogParams}, RobustnessMeasure: AUC,
			BrainSide: BrainDecoder, Permutations: 99, Bootstraps: 50, Level: 0.95})
		if err != nil || !math.IsNaN(float64(r.Coef)) || !math.IsNaN(float64(r.P)) || !math.IsNaN(float64(r.Low)) || r.Note == "" || r.Verdict == Supported {
			t.Errorf("%s: Regress %+v, %v: want NaN numbers and a note", name, r, err)
		}
	}
	if _, err := Fit(Sample{Brain: []float64{1, 2}, Robustness: []float64{1}}); err == nil || errors.Is(err, ErrDegenerate) {
		t.Errorf("lengths that disagree: %v, want a plain error", err)
	}
}

// TestMinDetectableEffect: 5 models with 2 covariates cannot detect any
// effect (n - k - 3 = 0); 35 can detect a partial correlation of 0.471.
func TestMinDetectableEffect(t *testing.T) {
	if m := MinDetectableEffect(5, 2); !math.IsInf(m, 1) {
		t.Errorf("MDE(5, 2) = %v, want +Inf", m)
	}
	// tanh((1.959963984540054 + 0.8416212335729143) / sqrt(30))
	if m := MinDetectableEffect(35, 2); math.Abs(m-0.47115) > 1e-4 {
		t.Errorf("MDE(35, 2) = %v, want 0.4712", m)
	}
	if MinDetectableEffect(31, 2) <= MaxDetectableEffect || MinDetectableEffect(32, 2) > MaxDetectableEffect {
		t.Errorf("MDE(31, 2) = %v, MDE(32, 2) = %v: 32 models should be the fewest under %v",
			MinDetectableEffect(31, 2), MinDetectableEffect(32, 2), MaxDetectableEffect)
	}
	if p := FisherPower(MinDetectableEffect(35, 2), 35, 2); math.Abs(p-0.8) > 1e-9 {
		t.Errorf("FisherPower at the MDE = %v, want 0.8", p)
	}
	s := NewSimulation(5, 0.9, 114, 3).Draw(rand.New(rand.NewPCG(1, 2)))
	r, err := Regress(RegressionInput{Data: s, Covariates: []string{CleanAccuracy, LogParams}, RobustnessMeasure: AUC,
		BrainSide: BrainVoxels, Permutations: 99, Bootstraps: 100, Level: 0.95})
	if err != nil || r.Verdict != Underpowered || !strings.Contains(r.Reason, "no degrees of freedom") {
		t.Errorf("5 models: %+v %v, want underpowered", r, err)
	}
	b, _ := json.Marshal(r)
	if !strings.Contains(string(b), `"min_detectable_effect":null`) {
		t.Errorf("JSON %s: the infinite MDE should be null", b)
	}
}

// TestRegressVerdicts: a strong planted effect is supported (and not with
// the opposite expected sign); no effect is not supported; the result is
// the same for the same seed; the JSON has the documented names; the
// bootstrap takes the caller's replicates when given.
func TestRegressVerdicts(t *testing.T) {
	covs := []string{CleanAccuracy, LogParams}
	sim := NewSimulation(40, 0.7, 114, 3)
	sim.Noise = 0.1
	data := sim.Draw(rand.New(rand.NewPCG(3, 4)))
	in := RegressionInput{Data: data, Covariates: covs, RobustnessMeasure: AUC, BrainSide: BrainDecoder,
		Permutations: 999, Bootstraps: 500, Level: 0.95, Seed: 9}
	r, err := Regress(in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != Supported || r.Reason != "" || !(r.Low > 0) || !(r.P < 0.01) || r.Expected != "positive" || r.Bootstraps != 500 {
		t.Errorf("planted effect: %+v", r)
	}
	if !(r.Low <= r.Coef && r.Coef <= r.High) {
		t.Errorf("coef %v outside its interval [%v, %v]", r.Coef, r.Low, r.High)
	}
	again, _ := Regress(in)
	if a, b := mustJSON(t, r), mustJSON(t, again); a != b {
		t.Errorf("not deterministic:\n%s\n%s", a, b)
	}
	var keys map[string]any
	_ = json.Unmarshal([]byte(mustJSON(t, r)), &keys)
	for _, k := range []string{"coef", "ci_low", "ci_high", "p_freedman_lane", "n_models", "covariates", "robustness_measure",
		"brain_side", "verdict", "min_detectable_effect", "partial_r", "permutations", "bootstraps", "expected_sign"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("JSON has no %q: %s", k, mustJSON(t, r))
		}
	}
	neg := in
	neg.Expected = "negative"
	if r, _ := Regress(neg); r.Verdict != NotSupported || !strings.Contains(r.Reason, "predicts negative") {
		t.Errorf("opposite sign expected: %+v", r)
	}
	null := NewSimulation(40, 0, 114, 3).Draw(rand.New(rand.NewPCG(3, 5)))
	in0 := in
	in0.Data = null
	if r, _ := Regress(in0); r.Verdict != NotSupported || r.Reason == "" {
		t.Errorf("no effect: %+v", r)
	}
	// Per-replicate measures: each replicate is the data with its own
	// measurement noise; 300 of them give 300 bootstraps, wider than the
	// model resampling alone would be for noisy replicates.
	rng := rand.New(rand.NewPCG(8, 8))
	reps := make([]Sample, 300)
	for b := range reps {
		reps[b] = Sample{Brain: slices.Clone(data.Brain), Robustness: data.Robustness, Covariates: data.Covariates}
		for i := range reps[b].Brain {
			reps[b].Brain[i] += 2 * rng.NormFloat64()
		}
	}
	withReps := in
	withReps.Bootstraps, withReps.Replicates = 0, reps
	rr, err := Regress(withReps)
	if err != nil || rr.Bootstraps != 300 || rr.Dropped != 0 || rr.Coef != r.Coef {
		t.Fatalf("with replicates: %+v %v", rr, err)
	}
	if rr.High-rr.Low <= r.High-r.Low {
		t.Errorf("noisy replicates' interval [%v, %v] is not wider than the models-only [%v, %v]", rr.Low, rr.High, r.Low, r.High)
	}
	withReps.Bootstraps = 7
	if _, err := Regress(withReps); err == nil {
		t.Error("7 bootstraps with 300 replicates: no error")
	}
	for _, bad := range []RegressionInput{
		{Data: data, Covariates: covs, RobustnessMeasure: AUC, BrainSide: "retina"},
		{Data: data, Covariates: covs[:1], RobustnessMeasure: AUC, BrainSide: BrainDecoder},
		{Data: data, Covariates: covs, RobustnessMeasure: "mystery", BrainSide: BrainDecoder},
		{Data: data, Covariates: covs, RobustnessMeasure: AUC, BrainSide: BrainDecoder, Bootstraps: 10, Level: 95},
	} {
		if _, err := Regress(bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// TestDegenerateResamplesAreDropped: with 7 models and 2 covariates some
// resamples of the models repeat so many that the design is singular; they
// are dropped and counted, and more than a tenth of them leave no interval.
func TestDegenerateResamplesAreDropped(t *testing.T) {
	data := NewSimulation(7, 0.5, 114, 3).Draw(rand.New(rand.NewPCG(1, 1)))
	r, err := Regress(RegressionInput{Data: data, Covariates: []string{CleanAccuracy, LogParams}, RobustnessMeasure: AUC,
		BrainSide: BrainDecoder, Permutations: 99, Bootstraps: 400, Level: 0.95})
	if err != nil {
		t.Fatal(err)
	}
	if r.Dropped == 0 || r.Bootstraps+r.Dropped != 400 {
		t.Errorf("7 models: %d kept, %d dropped of 400", r.Bootstraps, r.Dropped)
	}
	if float64(r.Dropped) > MaxDroppedFraction*400 && (!math.IsNaN(float64(r.Low)) || r.Note == "") {
		t.Errorf("%d of 400 dropped but an interval [%v, %v], note %q", r.Dropped, r.Low, r.High, r.Note)
	}
	t.Logf("7 models: %d of 400 resamples degenerate; %s: %s", r.Dropped, r.Verdict, r.Reason)
}

// TestHolmFamily: the adjusted p-values are Holm's and decide the verdicts.
func TestHolmFamily(t *testing.T) {
	rs := []Regression{{P: 0.01}, {P: 0.04}, {P: 0.3}}
	for i := range rs {
		rs[i].Models, rs[i].MDE, rs[i].Coef, rs[i].Low, rs[i].High, rs[i].Expected = 50, 0.3, 0.5, 0.1, 0.9, "positive"
	}
	HolmFamily(rs)
	for i, want := range []float64{0.03, 0.08, 0.3} {
		if math.Abs(float64(rs[i].PHolm)-want) > 1e-12 {
			t.Errorf("p %v: Holm %v, want %v", rs[i].P, rs[i].PHolm, want)
		}
	}
	if rs[0].Verdict != Supported || rs[1].Verdict != NotSupported || !strings.Contains(rs[1].Reason, "p = 0.08") {
		t.Errorf("verdicts %+v", rs)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestModelsNeeded: the fewest models for a minimum detectable effect of at
// most 0.5 is where MinDetectableEffect crosses it.
func TestModelsNeeded(t *testing.T) {
	for k := range 4 {
		n := ModelsNeeded(k)
		if !(MinDetectableEffect(n, k) <= MaxDetectableEffect) || !(MinDetectableEffect(n-1, k) > MaxDetectableEffect) {
			t.Errorf("%d covariates: %d models (MDE %v, one fewer %v)", k, n, MinDetectableEffect(n, k), MinDetectableEffect(n-1, k))
		}
	}
	if n := ModelsNeeded(2); n != 32 {
		t.Errorf("2 covariates: %d models, want 32", n)
	}
}
