package hypothesis

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
)

// planted builds n images in 3 classes, a reference RSM per seed and
// models whose share of the reference's stimulus-level structure grows with
// their index k, and whose accuracy at the strongest level also grows with
// k (more brain-like, more robust): every image is classified correctly at
// the first level, and at the last a fraction (k+1)/(models+1) of each class.
func planted(models, seeds, n int) Input {
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i * 3 / n
	}
	const d = 12
	proto := make([][]float64, 3)
	pr := rand.New(rand.NewPCG(1, 1))
	for c := range proto {
		proto[c] = make([]float64, d)
		for k := range proto[c] {
			proto[c][k] = pr.NormFloat64()
		}
	}
	stim := make([][]float64, n) // each image's own structure
	for i := range stim {
		stim[i] = make([]float64, d)
		for k := range stim[i] {
			stim[i][k] = pr.NormFloat64()
		}
	}
	rsm := func(alpha float64, seed uint64) rsa.Matrix {
		r := rand.New(rand.NewPCG(seed, 7))
		p := rsa.Patterns{N: n, D: d}
		for i := range n {
			for k := range d {
				p.X = append(p.X, float32(proto[labels[i]][k]+alpha*stim[i][k]+r.NormFloat64()))
			}
		}
		m, _ := rsa.Cosine(p)
		m.Labels = labels
		return m
	}
	in := Input{Labels: labels, Distortions: []string{"gaussian"}, Bootstraps: 200, Level: 0.9, Seed: 3}
	for s := range seeds {
		in.Reference = append(in.Reference, rsm(3, uint64(100+s)))
	}
	for k := range models {
		m := Model{Name: string(rune('a' + k))}
		c := Curve{Distortion: "gaussian", Levels: []float64{0, 2, 8}}
		for s := range seeds {
			m.RSM = append(m.RSM, rsm(0.5+float64(k), uint64(1000*k+s)))
			levels := make([][]int, 3)
			for l := range levels {
				levels[l] = make([]int, n)
				for i := range n {
					levels[l][i] = labels[i]
					pos := i - labels[i]*n/3 // index within its class
					keep := []float64{1, 1, float64(k+1) / float64(models+1)}[l]
					if float64(pos) >= keep*float64(n/3) {
						levels[l][i] = (labels[i] + 1) % 3
					}
				}
			}
			c.Predictions = append(c.Predictions, levels)
		}
		m.Curves = []Curve{c}
		in.Models = append(in.Models, m)
	}
	return in
}

// TestPlantedOrdering: the planted ordering gives rho = -1 for the drop and
// +1 for the area with the smallest exact p (2/5! = 1/60), the within-class
// measure grows with k, the normalised drop and area match their
// definitions, and the most distant models are distinguishable.
func TestPlantedOrdering(t *testing.T) {
	in := planted(5, 3, 45)
	res, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(float64(res.SmallestP)-1.0/60) > 1e-15 {
		t.Errorf("smallest p %v, want 1/60", res.SmallestP)
	}
	for k, m := range res.Models {
		keep := math.Ceil(float64(k+1)/6*15) / 15 // share of each class (15 images) kept correct
		wantDrop := (1 - keep) / (1 - 1.0/3)
		wantAUC := (2*(1+1)/2 + 6*(1+keep)/2) / 8
		got := m.Robustness["gaussian"]
		if math.Abs(float64(got[NormalizedDrop].Value)-wantDrop) > 1e-12 || math.Abs(float64(got[AUC].Value)-wantAUC) > 1e-12 {
			t.Errorf("%s: drop %v auc %v, want %v %v", m.Name, got[NormalizedDrop].Value, got[AUC].Value, wantDrop, wantAUC)
		}
		if m.CleanBAcc["gaussian"].Value != 1 {
			t.Errorf("%s: clean balanced accuracy %v, want 1", m.Name, m.CleanBAcc["gaussian"].Value)
		}
		if k > 0 && !(m.WithinClass.Value > res.Models[k-1].WithinClass.Value) {
			t.Errorf("within-class Spearman not increasing at %s: %v after %v", m.Name, m.WithinClass.Value, res.Models[k-1].WithinClass.Value)
		}
		if !(m.WithinClass.Low <= m.WithinClass.Value && m.WithinClass.Value <= m.WithinClass.High) {
			t.Errorf("%s: interval %+v misses the estimate", m.Name, m.WithinClass)
		}
	}
	for _, ts := range res.Tests {
		if ts.Brain != WithinClass {
			continue
		}
		if ts.Robustness == HalfLevel {
			// the last two models tie at the last level: d falls halfway
			// there, e never does (censored)
			if !(ts.Rho.Value > 0.95) {
				t.Errorf("%s vs %s: rho %v, want about 1 (ties)", ts.Brain, ts.Robustness, ts.Rho.Value)
			}
			continue
		}
		want := map[string]float64{NormalizedDrop: -1, AUC: 1}[ts.Robustness]
		if float64(ts.Rho.Value) != want || math.Abs(float64(ts.P)-1.0/60) > 1e-12 {
			t.Errorf("%s vs %s: rho %v p %v, want %v and 1/60", ts.Brain, ts.Robustness, ts.Rho.Value, ts.P, want)
		}
		if !(ts.Rho.Low <= ts.Rho.Value && ts.Rho.Value <= ts.Rho.High) {
			t.Errorf("%s vs %s: interval %+v misses rho", ts.Brain, ts.Robustness, ts.Rho)
		}
	}
	first, last := res.Differences[3], res.Models // a vs e
	if first.A != "a" || first.B != "e" || !first.Distinguishable || first.Diff.Value >= 0 {
		t.Errorf("a vs e: %+v, want a distinguishable negative difference (%d models)", first, len(last))
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Tests[0].Rho != res.Tests[0].Rho || back.Differences[3] != res.Differences[3] {
		t.Errorf("JSON round trip changed the results")
	}
}

// TestFewModels: with 2 models nothing across models is defined (null, not
// numbers); mismatched inputs are errors.
func TestFewModels(t *testing.T) {
	in := planted(2, 2, 30)
	res, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range res.Tests {
		if !math.IsNaN(float64(ts.Rho.Value)) || !math.IsNaN(float64(ts.P)) || !math.IsNaN(float64(ts.Rho.Low)) || !math.IsNaN(float64(ts.Partial.Value)) {
			t.Errorf("2 models: %+v, want undefined", ts)
		}
	}
	bad := planted(3, 2, 30)
	bad.Models[1].RSM = bad.Models[1].RSM[:1]
	if _, err := Run(bad); err == nil {
		t.Error("a model with fewer seeds than the reference was accepted")
	}
	bad = planted(3, 2, 30)
	bad.Models[0].Curves[0].Predictions[1] = bad.Models[0].Curves[0].Predictions[1][:1]
	if _, err := Run(bad); err == nil {
		t.Error("predictions of one level were accepted")
	}
}

// TestBalancedAccuracyInterval: a constant predictor sits at chance with an
// interval that cannot leave it (every resample keeps the class sizes); a
// perfect one at 1; a half-right one brackets its value.
func TestBalancedAccuracyInterval(t *testing.T) {
	labels := []int{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2}
	constant := [][]int{make([]int, len(labels))}
	if got := BalancedAccuracy(labels, constant, 200, 0.95, 1); math.Abs(float64(got.Value)-1.0/3) > 1e-12 || math.Abs(float64(got.Low)-1.0/3) > 1e-12 || math.Abs(float64(got.High)-1.0/3) > 1e-12 {
		t.Errorf("constant predictor: %+v, want 1/3 exactly", got)
	}
	if got := BalancedAccuracy(labels, [][]int{labels}, 200, 0.95, 1); got.Value != 1 || got.Low != 1 {
		t.Errorf("perfect predictor: %+v", got)
	}
	half := []int{0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 2, 0}
	got := BalancedAccuracy(labels, [][]int{half, labels}, 500, 0.9, 2)
	if !(got.Low < got.Value && got.Value < got.High) || math.Abs(float64(got.Value)-0.75) > 1e-12 {
		t.Errorf("two seeds: %+v, want mean 0.75 inside its interval", got)
	}
}

// TestRobustnessAgainstNumpy: balanced accuracy (mean per-class recall),
// the normalised drop and the area (numpy's trapezoid over the levels'
// span) of one model's curve, against numpy on a fixed example.
func TestRobustnessAgainstNumpy(t *testing.T) {
	labels := []int{0, 0, 0, 0, 1, 1, 1, 2, 2, 0, 1, 2}
	preds := [][]int{ // levels 0, 1, 3, 8
		{0, 0, 0, 1, 1, 1, 1, 2, 2, 0, 1, 0},
		{0, 0, 1, 1, 1, 0, 1, 2, 0, 0, 1, 0},
		{0, 1, 1, 1, 1, 0, 0, 2, 0, 0, 0, 0},
		{0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1},
	}
	levels := []float64{0, 1, 3, 8}
	in := Input{Labels: labels, Reference: []rsa.Matrix{identityRSM(len(labels), labels)}, Distortions: []string{"d"},
		Models: []Model{{Name: "m", RSM: []rsa.Matrix{identityRSM(len(labels), labels)},
			Curves: []Curve{{Distortion: "d", Levels: levels, Predictions: [][][]int{preds}}}}}}
	res, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	got := []float64{float64(res.Models[0].CleanBAcc["d"].Value), float64(res.Models[0].Robustness["d"][NormalizedDrop].Value), float64(res.Models[0].Robustness["d"][AUC].Value)}
	for _, path := range pyref.Golden(t, "robustness.txt", []string{"numpy"}, pyref.Script(`import numpy as np
y = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 0, 1, 2])
P = np.array([[0,0,0,1,1,1,1,2,2,0,1,0],[0,0,1,1,1,0,1,2,0,0,1,0],[0,1,1,1,1,0,0,2,0,0,0,0],[0,0,0,0,1,0,0,0,0,0,0,1]])
lv = np.array([0., 1., 3., 8.])
bacc = np.array([np.mean([np.mean(p[y == c] == c) for c in np.unique(y)]) for p in P])
drop = (bacc[0] - bacc[-1]) / (bacc[0] - 1 / 3)
auc = np.sum((lv[1:] - lv[:-1]) * (bacc[1:] + bacc[:-1]) / 2) / (lv[-1] - lv[0])
print(repr(bacc[0]), repr(drop), repr(auc))`)) {
		var want [3]float64
		if _, err := fmt.Sscan(pyref.ReadText(t, path), &want[0], &want[1], &want[2]); err != nil {
			t.Fatal(err)
		}
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-12 {
				t.Errorf("%s: [balanced accuracy, normalised drop, area][%d] = %v, numpy %v", path, i, got[i], want[i])
			}
		}
	}
}

// identityRSM is an RSM with 1 within a class and 0 across: enough for the
// accuracy checks, which do not read it.
func identityRSM(n int, labels []int) rsa.Matrix {
	m := rsa.Matrix{N: n, Data: make([]float64, n*n), Labels: labels}
	for i := range n {
		for j := range n {
			if labels[i] == labels[j] {
				m.Data[i*n+j] = 1
			}
		}
	}
	return m
}

// TestHalfLevel: the level at which balanced accuracy is halfway from clean
// to chance, interpolated between the levels around the crossing; censored
// at the last level; undefined when clean accuracy is at chance.
func TestHalfLevel(t *testing.T) {
	levels := []float64{0, 1, 2, 4}
	chance := 1.0 / 3
	target := (0.9 + chance) / 2
	for _, c := range []struct {
		y        []float64
		want     float64
		censored bool
	}{
		{[]float64{0.9, 0.8, 0.5, 0.4}, 1 + (0.8-target)/(0.8-0.5), false},
		{[]float64{0.9, 0.9, 0.9, target}, 4, false},
		{[]float64{0.9, 0.2, 0.2, 0.2}, (0.9 - target) / (0.9 - 0.2), false},
		{[]float64{0.9, 0.85, 0.8, 0.7}, 4, true},
		{[]float64{chance, 0.2, 0.2, 0.2}, math.NaN(), false},
	} {
		got, censored := halfLevel(levels, c.y, chance)
		if censored != c.censored || !(math.Abs(got-c.want) < 1e-12 || math.IsNaN(got) && math.IsNaN(c.want)) {
			t.Errorf("%v: half level %v (censored %v), want %v (%v)", c.y, got, censored, c.want, c.censored)
		}
	}
}

// TestVoxelsBrainSide: with the voxels' RSM as a second brain side, each
// model gets its within-class Spearman with it, and the regressions come
// for both sides under every distortion, Holm across all of them; a voxel
// RSM that is the decoder's gives the decoder's numbers.
func TestVoxelsBrainSide(t *testing.T) {
	in := planted(5, 1, 45)
	in.Voxels = &in.Reference[0]
	res, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range res.Models {
		if m.WithinClassVoxels == nil || *m.WithinClassVoxels != m.WithinClass {
			t.Errorf("%s: voxels %v, decoder %v", m.Name, m.WithinClassVoxels, m.WithinClass)
		}
	}
	var sides []string
	for _, r := range res.Regressions {
		sides = append(sides, r.BrainSide+" "+r.Distortion)
	}
	if len(res.Regressions) != 2*len(in.Distortions) || res.Regressions[len(in.Distortions)].BrainSide != BrainVoxels {
		t.Errorf("regressions: %v", sides)
	}
	bad := in
	v := rsa.Matrix{N: 3, Data: make([]float64, 9)}
	bad.Voxels = &v
	if _, err := Run(bad); err == nil {
		t.Error("a voxel RSM over other images was accepted")
	}
}

// TestConstantCovariatesAreDropped: variants of one architecture share a
// parameter count, so log size is no covariate among them (a constant
// column would make every fit degenerate); models of different sizes keep
// it. The planted models all classify the clean images perfectly, so clean
// accuracy is dropped too. Censored half levels are counted.
func TestConstantCovariatesAreDropped(t *testing.T) {
	in := planted(5, 1, 45)
	for k := range in.Models {
		in.Models[k].Params = 11_000_000
	}
	res, err := Run(in)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Regressions[0]
	if len(r.Covariates) != 0 || r.Censored != 1 {
		t.Errorf("one size: covariates %v, censored %d (want none, 1: model e)", r.Covariates, r.Censored)
	}
	for k := range in.Models {
		in.Models[k].Params = int64(1_000_000 * (k + 1))
	}
	if res, _ = Run(in); len(res.Regressions[0].Covariates) != 1 || res.Regressions[0].Covariates[0] != LogParams {
		t.Errorf("five sizes: covariates %v", res.Regressions[0].Covariates)
	}
}
