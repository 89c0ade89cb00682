package decoder

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

// randomData is n samples of d Gaussian features whose first 20 features
// carry the class (3 classes).
func randomData(seed uint64, n, d int) train.Data {
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float32, n*d)
	y := make([]int, n)
	for i := range y {
		y[i] = rng.IntN(3)
		for j := range d {
			x[i*d+j] = float32(rng.NormFloat64())
			if j < 20 {
				x[i*d+j] += float32(y[i])
			}
		}
	}
	return train.Data{X: x, N: n, D: d, Y: y}
}

// maxRelDiff is max|a-b| over max(1, max|b|): the error relative to the
// scale of the reference values.
func maxRelDiff(a, b []float32) float64 {
	scale, diff := 1.0, 0.0
	for i := range b {
		scale = math.Max(scale, math.Abs(float64(b[i])))
		diff = math.Max(diff, math.Abs(float64(a[i]-b[i])))
	}
	return diff / scale
}

func readF32(t *testing.T, z *npfile.NPZ, key string) []float32 {
	t.Helper()
	a, err := z.Read(key)
	if err != nil {
		t.Fatal(err)
	}
	return a.Data.([]float32)
}

// TestEvalParityWithTorch trains the decoder briefly (so BatchNorm's running
// averages are far from their initial values), exports the checkpoint, and
// checks torch's eval-mode logits and embeddings for fresh inputs against
// ours, on every backend that runs here.
func TestEvalParityWithTorch(t *testing.T) {
	pyref.Require(t, "torch", "numpy")
	dir := t.TempDir()
	tr, te := randomData(1, 300, 400), randomData(2, 50, 400)
	xs := filepath.Join(dir, "x.npy")
	if err := npfile.WriteNPY(xs, npfile.Array{Shape: []int{te.N, te.D}, Data: te.X}); err != nil {
		t.Fatal(err)
	}
	for _, spec := range backend.Local() {
		t.Run(spec, func(t *testing.T) {
			b, _, err := backend.New(spec, backend.Dense)
			if err != nil {
				t.Fatal(err)
			}
			cfg := Default(tr.D, 3)
			m, err := train.New(b, cfg, 3)
			if err != nil {
				t.Fatal(err)
			}
			tc := DefaultOptions().Train
			tc.Epochs = 3
			if _, err := train.Fit(context.Background(), m, tr, te, 3, tc); err != nil {
				t.Fatal(err)
			}
			ck := filepath.Join(dir, spec+".npz")
			if err := m.Save(ck, Meta{Model: Name, Config: cfg}); err != nil {
				t.Fatal(err)
			}
			out, err := m.Forward(te)
			if err != nil {
				t.Fatal(err)
			}
			ref := filepath.Join(dir, spec+"_ref.npz")
			pyref.RunFile(t, "testdata/torch_decoder.py", ck, xs, ref, "eval")
			z, err := npfile.OpenNPZ(ref)
			if err != nil {
				t.Fatal(err)
			}
			defer z.Close()
			if d := maxRelDiff(out.Logits, readF32(t, z, "logits")); d > 1e-5 {
				t.Errorf("logits differ from torch by %.3g of their scale (want <= 1e-5)", d)
			}
			if d := maxRelDiff(out.Embedding, readF32(t, z, "embedding")); d > 1e-5 {
				t.Errorf("embeddings differ from torch by %.3g of their scale (want <= 1e-5)", d)
			}
		})
	}
}

// TestTrainingStepParityWithTorch checks the training semantics against
// torch: from the same initial weights, one full-batch Adam step in training
// mode (dropout 0, so the step is deterministic) must give torch's loss,
// BatchNorm running averages and updated weights.
func TestTrainingStepParityWithTorch(t *testing.T) {
	pyref.Require(t, "torch", "numpy")
	dir := t.TempDir()
	data := randomData(4, 200, 300)
	xs, ys := filepath.Join(dir, "x.npy"), filepath.Join(dir, "y.npy")
	y64 := make([]int64, data.N)
	for i, v := range data.Y {
		y64[i] = int64(v)
	}
	if err := npfile.WriteNPY(xs, npfile.Array{Shape: []int{data.N, data.D}, Data: data.X}); err != nil {
		t.Fatal(err)
	}
	if err := npfile.WriteNPY(ys, npfile.Array{Shape: []int{data.N}, Data: y64}); err != nil {
		t.Fatal(err)
	}
	b, _, err := backend.New("", backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Default(data.D, 3)
	cfg.Dropout = 0
	m, err := train.New(b, cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	// The initial weights: evaluate once so the variables exist, then save.
	if _, err := m.Forward(data); err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "init.npz")
	if err := m.Save(ck, Meta{Model: Name, Config: cfg}); err != nil {
		t.Fatal(err)
	}
	h, err := train.Fit(context.Background(), m, data, data, 3, train.Config{Epochs: 1, BatchSize: data.N, LearningRate: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "ref.npz")
	pyref.RunFile(t, "testdata/torch_decoder.py", ck, xs, ref, "step", ys, "0.01")
	z, err := npfile.OpenNPZ(ref)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	lossRef, _ := z.Read("loss")
	if d := math.Abs(h.Epochs[0].TrainLoss - lossRef.Data.([]float64)[0]); d > 1e-5 {
		t.Errorf("training loss %v, torch %v", h.Epochs[0].TrainLoss, lossRef.Data.([]float64)[0])
	}
	state, err := nnState(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range state {
		got, ok := e.Array.Data.([]float32)
		if !ok {
			continue
		}
		want := readF32(t, z, e.Key)
		if preBatchNormBias(e.Key, cfg) {
			// BatchNorm removes the mean, so these biases' gradient is 0 in
			// exact arithmetic and float32 noise in practice; Adam's first
			// step scales any gradient to about +-lr, so the noise's sign
			// decides. Torch moves them by the same noise: bound by the step.
			if d := maxAbsDiff(got, want); d > 2*0.01+1e-6 {
				t.Errorf("%s after one step differs from torch by %.3g (want <= 2 lr)", e.Key, d)
			}
			continue
		}
		// Everything else, running averages included, must agree; allow a
		// few weights whose gradient is ~0 (Adam's sign ambiguity again).
		if frac := fracDiffer(got, want, 1e-5); frac > 0.001 {
			t.Errorf("%s: %.2f%% of values differ from torch by more than 1e-5 (want <= 0.1%%)", e.Key, 100*frac)
		}
	}
}

// preBatchNormBias reports the biases of the Linear layers that feed a
// BatchNorm (all but the last).
func preBatchNormBias(key string, cfg Config) bool {
	for i := 1; i <= len(cfg.Hidden)+1; i++ {
		if key == fmt.Sprintf("fc%d.bias", i) {
			return true
		}
	}
	return false
}

func maxAbsDiff(a, b []float32) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d
}

func fracDiffer(a, b []float32, tol float64) float64 {
	n := 0
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > tol {
			n++
		}
	}
	return float64(n) / float64(len(a))
}
