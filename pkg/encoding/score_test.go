package encoding

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// TestTrialReliabilityKnownAnswer plants voxels with and without a
// stimulus-driven signal in two trials per image: H0 (no signal) holds for
// the first half of the voxels, whose one-sided p-values must be uniform
// (5% below 0.05, 20% below 0.2), and Benjamini-Hochberg at 5% keeps them
// as at most about 5% of the kept voxels (its false-discovery rate); the
// signal voxels (per-trial signal variance s, noise 1; split-half r 0.2,
// z about 3.5 over 300 images) are nearly all kept, and their Spearman-Brown corrected split-half correlation
// estimates the mean of two trials' reliability, 2s/(2s+1).
func TestTrialReliabilityKnownAnswer(t *testing.T) {
	const images, voxels, s = 300, 4000, 0.25
	rng := rand.New(rand.NewPCG(1, 2))
	rep := &kay.Repeats{Trials: [2]int{2, 1}, Train: make([]float32, 2*images*voxels)}
	for i := range images {
		for v := range voxels {
			sig := 0.0
			if v >= voxels/2 {
				sig = math.Sqrt(s) * rng.NormFloat64()
			}
			for tr := range 2 {
				rep.Train[(tr*images+i)*voxels+v] = float32(sig + rng.NormFloat64())
			}
		}
	}
	idx := make([]int, images)
	for i := range idx {
		idx[i] = i
	}
	even, odd, err := TrialHalves(rep, 0, idx, voxels)
	if err != nil {
		t.Fatal(err)
	}
	rel := HalvesReliability(even, odd)
	var below05, below20, keptNull, keptSignal float64
	var rs []float64
	for v := range voxels {
		if v < voxels/2 {
			if rel.P[v] < 0.05 {
				below05++
			}
			if rel.P[v] < 0.2 {
				below20++
			}
			if rel.Reliable[v] {
				keptNull++
			}
			continue
		}
		rs = append(rs, rel.R[v])
		if rel.Reliable[v] {
			keptSignal++
		}
	}
	n := float64(voxels / 2)
	want := 2 * s / (2*s + 1)
	t.Logf("null: %.3f below 0.05, %.3f below 0.2, %.0f kept; signal: %.3f kept, mean corrected r %.3f (want %.3f)",
		below05/n, below20/n, keptNull, keptSignal/n, stats.Mean(rs), want)
	if r := below05 / n; r < 0.035 || r > 0.065 {
		t.Errorf("null p-values: %.3f below 0.05, want about 0.05", r)
	}
	if r := below20 / n; r < 0.17 || r > 0.23 {
		t.Errorf("null p-values: %.3f below 0.2, want about 0.2", r)
	}
	if fdp := keptNull / (keptNull + keptSignal); fdp > 0.06 || keptSignal < 0.9*n {
		t.Errorf("kept %.0f null and %.0f signal voxels of %.0f each: want at most 5%% of the kept null, 90%% of the signal", keptNull, keptSignal, n)
	}
	if m := stats.Mean(rs); math.Abs(m-want) > 0.02 {
		t.Errorf("corrected split-half r %.3f, want %.3f", m, want)
	}
	// too few reliable voxels: the most reliable are taken and flagged
	sel, fallback := rel.ReliableOf([]int{0, 1, 2, 3, voxels - 1}, 3)
	if !fallback || len(sel) != 3 || sel[2] != voxels-1 {
		t.Errorf("ReliableOf with one reliable voxel of 5, at least 3: %v %v, want the 3 largest R, flagged", sel, fallback)
	}
	if _, _, err := TrialHalves(&kay.Repeats{Trials: [2]int{1, 1}}, 0, idx, voxels); err == nil {
		t.Errorf("split-half of one trial: no error")
	}
}

// TestModelReliabilityNull: the split-half prediction's test holds its
// level when no voxel carries what the features describe (responses
// independent of them; H0 for every voxel): at most 5% below 0.05
// (conservative by construction), and Benjamini-Hochberg keeps almost
// none; a voxel that is a linear function of the features plus as much
// noise is kept.
func TestModelReliabilityNull(t *testing.T) {
	const n, width, voxels = 200, 40, 600
	rng := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, n*width)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	y := mat.NewDense(n, voxels, nil)
	for i := range n {
		for v := range voxels {
			y.Set(i, v, rng.NormFloat64())
		}
		sig := 0.0
		for j := range 5 {
			sig += float64(x[i*width+j])
		}
		y.Set(i, voxels-1, sig/math.Sqrt(5)+rng.NormFloat64())
	}
	rel, err := ModelReliability(x, n, width, y, 1)
	if err != nil {
		t.Fatal(err)
	}
	var below05, kept float64
	for v := range voxels - 1 {
		if rel.P[v] < 0.05 {
			below05++
		}
		if rel.Reliable[v] {
			kept++
		}
	}
	t.Logf("null: %.3f below 0.05, %.0f kept; signal voxel r %.3f p %.2g", below05/(voxels-1), kept, rel.R[voxels-1], rel.P[voxels-1])
	if r := below05 / (voxels - 1); r > 0.07 {
		t.Errorf("null p-values: %.3f below 0.05, want at most about 0.05", r)
	}
	if kept > 3 || !rel.Reliable[voxels-1] {
		t.Errorf("kept %.0f null voxels (want almost none); signal voxel kept: %v", kept, rel.Reliable[voxels-1])
	}
}

// TestMedianR: the median over the chosen voxels of stats.Pearson over the
// chosen images, a repeated image counted twice.
func TestMedianR(t *testing.T) {
	pred := mat.NewDense(3, 4, []float64{1, 2, 3, 4, 4, 3, 2, 1, 1, 3, 2, 5})
	meas := mat.NewDense(3, 4, []float64{1, 2, 3, 5, 1, 2, 3, 5, 1, 2, 3, 5})
	idx := []int{0, 1, 1, 3}
	var want []float64
	for _, v := range []int{0, 1, 2} {
		var a, b []float64
		for _, i := range idx {
			a, b = append(a, pred.At(v, i)), append(b, meas.At(v, i))
		}
		want = append(want, stats.Pearson(a, b))
	}
	if got := MedianR(pred, meas, []int{0, 1, 2}, idx); got != stats.Percentile(want, 50) {
		t.Errorf("MedianR %v, want %v (of %v)", got, stats.Percentile(want, 50), want)
	}
}
