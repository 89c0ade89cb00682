package decoder

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
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
func maxRelDiff[A, B float32 | float64](a []A, b []B) float64 {
	scale, diff := 1.0, 0.0
	for i := range b {
		scale = math.Max(scale, math.Abs(float64(b[i])))
		diff = math.Max(diff, math.Abs(float64(a[i])-float64(b[i])))
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

// TestEvalParityWithTorch trains a narrow decoder briefly (so BatchNorm's
// running averages are far from their initial values) and exports the
// checkpoint; torch's eval-mode logits and embeddings for fresh inputs are
// the reference. The golden folder holds that checkpoint with torch's
// outputs; every backend that runs here loads it and must give torch's
// numbers.
func TestEvalParityWithTorch(t *testing.T) {
	te := randomData(2, 50, 400)
	xs := filepath.Join(t.TempDir(), "x.npy")
	if err := npfile.WriteNPY(xs, npfile.Array{Shape: []int{te.N, te.D}, Data: te.X}); err != nil {
		t.Fatal(err)
	}
	refs := pyref.Golden(t, "eval", []string{"torch", "numpy"}, func(t testing.TB, dir string) {
		b, _, err := backend.FromEnv(os.Getenv).New("", backend.Dense)
		if err != nil {
			t.Fatal(err)
		}
		cfg := Default(te.D, 3)
		cfg.Hidden = []int{64, 64}
		m, err := train.New(b, cfg, 3)
		if err != nil {
			t.Fatal(err)
		}
		tc := DefaultOptions().Train
		tc.Epochs = 3
		if _, err := train.Fit(context.Background(), m, randomData(1, 300, 400), te, 3, tc); err != nil {
			t.Fatal(err)
		}
		ck := filepath.Join(dir, "checkpoint.npz")
		if err := m.Save(ck, Meta{Model: Name, Config: cfg}); err != nil {
			t.Fatal(err)
		}
		pyref.RunFile(t, "testdata/torch_decoder.py", ck, xs, filepath.Join(dir, "torch.npz"), "eval")
	})
	for _, ref := range refs {
		want := pyref.Floats(t, filepath.Join(ref, "torch.npz"))
		for _, spec := range backend.FromEnv(os.Getenv).Local() {
			b, _, err := backend.FromEnv(os.Getenv).New(spec, backend.Dense)
			if err != nil {
				t.Fatal(err)
			}
			m, _, err := Load(b, filepath.Join(ref, "checkpoint.npz"))
			if err != nil {
				t.Fatal(err)
			}
			out, err := m.Forward(te)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxRelDiff(out.Logits, want("logits")); d > 1e-5 {
				t.Errorf("%s on %s: logits differ from torch by %.3g of their scale (want <= 1e-5)", ref, spec, d)
			}
			if d := maxRelDiff(out.Embedding, want("embedding")); d > 1e-5 {
				t.Errorf("%s on %s: embeddings differ from torch by %.3g of their scale (want <= 1e-5)", ref, spec, d)
			}
		}
	}
}

// TestTrainingStepParityWithTorch checks the training semantics against
// torch: from the same initial weights, one full-batch Adam step in training
// mode (dropout 0, so the step is deterministic) must give torch's loss,
// BatchNorm running averages and updated weights. The golden folder holds
// the initial checkpoint and torch's result.
func TestTrainingStepParityWithTorch(t *testing.T) {
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
	b, _, err := backend.FromEnv(os.Getenv).New("", backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	refs := pyref.Golden(t, "step", []string{"torch", "numpy"}, func(t testing.TB, ref string) {
		cfg := Default(data.D, 3)
		cfg.Hidden, cfg.Dropout = []int{64, 64}, 0
		m, err := train.New(b, cfg, 5)
		if err != nil {
			t.Fatal(err)
		}
		// The initial weights: evaluate once so the variables exist, then save.
		if _, err := m.Forward(data); err != nil {
			t.Fatal(err)
		}
		ck := filepath.Join(ref, "init.npz")
		if err := m.Save(ck, Meta{Model: Name, Config: cfg}); err != nil {
			t.Fatal(err)
		}
		pyref.RunFile(t, "testdata/torch_decoder.py", ck, xs, filepath.Join(ref, "torch.npz"), "step", ys, "0.01")
	})
	for _, ref := range refs {
		m, meta, err := Load(b, filepath.Join(ref, "init.npz"))
		if err != nil {
			t.Fatal(err)
		}
		h, err := train.Fit(context.Background(), m, data, data, 3, train.Config{Epochs: 1, BatchSize: data.N, LearningRate: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		z, err := npfile.OpenNPZ(filepath.Join(ref, "torch.npz"))
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		lossRef, _ := z.Read("loss")
		if d := math.Abs(h.Epochs[0].TrainLoss - lossRef.Data.([]float64)[0]); d > 1e-5 {
			t.Errorf("%s: training loss %v, torch %v", ref, h.Epochs[0].TrainLoss, lossRef.Data.([]float64)[0])
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
			if preBatchNormBias(e.Key, meta.Config) {
				// BatchNorm removes the mean, so these biases' gradient is 0 in
				// exact arithmetic and float32 noise in practice; Adam's first
				// step scales any gradient to about +-lr, so the noise's sign
				// decides. Torch moves them by the same noise: bound by the step.
				if d := maxAbsDiff(got, want); d > 2*0.01+1e-6 {
					t.Errorf("%s: %s after one step differs from torch by %.3g (want <= 2 lr)", ref, e.Key, d)
				}
				continue
			}
			// Everything else, running averages included, must agree; allow a
			// few weights whose gradient is ~0 (Adam's sign ambiguity again).
			if frac := fracDiffer(got, want, 1e-5); frac > 0.001 {
				t.Errorf("%s: %s: %.2f%% of values differ from torch by more than 1e-5 (want <= 0.1%%)", ref, e.Key, 100*frac)
			}
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
