package backend

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	_ "github.com/gomlx/compute/gobackend" // the zero-install fallback

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/internal/linalg"
)

// EnvVar selects the backend when no flag does: auto, onnx, go, xla, xla:cuda,
// or any GoMLX "name:config" string. GOMLX_BACKEND is honoured too.
const EnvVar = "DT_BACKEND"

// ORTVersion is the ONNX Runtime release `make setup` installs.
const ORTVersion = "1.26.0"

// ORTLibraryEnv is the variable that names the ONNX Runtime library.
const ORTLibraryEnv = "ONNXRUNTIME_SHARED_LIBRARY_PATH"

// ORTCachePath is where `make setup` puts libonnxruntime.so.1 under the
// cache folder cacheRoot.
func ORTCachePath(cacheRoot string) string {
	return filepath.Join(cacheRoot, "onnxruntime", ORTVersion, "libonnxruntime.so.1")
}

// Env is what a program's environment says about backends. The package
// never reads the environment itself: a program reads it once, with
// FromEnv(os.Getenv), and passes the Env in; tests build one by hand.
type Env struct {
	// Spec is the backend asked for when no flag names one ("" or
	// "auto": the fastest available for the workload); Source says who
	// asked ("$DT_BACKEND"), for messages.
	Spec, Source string
	// ORTLibrary is the ONNX Runtime library to load when it exists.
	ORTLibrary string
}

// FromEnv reads $DT_BACKEND, else $GOMLX_BACKEND, and the ONNX Runtime
// library ($ONNXRUNTIME_SHARED_LIBRARY_PATH, else the copy `make setup`
// put in the cache folder) through getenv (os.Getenv, or a map's lookup).
func FromEnv(getenv func(string) string) Env {
	e := Env{Spec: getenv(EnvVar), Source: "$" + EnvVar, ORTLibrary: getenv(ORTLibraryEnv)}
	if e.Spec == "" {
		if g := getenv(compute.ConfigEnvVar); g != "" {
			e.Spec, e.Source = g, "$"+compute.ConfigEnvVar
		}
	}
	if e.ORTLibrary == "" {
		e.ORTLibrary = ORTCachePath(cachedir.RootFrom(getenv))
	}
	return e
}

// ORT returns the ONNX Runtime library and whether it exists.
func (e Env) ORT() (string, bool) {
	if e.ORTLibrary == "" {
		return "", false
	}
	st, err := os.Stat(e.ORTLibrary)
	return e.ORTLibrary, err == nil && !st.IsDir()
}

// Choice is a resolved backend selection.
type Choice struct {
	Config string // GoMLX config string, e.g. "onnx:cpu" or "go"
	Note   string // why it was chosen, for the user
}

// Workload is the kind of computation a backend is chosen for, since the
// fastest CPU backend differs: ONNX Runtime runs convolutions at PyTorch's
// speed where the pure-Go backend is ~100x slower, while for training the
// fully connected networks (the fMRI decoder, the CNN heads) the pure-Go
// backend measured 1.7x PyTorch against ONNX Runtime's 0.9x
// (pkg/decoder BenchmarkEpoch).
type Workload int

const (
	Convolutions Workload = iota // CNN backbones: auto prefers ONNX Runtime
	Dense                        // fully connected training: auto prefers pure Go
)

// Resolve turns a user's spec (flag value; "" means e.Spec, then auto) into
// a GoMLX configuration. It does not start anything.
func (e Env) Resolve(spec string, w Workload) (Choice, error) {
	source := "--backend"
	if spec == "" {
		spec, source = e.Spec, e.Source
	}
	if spec == "" || spec == "auto" {
		if w == Dense {
			return Choice{Config: "go", Note: "auto: pure Go, the fastest CPU backend for fully connected training"}, nil
		}
		if lib, ok := e.ORT(); ok {
			return Choice{Config: "onnx:cpu", Note: "auto: ONNX Runtime library found at " + lib}, nil
		}
		return Choice{Config: "go", Note: "auto: ONNX Runtime library not found (run `make setup`); using the pure-Go backend, whose convolutions are slow"}, nil
	}
	name, _, _ := strings.Cut(spec, ":")
	if spec == "onnx" {
		spec = "onnx:cpu"
	}
	if !slices.Contains(Available(), name) {
		hint := ""
		if name == "xla" {
			hint = " (rebuild with -tags xla and install the PJRT plugin)"
		}
		return Choice{}, fmt.Errorf("%s=%q: backend %q is not compiled in%s; available: %s",
			source, spec, name, hint, strings.Join(Available(), ", "))
	}
	return Choice{Config: spec, Note: "chosen by " + source}, nil
}

// Available lists the compiled-in backends, sorted.
func Available() []string {
	l := compute.List()
	slices.Sort(l)
	return l
}

// Local lists the backends that run here without further installs: the
// pure-Go one always, ONNX Runtime when its library is found. Tests check
// every model on each.
func (e Env) Local() []string {
	if _, ok := e.ORT(); ok {
		return []string{"go", "onnx"}
	}
	return []string{"go"}
}

// New resolves spec and starts the backend. ONNX Runtime is given the
// library's path in its configuration (so it never looks for, or tries to
// download, another).
func (e Env) New(spec string, w Workload) (compute.Backend, Choice, error) {
	c, err := e.Resolve(spec, w)
	if err != nil {
		return nil, c, err
	}
	cfg := c.Config
	if strings.HasPrefix(cfg, "onnx") && !strings.Contains(cfg, "/") {
		lib, ok := e.ORT()
		if !ok {
			return nil, c, fmt.Errorf("ONNX Runtime library not found at %q (run `make setup`, or set %s)", lib, ORTLibraryEnv)
		}
		abs, err := filepath.Abs(lib)
		if err != nil {
			return nil, c, err
		}
		cfg += "," + abs
	}
	if cfg == "go" && w == Convolutions {
		// The pure-Go backend (gomlx/compute v0.1.6) runs independent graph
		// nodes in its worker pool, and a convolution waits in the same pool
		// for workers of its own: with every worker a convolution waiting,
		// the pass deadlocks (seen on 2 cores in BatchNorm adaptation's
		// wider graphs). Nodes one at a time, each convolution parallel
		// inside, cannot.
		cfg = "go:ops_sequential"
	}
	b, err := compute.NewWithConfig(cfg)
	if err != nil {
		return nil, c, fmt.Errorf("starting backend %q: %w", c.Config, err)
	}
	started.Store(b, c)
	return b, c, nil
}

// GPU says whether the choice runs on a GPU (XLA's CUDA or ROCm plugins).
func (c Choice) GPU() bool {
	name, plugin, _ := strings.Cut(c.Config, ":")
	if name != "xla" {
		return false
	}
	p := strings.ToLower(plugin)
	return strings.Contains(p, "cuda") || strings.Contains(p, "rocm") || strings.Contains(p, "gpu")
}

// started remembers each backend New started with its choice (ChoiceOf).
var started sync.Map // compute.Backend -> Choice

// ChoiceOf returns the choice backend b was started with by New.
func ChoiceOf(b compute.Backend) (Choice, bool) {
	c, ok := started.Load(b)
	if !ok {
		return Choice{}, false
	}
	return c.(Choice), true
}

// DenseSpec is the spec for the fully connected networks next to the
// convolution backend conv: the same GPU when conv runs on one (the heads
// and the decoder then train where the features are), else "" (auto: pure
// Go, the fastest CPU backend for them, unless $DT_BACKEND says otherwise).
func DenseSpec(conv compute.Backend) string {
	if c, ok := ChoiceOf(conv); ok && c.GPU() {
		return c.Config
	}
	return ""
}

// DefaultBatch is the backbone batch size for conv: 128 images on a GPU,
// where small batches leave it idle, 32 on a CPU. Results do not depend on
// it (evaluation treats images independently; BatchNorm adaptation is exact
// in chunks).
func DefaultBatch(conv compute.Backend) int {
	if c, ok := ChoiceOf(conv); ok && c.GPU() {
		return 128
	}
	return 32
}

// Describe is the one line every command prints about the backend in use.
func Describe(b compute.Backend, c Choice) string {
	return fmt.Sprintf("backend: %s — %s [%s]", c.Config, b.Description(), c.Note)
}

// UseFastBLAS makes the module's BLAS the one behind gonum for the whole
// process: gonum's own except for the routines a symmetric matrix's
// tridiagonal reduction spends its time in (Dsymv, Dsyr2k, Dgemm), which are
// rewritten with AVX-512 where the CPU has it and run over fixed row
// chunks in parallel (the ridge fits of pkg/encoding and pkg/layers: about
// 6x faster at n = 1593). Results equal gonum's to rounding and do not
// depend on the core count. Importing a package never does this; the CLI
// and the notebook helpers call it once.
func UseFastBLAS() { linalg.UseFastBLAS() }
