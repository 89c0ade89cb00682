package cnn

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/weights"
)

// relDiff is max|a-b| over the reference's largest magnitude.
func relDiff[A, B float32 | float64](a []A, b []B) float64 {
	scale, d := 0.0, 0.0
	for i := range b {
		scale = math.Max(scale, math.Abs(float64(b[i])))
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d / math.Max(scale, 1e-12)
}

// parityWeights is a deterministic state dict for the parity tests:
// torchvision's random initialisation drawn in Go (seed 7), with BatchNorm's
// statistics and affine parameters, LayerNorm's affine parameters and
// ConvNeXt's layer scales randomised so that no layer is the identity (or,
// for ConvNeXt's blocks at their 1e-6 scale, nearly nothing).
func parityWeights(t *testing.T, a Arch) []npfile.Entry {
	sd, err := a.RandomStateDict(7)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range sd {
		x, ok := e.Array.Data.([]float32)
		if !ok {
			continue
		}
		name := e.Key[strings.LastIndex(e.Key, ".")+1:]
		lo, hi := 0.0, 0.0
		switch {
		case strings.HasSuffix(e.Key, ".running_mean"):
			lo, hi = -0.2, 0.2
		case strings.HasSuffix(e.Key, ".running_var"):
			lo, hi = 0.5, 1.5
		case isBatchNormParam(sd, e.Key) && name == "weight":
			lo, hi = 0.5, 1.5
		case isBatchNormParam(sd, e.Key) && name == "bias":
			lo, hi = -0.2, 0.2
		case name == "layer_scale": // ConvNeXt's blocks would vanish at 1e-6
			lo, hi = 0.5, 1.5
		case isLayerNormParam(sd, e.Key) && name == "weight":
			lo, hi = 0.5, 1.5
		case isLayerNormParam(sd, e.Key) && name == "bias":
			lo, hi = -0.2, 0.2
		default:
			continue
		}
		rng := nn.KeyedRand(8, e.Key)
		for i := range x {
			x[i] = float32(lo + (hi-lo)*rng.Float64())
		}
	}
	return sd
}

// isLayerNormParam reports whether key belongs to a LayerNorm: a module
// with a 1-d weight and no running statistics.
func isLayerNormParam(sd []npfile.Entry, key string) bool {
	module := key[:strings.LastIndex(key, ".")]
	for _, e := range sd {
		if e.Key == module+".weight" {
			return len(e.Array.Shape) == 1 && !isBatchNormParam(sd, key)
		}
	}
	return false
}

// isBatchNormParam reports whether key belongs to a module with running
// statistics.
func isBatchNormParam(sd []npfile.Entry, key string) bool {
	module := key[:strings.LastIndex(key, ".")]
	for _, e := range sd {
		if e.Key == module+".running_mean" {
			return true
		}
	}
	return false
}

// onGo are the small architectures the -short parity tests also run on the
// pure-Go backend when ONNX Runtime is installed (the study's backend for
// CNNs): one of each kind of block, cheap on its slow convolutions.
var onGo = map[string]bool{"resnet18": true, "mobilenet_v3_small": true, "mobilenet_v3_large": true, "densenet121": true,
	"regnet_y_400mf": true, "efficientnet_b0": true}

// parityBackends are the backends a parity test runs a on: every local one,
// or under -short the pure-Go backend only for the onGo architectures when
// ONNX Runtime is there too.
func parityBackends(a Arch) []string {
	local := backend.FromEnv(os.Getenv).Local()
	if !testing.Short() || len(local) == 1 || onGo[a.Name] {
		return local
	}
	return local[len(local)-1:]
}

// zoo is the architectures the zoo-wide tests range over: every registered
// one (`make test-long`), or under -short (`make test`) the study's models
// and the first of every other family, which between them run every kind
// of stage the zoo is built from.
func zoo() []Arch {
	var out []Arch
	seen := map[string]bool{}
	for _, a := range All() {
		if a.Family == "user" {
			continue
		}
		if !testing.Short() || a.Study || !seen[a.Family] {
			out = append(out, a)
		}
		seen[a.Family] = true
	}
	return out
}

// TestParityWithTorchvision loads the same deterministic weights here and in
// torchvision and compares eval-mode logits and penultimate features for the
// same inputs (2 images of 3x128x128), to 1e-4 of the reference's scale, on
// every backend that runs here (pure Go and, when installed, ONNX Runtime).
// The golden files hold torchvision's outputs; the DenseNet weights reach Go
// under the legacy key names the published checkpoint has.
func TestParityWithTorchvision(t *testing.T) {
	dir := t.TempDir()
	const n, h, w = 2, 128, 128
	x, in := parityInput(t, dir, n, h, w, 1, 2)
	for _, a := range zoo() {
		t.Run(a.Name, func(t *testing.T) {
			state, st := parityFiles(t, a)
			refs := pyref.Golden(t, a.Name+".npz", []string{"torch", "torchvision", "numpy"},
				pyref.File("testdata/torchvision_ref.py", a.Name, state, in, pyref.Out))
			for _, spec := range parityBackends(a) {
				b, _, err := backend.FromEnv(os.Getenv).New(spec, backend.Convolutions)
				if err != nil {
					t.Fatal(err)
				}
				m, err := NewFromFile(b, a, st)
				if err != nil {
					t.Fatal(err)
				}
				logits, feats, err := m.Forward(x, n, h, w)
				if err != nil {
					t.Fatal(err)
				}
				m.Close()
				b.Finalize()
				for _, ref := range refs {
					want := pyref.Floats(t, ref)
					for key, got := range map[string][]float32{"logits": logits, "features": feats} {
						if d := relDiff(got, want(key)); d > 1e-4 {
							t.Errorf("%s on %s: %s differ from torchvision (%s) by %.3g of their scale (want <= 1e-4)", a.Name, spec, key, ref, d)
						} else {
							t.Logf("%s on %s: %s within %.2g of torchvision (%s)", a.Name, spec, key, d, ref)
						}
					}
				}
			}
		})
	}
}

// parityInput is n standard normal images of 3 x h x w (seeded), in
// memory and as dir/x.npy for torchvision.
func parityInput(t *testing.T, dir string, n, h, w int, s1, s2 uint64) ([]float32, string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(s1, s2))
	x := make([]float32, n*3*h*w)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	in := filepath.Join(dir, "x.npy")
	if err := npfile.WriteNPY(in, npfile.Array{Shape: []int{n, 3, h, w}, Data: x}); err != nil {
		t.Fatal(err)
	}
	return x, in
}

// parityFiles writes a's parity weights, once per test binary, into a
// folder TestMain removes: for torchvision (.npz) and for the Go side
// (.safetensors, with the published checkpoint's legacy DenseNet key
// names). The parity, layer and adaptation tests share them (drawing and
// writing VGG's 130 million weights takes seconds).
func parityFiles(t *testing.T, a Arch) (state, st string) {
	t.Helper()
	parity.Lock()
	defer parity.Unlock()
	if f, ok := parity.files[a.Name]; ok {
		return f[0], f[1]
	}
	sd := parityWeights(t, a)
	state = filepath.Join(parity.dir, a.Name+".npz")
	if err := npfile.WriteNPZ(state, sd...); err != nil {
		t.Fatal(err)
	}
	if a.Family == "densenet" {
		sd = legacyDenseNet(sd)
	}
	st = filepath.Join(parity.dir, a.Name+".safetensors")
	if err := weights.WriteSafetensors(st, sd); err != nil {
		t.Fatal(err)
	}
	parity.files[a.Name] = [2]string{state, st}
	return state, st
}

var parity struct {
	sync.Mutex
	dir   string
	files map[string][2]string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cnn-parity-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	parity.dir, parity.files = dir, map[string][2]string{}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// legacyDenseNet renames DenseNet keys to the published checkpoint's old
// names (norm.1 for norm1, ...) and drops num_batches_tracked, which
// checkpoints older than torch 0.4.1 lack.
func legacyDenseNet(sd []npfile.Entry) []npfile.Entry {
	re := regexp.MustCompile(`(denselayer\d+\.(?:norm|conv))([12])\.`)
	var out []npfile.Entry
	for _, e := range sd {
		if strings.HasSuffix(e.Key, "num_batches_tracked") {
			continue
		}
		e.Key = re.ReplaceAllString(e.Key, "$1.$2.")
		out = append(out, e)
	}
	return out
}

// TestCheckpointMismatchIsReported: a checkpoint with a misspelt key, of
// another architecture or with a wrongly shaped tensor is refused when
// opened, naming the parameter it lacks, the tensor it did not use or the
// shapes; a round trip through safetensors is exact.
func TestCheckpointMismatchIsReported(t *testing.T) {
	b, _, err := backend.FromEnv(os.Getenv).New("go", backend.Convolutions)
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
	if _, err = NewFromFile(b, a, bad); err == nil || !strings.Contains(err.Error(), "missing [features.0.0.weight]") || !strings.Contains(err.Error(), "unexpected [features.0.0.weights]") {
		t.Errorf("misspelt key: %v", err)
	}
	// Another architecture's checkpoint is refused when opened, before any
	// image runs through it.
	other, _ := Get("resnet18")
	if _, err := NewFromFile(b, other, good); err == nil || !strings.Contains(err.Error(), "does not fit resnet18") || !strings.Contains(err.Error(), good) {
		t.Errorf("mobilenet weights for resnet18: %v", err)
	}
	sd[0].Key = "features.0.0.weight"
	sd[0].Array.Shape = []int{sd[0].Array.Shape[0], 1, 3, 3 * sd[0].Array.Shape[3]}
	reshaped := filepath.Join(dir, "reshaped.safetensors")
	if err := weights.WriteSafetensors(reshaped, sd); err != nil {
		t.Fatal(err)
	}
	if _, err := NewFromFile(b, a, reshaped); err == nil || !strings.Contains(err.Error(), "wrong shape [features.0.0.weight") {
		t.Errorf("wrong shape: %v", err)
	}
}

// TestOpenAutoFallsBackToRandom: without ImageNet weights in the folder,
// "auto" is the random network seeded by the run seed plus the
// architecture's order (4 + 4 for mobilenet_v3_large) and says so; a missing file is an error naming
// the spec and what was expected.
func TestOpenAutoFallsBackToRandom(t *testing.T) {
	b, _, err := backend.FromEnv(os.Getenv).New("go", backend.Convolutions)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Get("mobilenet_v3_large")
	m, err := Open(context.Background(), b, a, "auto", 4, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Pretrained() || m.Weights != fmt.Sprintf("random (seed %d)", a.Seed(4)) || !strings.Contains(m.About(), "RANDOM weights") {
		t.Errorf("auto without a cache: %q, %q", m.Weights, m.About())
	}
	if _, err := Open(context.Background(), b, a, "/no/such.pth", 1, "", nil); err == nil || !strings.Contains(err.Error(), `weights "/no/such.pth"`) {
		t.Errorf("missing weights file: %v", err)
	}
}

// TestNonFiniteWeightsAreRefused: issue 12's F9. A checkpoint holding NaN
// (or infinity) is refused when opened, naming the file and the tensor.
func TestNonFiniteWeightsAreRefused(t *testing.T) {
	b, _, err := backend.FromEnv(os.Getenv).New("go", backend.Convolutions)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := Get("resnet18")
	sd, err := a.RandomStateDict(1)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
		sd[3].Array.Data.([]float32)[0] = bad
		p := filepath.Join(t.TempDir(), "nan.safetensors")
		if err := weights.WriteSafetensors(p, sd); err != nil {
			t.Fatal(err)
		}
		if _, err := NewFromFile(b, a, p); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), sd[3].Key) {
			t.Errorf("%v in %s: %v", bad, sd[3].Key, err)
		}
	}
}

// TestOneCompilationPerGraph: a pass over any number of images compiles
// its graph once (the last partial batch is padded to the batch size), a
// second pass and another image count compile nothing, the layer graph is
// one more, a pass after Release compiles again; Compilations counts them
// with their time.
func TestOneCompilationPerGraph(t *testing.T) {
	m := randomModel(t, "go", "resnet18")
	defer m.Close()
	images := func(n int) Images { return patterned(n, 32, 32, 13) }
	ctx := context.Background()
	if _, err := m.Extract(ctx, images(10), 4, "", nil); err != nil {
		t.Fatal(err)
	}
	if c := m.Compilations(); c.Count != 1 || !(c.Seconds > 0) {
		t.Fatalf("after one pass of 10 images in batches of 4: %+v, want 1 compilation with its time", c)
	}
	if _, err := m.Extract(ctx, images(7), 4, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := m.ExtractLayers(ctx, images(5), 4, []string{"layer1", LogitsLayer}, PoolGAP, "", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := m.ExtractLayers(ctx, images(9), 4, []string{"layer1", LogitsLayer}, PoolGAP, "", nil); err != nil {
		t.Fatal(err)
	}
	if c := m.Compilations(); c.Count != 2 {
		t.Fatalf("after two more passes and two layer passes: %d compilations, want 2", c.Count)
	}
	m.Release() // frees the compiled graphs: the next pass compiles again
	if _, err := m.Extract(ctx, images(3), 4, "", nil); err != nil {
		t.Fatal(err)
	}
	if c := m.Compilations(); c.Count != 3 {
		t.Fatalf("a pass after Release: %d compilations, want 3", c.Count)
	}
}

// randomModel is architecture name with random weights (seed 1) on the
// backend spec.
func randomModel(t *testing.T, spec, name string) *Model {
	t.Helper()
	b, _, err := backend.FromEnv(os.Getenv).New(spec, backend.Convolutions)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Get(name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewRandom(b, a, 1)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// patterned is n images of h x w whose values cycle through k levels.
func patterned(n, h, w, k int) Images {
	return Images{N: n, H: h, W: w, Fill: func(dst []float32, lo, hi int) {
		for i := range dst {
			dst[i] = float32((lo*31+i)%k) / float32(k)
		}
	}}
}

// TestEveryArchitectureHasACost: each registry entry's cost is its
// documented GFLOPS plus 2 (none left to the default), and the ordering the
// study's --jobs split relies on holds (vgg11_bn the dearest of the five).
func TestEveryArchitectureHasACost(t *testing.T) {
	for _, a := range registry {
		if _, ok := gflops[a.Name]; !ok {
			t.Errorf("%s has no GFLOPS", a.Name)
		}
	}
	if len(gflops) != len(registry) {
		t.Errorf("%d GFLOPS for %d architectures", len(gflops), len(registry))
	}
	cost := func(name string) float64 { a, _ := Get(name); return a.Cost() }
	if !(cost("vgg11_bn") > cost("resnext50_32x4d") && cost("resnet50") > cost("densenet121") && cost("densenet121") > cost("mobilenet_v3_large")) {
		t.Errorf("costs %v %v %v %v", cost("vgg11_bn"), cost("resnet50"), cost("densenet121"), cost("mobilenet_v3_large"))
	}
}
