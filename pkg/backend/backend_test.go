package backend

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
)

func TestResolveAutoFollowsTheLibrary(t *testing.T) {
	e := Env{ORTLibrary: filepath.Join(t.TempDir(), "missing.so")}
	c, err := e.Resolve("", Convolutions)
	if err != nil || c.Config != "go" {
		t.Fatalf("no library: want go, got %+v %v", c, err)
	}
	lib := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	_ = os.WriteFile(lib, nil, 0o644)
	e.ORTLibrary = lib
	c, err = e.Resolve("auto", Convolutions)
	if err != nil || c.Config != "onnx:cpu" {
		t.Fatalf("library present: want onnx:cpu, got %+v %v", c, err)
	}
	// Fully connected training prefers pure Go whatever is installed, unless
	// the user names a backend.
	if c, err = e.Resolve("auto", Dense); err != nil || c.Config != "go" {
		t.Fatalf("dense workload: want go, got %+v %v", c, err)
	}
	if c, err = e.Resolve("onnx", Dense); err != nil || c.Config != "onnx:cpu" {
		t.Fatalf("dense workload, onnx named: want onnx:cpu, got %+v %v", c, err)
	}
}

func TestResolveExplicitAndUnknown(t *testing.T) {
	e := FromEnv(func(k string) string { return map[string]string{EnvVar: "go", "GOMLX_BACKEND": "onnx"}[k] })
	if c, err := e.Resolve("", Convolutions); err != nil || c.Config != "go" || !strings.Contains(c.Note, EnvVar) {
		t.Fatalf("env choice: %+v %v", c, err)
	}
	_, err := e.Resolve("tpu", Convolutions)
	if err == nil || !strings.Contains(err.Error(), `backend "tpu" is not compiled in`) {
		t.Fatalf("unknown backend: %v", err)
	}
}

// TestBackendsCompute runs a small graph on every backend that can start here
// and checks it against the closed form.
func TestBackendsCompute(t *testing.T) {
	env := FromEnv(os.Getenv)
	before := os.Environ()
	for _, spec := range env.Local() {
		b, c, err := env.New(spec, Convolutions)
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
	if after := os.Environ(); !slices.Equal(before, after) {
		t.Errorf("starting backends changed the process's environment:\nbefore %v\nafter  %v", before, after)
	}
}

// TestFromEnv: $DT_BACKEND before $GOMLX_BACKEND, the library's variable
// before the cache's copy, the cache folder from $DT_CACHE.
func TestFromEnv(t *testing.T) {
	env := func(m map[string]string) Env { return FromEnv(func(k string) string { return m[k] }) }
	e := env(map[string]string{"GOMLX_BACKEND": "go", "DT_CACHE": "/c"})
	if e.Spec != "go" || e.Source != "$GOMLX_BACKEND" || e.ORTLibrary != "/c/onnxruntime/"+ORTVersion+"/libonnxruntime.so.1" {
		t.Errorf("GOMLX_BACKEND and DT_CACHE: %+v", e)
	}
	e = env(map[string]string{EnvVar: "onnx", "GOMLX_BACKEND": "go", ORTLibraryEnv: "/l/lib.so", "HOME": "/h"})
	if e.Spec != "onnx" || e.Source != "$"+EnvVar || e.ORTLibrary != "/l/lib.so" {
		t.Errorf("DT_BACKEND and the library variable: %+v", e)
	}
	if e = env(map[string]string{"HOME": "/h"}); e.Spec != "" || e.ORTLibrary != "/h/.cache/decoding-thoughts/onnxruntime/"+ORTVersion+"/libonnxruntime.so.1" {
		t.Errorf("HOME only: %+v", e)
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
	b, _, err := Env{}.New("go", Dense)
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
