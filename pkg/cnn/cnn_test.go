package cnn

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/weights"
)

// relDiff is max|a-b| over the reference's largest magnitude.
func relDiff(a, b []float32) float64 {
	scale, d := 0.0, 0.0
	for i := range b {
		scale = math.Max(scale, math.Abs(float64(b[i])))
		d = math.Max(d, math.Abs(float64(a[i]-b[i])))
	}
	return d / math.Max(scale, 1e-12)
}

// TestParityWithTorchvision builds each architecture in torchvision with
// random weights and randomised BatchNorm statistics, loads the saved .pth
// here, and compares eval-mode logits and penultimate features for the same
// inputs (2 images of 3x128x128), to 1e-4 of the reference's scale. The
// DenseNet checkpoint is saved with the legacy key names the published one
// has. Every backend that runs here is checked (pure Go and, when installed,
// ONNX Runtime).
func TestParityWithTorchvision(t *testing.T) {
	pyref.Require(t, "torch", "torchvision", "numpy")
	dir := t.TempDir()
	const n, h, w = 2, 128, 128
	rng := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, n*3*h*w)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	in := filepath.Join(dir, "x.npy")
	if err := npfile.WriteNPY(in, npfile.Array{Shape: []int{n, 3, h, w}, Data: x}); err != nil {
		t.Fatal(err)
	}
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			a, err := Get(name)
			if err != nil {
				t.Fatal(err)
			}
			pth, ref := filepath.Join(dir, name+".pth"), filepath.Join(dir, name+".npz")
			args := []string{name, "7", in, pth, ref}
			if name == "densenet121" {
				args = append(args, "legacy")
			}
			pyref.RunFile(t, "testdata/torchvision_ref.py", args...)
			z, err := npfile.OpenNPZ(ref)
			if err != nil {
				t.Fatal(err)
			}
			defer z.Close()
			for _, spec := range backend.Local() {
				b, _, err := backend.New(spec, backend.Convolutions)
				if err != nil {
					t.Fatal(err)
				}
				m, err := NewFromFile(b, a, pth)
				if err != nil {
					t.Fatal(err)
				}
				logits, feats, err := m.Forward(x, n, h, w)
				if err != nil {
					t.Fatal(err)
				}
				for key, got := range map[string][]float32{"logits": logits, "features": feats} {
					want, err := z.Read(key)
					if err != nil {
						t.Fatal(err)
					}
					if d := relDiff(got, want.Data.([]float32)); d > 1e-4 {
						t.Errorf("%s on %s: %s differ from torchvision by %.3g of their scale (want <= 1e-4)", name, spec, key, d)
					} else {
						t.Logf("%s on %s: %s within %.2g of torchvision", name, spec, key, d)
					}
				}
			}
			_ = os.Remove(pth)
		})
	}
}

// TestCheckpointMismatchIsReported: a checkpoint with a misspelt key is
// refused when the network is built, naming the parameter it lacks and the
// tensor it did not use; a round trip through safetensors is exact.
func TestCheckpointMismatchIsReported(t *testing.T) {
	b, _, err := backend.New("go", backend.Convolutions)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Get("mobilenet_v3_large")
	src, err := NewRandom(b, a, 1)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 3*32*32)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	want, _, err := src.Forward(x, 1, 32, 32)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := src.StateDict()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	if err := weights.WriteSafetensors(good, sd); err != nil {
		t.Fatal(err)
	}
	m, err := NewFromFile(b, a, good)
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := m.Forward(x, 1, 32, 32)
	if err != nil {
		t.Fatal(err)
	}
	if d := relDiff(got, want); d != 0 {
		t.Errorf("reloaded weights change the logits by %g", d)
	}
	sd[0].Key = "features.0.0.weights"
	bad := filepath.Join(dir, "bad.safetensors")
	if err := weights.WriteSafetensors(bad, sd); err != nil {
		t.Fatal(err)
	}
	m, err = NewFromFile(b, a, bad)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = m.Forward(x, 1, 32, 32)
	if err == nil || !strings.Contains(err.Error(), "missing [features.0.0.weight]") || !strings.Contains(err.Error(), "unexpected [features.0.0.weights]") {
		t.Errorf("misspelt key: %v", err)
	}
}

// TestOpenAutoFallsBackToRandom: without cached ImageNet weights, "auto" is
// the seeded random network and says so; a missing file is an error naming
// the spec and what was expected.
func TestOpenAutoFallsBackToRandom(t *testing.T) {
	t.Setenv("DT_CACHE", t.TempDir())
	b, _, err := backend.New("go", backend.Convolutions)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Get("mobilenet_v3_large")
	m, err := Open(context.Background(), b, a, "auto", 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Pretrained() || m.Weights != "random (seed 4)" || !strings.Contains(m.About(), "RANDOM weights") {
		t.Errorf("auto without a cache: %q, %q", m.Weights, m.About())
	}
	if _, err := Open(context.Background(), b, a, "/no/such.pth", 1, nil); err == nil || !strings.Contains(err.Error(), `weights "/no/such.pth"`) {
		t.Errorf("missing weights file: %v", err)
	}
}
