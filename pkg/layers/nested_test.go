package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// TestRandomLayersNullAfterSelection is nested selection's known answer:
// a model of six layers of random features (independent of the images,
// so H0 holds: no layer relates to any area) has its best layer per area
// chosen on training images; that layer's test score must lie within its
// interval of 0 (the 95% interval covers 0) for the encoding score and rsa
// in all but at most one of the 7 areas, where the largest test score
// across the layers (the old, optimistic choice) is larger on average.
func TestRandomLayersNullAfterSelection(t *testing.T) {
	d, sel := smallAllKept(t, false)
	b, err := NewBrain(d, sel, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	m := Model{Name: "random", NTrain: len(sel.Train.Index), NTest: len(sel.Test.Index)}
	const width = 32
	for l := range 6 {
		m.Layers = append(m.Layers, string(rune('a'+l)))
		m.Widths = append(m.Widths, width)
		tr, te := make([]float32, m.NTrain*width), make([]float32, m.NTest*width)
		for i := range tr {
			tr[i] = float32(rng.NormFloat64())
		}
		for i := range te {
			te[i] = float32(rng.NormFloat64())
		}
		m.Train, m.Test = append(m.Train, tr), append(m.Test, te)
	}
	tab, sum, err := Analyze(b, []Model{m}, "none", Options{Bootstraps: 100, Permutations: -1, Seed: 3}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, meas := range []string{Encoding, MeasureName(rsa.Spearman)} {
		misses := 0
		var nested, argmax float64
		for _, roi := range b.ROIs {
			best := sum.Best["random"][meas][roi]
			top := math.Inf(-1)
			for _, l := range m.Layers {
				top = math.Max(top, float64(tab["random"][l][roi].Get(meas).Value))
			}
			nested, argmax = nested+float64(best.Value)/float64(len(b.ROIs)), argmax+top/float64(len(b.ROIs))
			t.Logf("%-8s %-6s layer %s: %.3f [%.3f, %.3f] (training %.3f; largest test score %.3f)", meas, roi, best.Layer,
				float64(best.Value), float64(best.Low), float64(best.High), float64(best.Selection), top)
			if !(best.Low <= 0 && 0 <= best.High) {
				misses++
			}
		}
		t.Logf("%s: mean over areas: nested %.3f, largest test score %.3f", meas, nested, argmax)
		if misses > 1 {
			t.Errorf("%s: %d of %d areas' chosen random layer has an interval without 0", meas, misses, len(b.ROIs))
		}
		if !(argmax > nested) {
			t.Errorf("%s: the largest test score (%.3f on average) is not above the nested choice's (%.3f)", meas, argmax, nested)
		}
	}
}

// TestRDMCeilingKnownAnswer: trials that repeat one pattern exactly agree
// perfectly (both bounds 1); trials of pure noise agree by chance only
// (both bounds near 0); with signal and noise the upper bound exceeds the
// lower one, and both grow with the signal.
func TestRDMCeilingKnownAnswer(t *testing.T) {
	const trials, images, voxels = 6, 30, 50
	rng := rand.New(rand.NewPCG(9, 10))
	signal := make([]float64, images*voxels)
	for i := range signal {
		signal[i] = rng.NormFloat64()
	}
	draw := func(s float64) *kay.Repeats {
		r := &kay.Repeats{Trials: [2]int{1, trials}, Test: make([]float32, trials*images*voxels)}
		for tr := range trials {
			for i := range images * voxels {
				r.Test[tr*images*voxels+i] = float32(s*signal[i] + rng.NormFloat64())
			}
		}
		return r
	}
	idx, vox := identity(images), identity(voxels)
	exact := &kay.Repeats{Trials: [2]int{1, trials}, Test: make([]float32, trials*images*voxels)}
	for tr := range trials {
		for i, x := range signal {
			exact.Test[tr*images*voxels+i] = float32(x)
		}
	}
	lo, hi, err := RDMCeiling(exact, idx, voxels, vox)
	if err != nil || math.Abs(lo-1) > 1e-12 || math.Abs(hi-1) > 1e-12 {
		t.Errorf("identical trials: ceiling [%v, %v] (%v), want [1, 1]", lo, hi, err)
	}
	var prevLo, prevHi float64
	for k, s := range []float64{0, 0.3, 1} {
		lo, hi, err := RDMCeiling(draw(s), idx, voxels, vox)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("signal %.1f: ceiling [%.3f, %.3f]", s, lo, hi)
		switch {
		case s == 0 && (math.Abs(lo) > 0.05 || hi > 0.5):
			t.Errorf("noise: lower bound %.3f (want about 0), upper %.3f (want small: only each trial's share of the mean)", lo, hi)
		case !(hi > lo):
			t.Errorf("signal %.1f: upper bound %.3f not above the lower %.3f", s, hi, lo)
		case k > 0 && !(lo > prevLo && hi > prevHi):
			t.Errorf("signal %.1f: ceiling [%.3f, %.3f] not above the weaker signal's [%.3f, %.3f]", s, lo, hi, prevLo, prevHi)
		}
		prevLo, prevHi = lo, hi
	}
}

// TestPerTrialScoreKnownAnswer puts the per-trial score against the noise
// ceiling it is meant to be read with: a model whose RSM is the sum of the
// ranked trial RSMs (the best any model can do on this scale) scores the
// upper bound exactly; the true signal's RSM scores between the lower and
// the upper bound, as a model equal to the generating structure does in
// rsatoolbox; an unrelated model scores about 0; and the score against the
// trial means' RSM (what the rsa measure computes) exceeds the per-trial
// one, which is why the two scales are kept apart.
func TestPerTrialScoreKnownAnswer(t *testing.T) {
	const trials, images, voxels = 8, 30, 40
	rng := rand.New(rand.NewPCG(21, 22))
	signal := make([]float32, images*voxels)
	for i := range signal {
		signal[i] = float32(rng.NormFloat64())
	}
	r := &kay.Repeats{Trials: [2]int{1, trials}, Test: make([]float32, trials*images*voxels)}
	mean := make([]float32, images*voxels)
	for tr := range trials {
		for i := range signal {
			v := 0.5*signal[i] + float32(rng.NormFloat64())
			r.Test[tr*images*voxels+i] = v
			mean[i] += v / trials
		}
	}
	idx, vox := identity(images), identity(voxels)
	ranked, err := trialRanks(r, idx, voxels, vox)
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := ceilingOf(ranked)
	sum := make([]float64, len(ranked[0]))
	for _, rk := range ranked {
		for j, v := range rk {
			sum[j] += v
		}
	}
	if got := PerTrialScore(ranked, sum); math.Abs(got-hi) > 1e-12 {
		t.Errorf("the summed trials as the model: %.15f, want the upper bound %.15f", got, hi)
	}
	upper := func(x []float32) []float64 {
		m, err := rsa.Cosine(rsa.Patterns{X: x, N: images, D: voxels})
		if err != nil {
			t.Fatal(err)
		}
		return m.UpperTriangle()
	}
	truth := PerTrialScore(ranked, upper(signal))
	noise := make([]float32, images*voxels)
	for i := range noise {
		noise[i] = float32(rng.NormFloat64())
	}
	unrelated := PerTrialScore(ranked, upper(noise))
	onMeans := stats.Spearman(upper(signal), upper(mean))
	t.Logf("ceiling [%.3f, %.3f]; per trial: truth %.3f, unrelated %.3f; truth against the trial means' RSM %.3f", lo, hi, truth, unrelated, onMeans)
	if !(truth > lo && truth <= hi) {
		t.Errorf("the generating structure scores %.3f per trial, want within the ceiling [%.3f, %.3f]", truth, lo, hi)
	}
	if math.Abs(unrelated) > 0.1 {
		t.Errorf("an unrelated model scores %.3f per trial, want about 0", unrelated)
	}
	if !(onMeans > truth) {
		t.Errorf("against the trial means the truth scores %.3f, not above its per-trial %.3f", onMeans, truth)
	}
	if !math.IsNaN(PerTrialScore(nil, sum)) {
		t.Error("no trials: want NaN")
	}
}

// TestCeilingAndPerTrialMatchScipy: the rsa noise ceiling and the
// per-trial score on deterministic trials (6 trials of 12 images x 10
// voxels) equal numpy/scipy's computation of the same definitions (cosine
// RSMs, scipy's rankdata of their upper triangles, spearmanr against the
// sum of the ranked trials and against the sum of the others, and a model
// RSM's mean spearmanr with each trial's), from a committed golden file.
func TestCeilingAndPerTrialMatchScipy(t *testing.T) {
	const trials, images, voxels = 6, 12, 10
	r := &kay.Repeats{Trials: [2]int{1, trials}, Test: make([]float32, trials*images*voxels)}
	model := make([]float32, images*voxels)
	for tr := range trials {
		for i := range images {
			for v := range voxels {
				ti, iv := float64(tr), float64(i)
				r.Test[(tr*images+i)*voxels+v] = float32(math.Sin(1.3*iv+0.7*float64(v)) + 0.5*math.Cos(2.1*ti+0.37*iv*float64(v)))
				if tr == 0 {
					model[i*voxels+v] = float32(math.Cos(0.9*iv + 0.4*float64(v*v)/3))
				}
			}
		}
	}
	ranked, err := trialRanks(r, identity(images), voxels, identity(voxels))
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := ceilingOf(ranked)
	m, err := rsa.Cosine(rsa.Patterns{X: model, N: images, D: voxels})
	if err != nil {
		t.Fatal(err)
	}
	pt := PerTrialScore(ranked, m.UpperTriangle())
	for _, path := range pyref.Golden(t, "ceiling_per_trial.txt", []string{"numpy", "scipy"}, pyref.Script(`import numpy as np
from scipy.stats import rankdata, spearmanr
T, N, V = 6, 12, 10
t, i, v = np.meshgrid(np.arange(T), np.arange(N), np.arange(V), indexing="ij")
X = (np.sin(1.3*i + 0.7*v) + 0.5*np.cos(2.1*t + 0.37*i*v)).astype(np.float32).astype(np.float64)
i, v = np.meshgrid(np.arange(N), np.arange(V), indexing="ij")
M = np.cos(0.9*i + 0.4*(v*v)/3).astype(np.float32).astype(np.float64)
def upper(P):
    n = np.linalg.norm(P, axis=1)
    return (P @ P.T / np.outer(n, n))[np.triu_indices(len(P), 1)]
R = [rankdata(upper(X[k])) for k in range(T)]
S = np.sum(R, axis=0)
hi = np.mean([spearmanr(r, S)[0] for r in R])
lo = np.mean([spearmanr(r, S - r)[0] for r in R])
pt = np.mean([spearmanr(upper(M), r)[0] for r in R])
print(repr(lo), repr(hi), repr(pt))`)) {
		var wlo, whi, wpt float64
		if _, err := fmt.Sscan(pyref.ReadText(t, path), &wlo, &whi, &wpt); err != nil {
			t.Fatal(err)
		}
		t.Logf("ceiling [%.6f, %.6f], per trial %.6f; scipy [%.6f, %.6f], %.6f", lo, hi, pt, wlo, whi, wpt)
		if math.Abs(lo-wlo) > 1e-6 || math.Abs(hi-whi) > 1e-6 || math.Abs(pt-wpt) > 1e-6 {
			t.Errorf("ceiling [%v, %v], per trial %v; scipy [%v, %v], %v (%s)", lo, hi, pt, wlo, whi, wpt, path)
		}
	}
}
