package cnn

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// noise is n images of 3 x h x w drawn N(0,1) from seed.
func noise(seed uint64, n, h, w int) []float32 {
	rng := rand.New(rand.NewPCG(seed, 3))
	x := make([]float32, n*3*h*w)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// TestAdaptParityWithTorchvision: issue 14's "adapt" mode against torch.
// torchvision's network with the parity weights runs one training-mode pass
// of 5 images (3x64x64) as a single batch with every BatchNorm at momentum 1;
// here the same 5 images are adapted in chunks of 2 (the last one padded),
// on the study's CNN backend (and a few small networks on the pure-Go
// backend too).
// The eval-mode logits and features of 2 other images afterwards, and one
// BatchNorm's running mean, unbiased variance and counter, must match
// torch's float64 result to 1e-4 of its scale, for every registry
// architecture with BatchNorm; for the outputs of deep networks, whose batch
// statistics amplify float32 rounding, to 3x torch's own float32 error where
// that is larger (ResNet-152: 8e-4).
func TestAdaptParityWithTorchvision(t *testing.T) {
	adaptOnGo := map[string]bool{"resnet18": true, "mobilenet_v3_small": true, "densenet121": true, "regnet_y_400mf": true}
	dir := t.TempDir()
	const na, n, h, w = 5, 2, 64, 64
	xa, x := noise(11, na, h, w), noise(12, n, h, w)
	adaptIn, in := filepath.Join(dir, "adapt.npy"), filepath.Join(dir, "x.npy")
	if err := npfile.WriteNPY(adaptIn, npfile.Array{Shape: []int{na, 3, h, w}, Data: xa}); err != nil {
		t.Fatal(err)
	}
	if err := npfile.WriteNPY(in, npfile.Array{Shape: []int{n, 3, h, w}, Data: x}); err != nil {
		t.Fatal(err)
	}
	images := Images{N: na, H: h, W: w, Fill: func(dst []float32, lo, hi int) { copy(dst, xa[lo*3*h*w:hi*3*h*w]) }}
	// Every architecture on the study's CNN backend (ONNX Runtime when
	// installed), a few small ones on the pure-Go backend too.
	backends := map[string]compute.Backend{}
	for _, spec := range backend.FromEnv(os.Getenv).Local() {
		b, _, err := backend.FromEnv(os.Getenv).New(spec, backend.Convolutions)
		if err != nil {
			t.Fatal(err)
		}
		backends[spec] = b
	}
	for _, a := range zoo() {
		mods, err := a.BatchNormModules()
		if err != nil {
			t.Fatal(err)
		}
		if len(mods) == 0 {
			continue
		}
		t.Run(a.Name, func(t *testing.T) {
			state, st := parityFiles(t, a)
			refs := pyref.Golden(t, a.Name+"_adapt.npz", []string{"torch", "torchvision", "numpy"},
				pyref.File("testdata/torchvision_adapt_ref.py", a.Name, state, adaptIn, in, pyref.Out))
			for spec, b := range backends {
				if spec == "go" && len(backends) > 1 && !adaptOnGo[a.Name] {
					continue
				}
				m, err := NewFromFile(b, a, st)
				if err != nil {
					t.Fatal(err)
				}
				if m.BatchNorm != BNFrozen {
					t.Errorf("mode before adaptation %q, want %q", m.BatchNorm, BNFrozen)
				}
				if err := m.AdaptBatchNorm(context.Background(), images, AdaptOptions{Chunk: 2}, "5 noise images", nil); err != nil {
					t.Fatal(err)
				}
				if !strings.HasPrefix(m.BatchNorm, BNAdapt) || !strings.Contains(m.About(), "adapt (5 noise images)") {
					t.Errorf("mode after adaptation %q (%s)", m.BatchNorm, m.About())
				}
				logits, feats, err := m.Forward(x, n, h, w)
				if err != nil {
					t.Fatal(err)
				}
				probe := mods[len(mods)/2]
				stat := func(name string) []float32 {
					v := m.Store.GetVariable(model.JoinPath(m.scope().Scope(), strings.ReplaceAll(probe, ".", "/"), name))
					if v == nil {
						t.Fatalf("no variable %s.%s", probe, name)
					}
					val, err := v.Value()
					if err != nil {
						t.Fatal(err)
					}
					if name == "num_batches_tracked" {
						return []float32{float32(tensors.MustCopyFlatData[int64](val)[0])}
					}
					return tensors.MustCopyFlatData[float32](val)
				}
				for _, ref := range refs {
					want := pyref.Floats(t, ref)
					for key, got := range map[string][]float32{"logits": logits, "features": feats,
						"probe_mean": stat("running_mean"), "probe_var": stat("running_var"), "probe_count": stat("num_batches_tracked")} {
						tol := 1e-4
						if key == "logits" || key == "features" {
							tol = max(tol, 3*relDiff(want(key+"_f32"), want(key)))
						}
						if d := relDiff(got, want(key)); d > tol {
							t.Errorf("%s on %s: %s differ from torch's adapted network (%s, float64) by %.3g of their scale (want <= %.2g)", a.Name, spec, key, ref, d, tol)
						} else {
							t.Logf("%s on %s: %s within %.2g of torch's float64 result (tolerance %.2g; %s)", a.Name, spec, key, d, tol, ref)
						}
					}
				}
				m.Close()
			}
		})
	}
}

// TestAdaptGroupsAtFullSize: at the study's size (1593 images of 128 x
// 128, chunks of 32) adaptation fuses VGG-11's first two units and its
// third and fourth (two BatchNorms each: the images' 313 MB and a unit's
// 1.67 GB output would be held at once), and no ResNet-50 stage (fusing
// layer1 with layer2.0 would rerun its first layers for 14 BatchNorms).
func TestAdaptGroupsAtFullSize(t *testing.T) {
	want := map[string][]string{
		"vgg11_bn": {"features.3 to features.7", "features.10 to features.14", "features.17", "features.21", "features.24", "features.28", "head"},
	}
	for _, name := range []string{"vgg11_bn", "resnet50"} {
		a, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		groups, err := a.adaptGroups(1593, 128, 128, DefaultAdaptOptions())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, g := range groups {
			got = append(got, g.name)
		}
		w, ok := want[name]
		if !ok {
			for _, s := range a.stages {
				w = append(w, s.name)
			}
		}
		if !slices.Equal(got, w) {
			t.Errorf("%s: adaptation groups %q, want %q", name, got, w)
		}
	}
}

// TestAdaptKeptInputsChangeNothing: resuming adaptation runs from kept
// BatchNorm inputs (AdaptOptions.KeepBytes) and fusing stages under a state
// budget (StateBytes) are optimisations only: with nothing kept (every run
// recomputes the stage from its inputs), with a budget that keeps some
// inputs and drops others, with room for all, and with a state budget that
// fuses some stages (resnet18's stem to layer2.0, densenet121's pool0 to
// transition1, passing a dense block's features through) with nothing
// kept, and with everything kept and fused stages of at most 4
// BatchNorms, every BatchNorm's adapted statistics and the adapted
// network's outputs agree to float32 rounding, on architectures with
// residual (resnet), concatenated (densenet) and squeeze-excitation
// (mobilenet v3) blocks, on every local backend.
func TestAdaptKeptInputsChangeNothing(t *testing.T) {
	const na, n, h, w = 6, 2, 64, 64
	xa, x := noise(21, na, h, w), noise(22, n, h, w)
	images := Images{N: na, H: h, W: w, Fill: func(dst []float32, lo, hi int) { copy(dst, xa[lo*3*h*w:hi*3*h*w]) }}
	const fuse = na * 64 * 16 * 16 * 4 // a 64-channel 16x16 state for every image: fuses the stages that grow it
	configs := []struct {
		keep, state int64
		fuseBN      int // FuseBatchNorms
	}{{-1, 1 << 40, 4}, {na * 64 * 16 * 16 * 4, 1 << 40, 4}, {1 << 40, 1 << 40, 4}, {-1, fuse, 1 << 20}, {1 << 40, fuse, 4}}
	specs := backend.FromEnv(os.Getenv).Local()
	if testing.Short() { // the study's backend for CNNs only
		specs = specs[len(specs)-1:]
	}
	for _, spec := range specs {
		b, _, err := backend.FromEnv(os.Getenv).New(spec, backend.Convolutions)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"resnet18", "densenet121", "mobilenet_v3_small"} {
			a, err := Get(name)
			if err != nil {
				t.Fatal(err)
			}
			mods, err := a.BatchNormModules()
			if err != nil {
				t.Fatal(err)
			}
			var ref [][]float32
			for k, c := range configs {
				opt := AdaptOptions{Chunk: 4, KeepBytes: c.keep, StateBytes: c.state, FuseBatchNorms: c.fuseBN}
				if c.state == fuse {
					groups, err := a.adaptGroups(na, h, w, opt)
					if err != nil {
						t.Fatal(err)
					}
					if len(groups) >= len(a.stages) {
						t.Fatalf("%s: state budget %d fused no stages", name, fuse)
					}
				}
				m, err := NewRandom(b, a, 3)
				if err != nil {
					t.Fatal(err)
				}
				if err := m.AdaptBatchNorm(context.Background(), images, opt, "noise", nil); err != nil {
					t.Fatal(err)
				}
				logits, _, err := m.Forward(x, n, h, w)
				if err != nil {
					t.Fatal(err)
				}
				got := [][]float32{logits}
				for _, mod := range mods {
					for _, stat := range []string{"running_mean", "running_var"} {
						v := m.Store.GetVariable(model.JoinPath(m.scope().Scope(), strings.ReplaceAll(mod, ".", "/"), stat))
						val, err := v.Value()
						if err != nil {
							t.Fatal(err)
						}
						got = append(got, tensors.MustCopyFlatData[float32](val))
					}
				}
				m.Close()
				if k == 0 {
					ref = got
					continue
				}
				for i := range got {
					if d := relDiff(got[i], ref[i]); d > 1e-5 {
						what := "logits"
						if i > 0 {
							what = mods[(i-1)/2] + " statistics"
						}
						t.Errorf("%s on %s, keeping %d bytes, state budget %d: %s differ from the recomputed run's by %.3g", name, spec, c.keep, c.state, what, d)
					}
				}
			}
		}
	}
}
