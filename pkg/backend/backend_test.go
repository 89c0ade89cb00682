package backend

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
)

func TestResolveAutoFollowsTheLibrary(t *testing.T) {
	t.Setenv(EnvVar, "")
	t.Setenv("GOMLX_BACKEND", "")
	t.Setenv(ORTLibraryEnv, filepath.Join(t.TempDir(), "missing.so"))
	c, err := Resolve("", Convolutions)
	if err != nil || c.Config != "go" {
		t.Fatalf("no library: want go, got %+v %v", c, err)
	}
	lib := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	_ = os.WriteFile(lib, nil, 0o644)
	t.Setenv(ORTLibraryEnv, lib)
	c, err = Resolve("auto", Convolutions)
	if err != nil || c.Config != "onnx:cpu" {
		t.Fatalf("library present: want onnx:cpu, got %+v %v", c, err)
	}
	// Fully connected training prefers pure Go whatever is installed, unless
	// the user names a backend.
	if c, err = Resolve("auto", Dense); err != nil || c.Config != "go" {
		t.Fatalf("dense workload: want go, got %+v %v", c, err)
	}
	if c, err = Resolve("onnx", Dense); err != nil || c.Config != "onnx:cpu" {
		t.Fatalf("dense workload, onnx named: want onnx:cpu, got %+v %v", c, err)
	}
}

func TestResolveExplicitAndUnknown(t *testing.T) {
	t.Setenv(EnvVar, "go")
	if c, err := Resolve("", Convolutions); err != nil || c.Config != "go" || !strings.Contains(c.Note, EnvVar) {
		t.Fatalf("env choice: %+v %v", c, err)
	}
	_, err := Resolve("tpu", Convolutions)
	if err == nil || !strings.Contains(err.Error(), `backend "tpu" is not compiled in`) {
		t.Fatalf("unknown backend: %v", err)
	}
}

// TestBackendsCompute runs a small graph on every backend that can start here
// and checks it against the closed form.
func TestBackendsCompute(t *testing.T) {
	for _, spec := range Local() {
		b, c, err := New(spec, Convolutions)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(Describe(b, c))
		exec := graph.MustNewExec(b, func(x *graph.Node) *graph.Node {
			return graph.ReduceAllSum(graph.Mul(x, x))
		})
		got := exec.MustExec1([]float32{1, 2, 3}).Value().(float32)
		if got != 14 {
			t.Errorf("%s: sum of squares = %v, want 14", spec, got)
		}
	}
}

// TestGPUDefaults: a GPU choice (XLA with a CUDA or ROCm plugin) puts the
// dense networks on the same GPU and raises the backbone batch to 128; a
// CPU backend keeps auto's dense choice and batches of 32.
func TestGPUDefaults(t *testing.T) {
	for cfg, gpu := range map[string]bool{"xla:cuda": true, "xla:/opt/pjrt/pjrt_c_api_cuda_plugin.so": true, "xla:rocm": true,
		"xla:cpu": false, "xla": false, "onnx:cpu": false, "go": false} {
		if got := (Choice{Config: cfg}).GPU(); got != gpu {
			t.Errorf("%s: GPU() = %v, want %v", cfg, got, gpu)
		}
	}
	b, _, err := New("go", Dense)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	if c, ok := ChoiceOf(b); !ok || c.Config != "go" {
		t.Errorf("ChoiceOf: %+v %v", c, ok)
	}
	if DenseSpec(b) != "" || DefaultBatch(b) != 32 {
		t.Errorf("CPU backend: dense spec %q, batch %d; want auto and 32", DenseSpec(b), DefaultBatch(b))
	}
}
