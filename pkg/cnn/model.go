package cnn

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	_ "github.com/gomlx/compute/gobackend" // Params builds networks on it
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/internal/peakmem"
	"github.com/decodingthoughts/decoding-thoughts/internal/progress"
	"github.com/decodingthoughts/decoding-thoughts/internal/tensorfree"
	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/weights"
)

// Model is an architecture with weights on a backend, for inference.
type Model struct {
	Arch    Arch
	Backend compute.Backend
	Store   *model.Store
	// Weights says where the weights came from: "random (seed N)" or a file.
	Weights string
	exec    *model.Exec
	// layerExecs are ForwardLayers' graphs, by pooling and layer list.
	layerExecs map[string]*model.Exec
	// inputs are the graphs' input tensors, refilled for every call.
	inputs inputPool
	random bool
	// weightsDir is where Open looked for the official weights (for About).
	weightsDir string
	// Loading says how a training checkpoint's keys were brought to the
	// network's names (weights.Unwrap), if they had to be.
	Loading []string
	// BatchNorm says which statistics the BatchNorm layers normalise with:
	// BNFrozen (the checkpoint's), "adapt (N images)" after AdaptBatchNorm,
	// or BNNone for an architecture without BatchNorm.
	BatchNorm string

	compileMu sync.Mutex
	compiled  map[string]bool // graph and input shapes compiled so far
	compiles  Compilations
	graphs    int // graphs named so far (uniqueKey)
}

// Compilations counts the graphs a model compiled on its backend (each
// graph once per distinct input shape: partial batches are padded, so a
// pass compiles once) and the wall time the compilations took.
type Compilations struct {
	Count   int     `json:"count"`
	Seconds float64 `json:"seconds"`
}

// Plus is c and d together.
func (c Compilations) Plus(d Compilations) Compilations {
	return Compilations{Count: c.Count + d.Count, Seconds: c.Seconds + d.Seconds}
}

// Compilations reports the model's graph compilations so far.
func (m *Model) Compilations() Compilations {
	m.compileMu.Lock()
	defer m.compileMu.Unlock()
	return m.compiles
}

// uniqueKey names a graph built once (an adaptation pass) for compile: an
// exec's address may be reused after it is finalised, a counter is not.
func (m *Model) uniqueKey(prefix string) string {
	m.compileMu.Lock()
	defer m.compileMu.Unlock()
	m.graphs++
	return fmt.Sprintf("%s %d", prefix, m.graphs)
}

// compile compiles e for the input shapes ahead of its first run, once per
// key and shapes, timing it (Compilations); key names the graph.
func (m *Model) compile(e *model.Exec, key string, in ...shapes.Shape) error {
	k := key + fmt.Sprint(in)
	m.compileMu.Lock()
	defer m.compileMu.Unlock()
	if m.compiled[k] {
		return nil
	}
	t0 := time.Now()
	if _, err := e.Compile(in...); err != nil {
		return fmt.Errorf("cnn %s: compiling %s: %w", m.Arch.Name, key, err)
	}
	m.compiles.Count++
	m.compiles.Seconds += time.Since(t0).Seconds()
	if m.compiled == nil {
		m.compiled = map[string]bool{}
	}
	m.compiled[k] = true
	return nil
}

// bnMode is a freshly loaded model's BatchNorm mode.
func bnMode(a Arch) string {
	if mods, err := a.BatchNormModules(); err == nil && len(mods) == 0 {
		return BNNone
	}
	return BNFrozen
}

// scopeName holds the backbone's variables.
const scopeName = "backbone"

func (m *Model) scope() *model.Scope { return m.Store.RootScope().In(scopeName) }

// NewRandom is the architecture with seeded random weights drawn as
// torchvision initialises it (weights=None; see RandomStateDict): the
// untrained-network control, and what runs offline when no pretrained
// weights are cached.
func NewRandom(b compute.Backend, a Arch, seed int64) (*Model, error) {
	sd, err := a.RandomStateDict(seed)
	if err != nil {
		return nil, err
	}
	m := &Model{Arch: a, Backend: b, Store: model.NewStore(), Weights: fmt.Sprintf("random (seed %d)", seed), random: true, BatchNorm: bnMode(a)}
	if err := nn.LoadStateDict(m.scope(), sd); err != nil {
		return nil, err
	}
	return m, nil
}

// NewFromFile loads a torchvision checkpoint (.pth or .safetensors; legacy
// DenseNet keys are renamed). Every parameter the network uses must come
// from the file with its shape, and every tensor in the file must be used:
// checked here, before any image runs through it.
func NewFromFile(b compute.Backend, a Arch, path string) (*Model, error) {
	entries, err := weights.Read(path)
	if err != nil {
		return nil, err
	}
	entries, notes := weights.Unwrap(entries)
	entries = weights.RemapLegacy(entries)
	if err := checkFits(a, path, entries); err != nil {
		return nil, err
	}
	m := &Model{Arch: a, Backend: b, Store: model.NewStore(), Weights: path, Loading: notes, BatchNorm: bnMode(a)}
	if err := nn.LoadStateDict(m.scope(), entries); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// Open resolves a weights spec for architecture a: "random" (seeded with
// a.Seed(seed), torchvision's initialisation), a checkpoint file, a folder
// holding the torchvision file (a.Weights), "download" (fetch the official
// V1 weights into weightsDir, verified), or "auto" (the official weights
// when already in weightsDir, else random: the offline default; About says
// which). A variant (Variant) loads its own source for any spec but
// "random", downloading an address into weightsDir/variants.
func Open(ctx context.Context, b compute.Backend, a Arch, spec string, seed int64, weightsDir string, progressOut io.Writer) (*Model, error) {
	if a.Source != "" && spec != "random" {
		// A variant brings its own weights.
		spec = a.Source
		if weights.IsURL(spec) {
			path, err := weights.DownloadURL(ctx, filepath.Join(weightsDir, "variants"), spec, progressOut)
			if err != nil {
				return nil, fmt.Errorf("model %s: %w", a.Name, err)
			}
			spec = path
		}
		m, err := NewFromFile(b, a, spec)
		if err != nil {
			return nil, fmt.Errorf("model %s (%s:%s): %w", a.Name, a.Base, a.Source, err)
		}
		return m, nil
	}
	if spec == "auto" {
		spec = "random"
		if p, ok := CachedWeights(a, weightsDir); ok {
			spec = p
		}
	}
	switch spec {
	case "random":
		m, err := NewRandom(b, a, a.Seed(seed))
		if m != nil {
			m.weightsDir = weightsDir
		}
		return m, err
	case "download":
		path, err := weights.Download(ctx, weightsDir, a.Weights, "", progressOut)
		if err != nil {
			return nil, err
		}
		return NewFromFile(b, a, path)
	}
	st, err := os.Stat(spec)
	if err != nil {
		return nil, fmt.Errorf("weights %q: want random, download, a checkpoint file or a folder holding %s: %w", spec, a.Weights, err)
	}
	if st.IsDir() {
		spec = filepath.Join(spec, a.Weights)
	}
	return NewFromFile(b, a, spec)
}

// CachedWeights returns the official checkpoint of a in weightsDir, if
// downloaded there.
func CachedWeights(a Arch, weightsDir string) (string, bool) {
	p := filepath.Join(weightsDir, a.Weights)
	_, err := os.Stat(p)
	return p, err == nil
}

// Forward runs the network on n images (n, 3, h, w), returning the logits
// (n x 1000) and penultimate features (n x Features), row-major.
func (m *Model) Forward(x []float32, n, h, w int) (logits, features []float32, err error) {
	if len(x) != n*3*h*w {
		return nil, nil, fmt.Errorf("cnn %s: %d values for %d images of 3x%dx%d", m.Arch.Name, len(x), n, h, w)
	}
	if m.exec == nil {
		if m.exec, err = model.NewExec(m.Backend, m.Store, func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
			return m.Arch.Forward(scope.In(scopeName), x)
		}); err != nil {
			return nil, nil, err
		}
	}
	if err := m.compile(m.exec, "forward", shapes.Make(dtypes.Float32, n, 3, h, w)); err != nil {
		return nil, nil, err
	}
	in, err := m.inputs.get(m.Backend, x, n, 3, h, w)
	if err != nil {
		return nil, nil, fmt.Errorf("cnn %s: %w", m.Arch.Name, err)
	}
	defer m.inputs.put(in)
	lt, ft, err := m.exec.Call2(in)
	if err != nil {
		return nil, nil, fmt.Errorf("cnn %s: %w", m.Arch.Name, err)
	}
	defer tensorfree.Free(lt, ft)
	return tensors.MustCopyFlatData[float32](lt), tensors.MustCopyFlatData[float32](ft), nil
}

// checkFits reports parameters of a that the checkpoint does not hold (a
// naming mismatch would otherwise run with random values), tensors of the
// wrong shape or holding NaN or infinity, and checkpoint tensors the network
// does not use.
func checkFits(a Arch, path string, entries []npfile.Entry) error {
	params, err := a.Params()
	if err != nil {
		return err
	}
	shapes := map[string][]int{}
	for _, p := range params {
		shapes[p.Key] = p.Shape
	}
	loaded := map[string]bool{}
	var unused, wrong []string
	for _, e := range entries {
		loaded[e.Key] = true
		if err := e.Array.CheckFinite(); err != nil {
			return fmt.Errorf("%s: tensor %q: %w: a checkpoint's weights must be finite", path, e.Key, err)
		}
		if err := nonNegativeVariance(e); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		want, ok := shapes[e.Key]
		switch {
		case !ok:
			unused = append(unused, e.Key)
		case !slices.Equal(want, e.Array.Shape):
			wrong = append(wrong, fmt.Sprintf("%s %v (want %v)", e.Key, e.Array.Shape, want))
		}
	}
	var missing []string
	for k := range shapes {
		// Checkpoints older than torch 0.4.1 lack BatchNorm's counter, which
		// torch then sets to 0 on load; so does the model here.
		if !loaded[k] && !strings.HasSuffix(k, ".num_batches_tracked") {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(unused)
	sort.Strings(wrong)
	if len(missing)+len(unused)+len(wrong) > 0 {
		return fmt.Errorf("%s does not fit %s: missing %v, unexpected %v, wrong shape %v", path, a.Name, firstFew(missing), firstFew(unused), firstFew(wrong))
	}
	return nil
}

// nonNegativeVariance refuses a BatchNorm running_var holding a negative
// value (its square root would make every later output NaN).
func nonNegativeVariance(e npfile.Entry) error {
	x, ok := e.Array.Data.([]float32)
	if !ok || !strings.HasSuffix(e.Key, ".running_var") {
		return nil
	}
	for i, v := range x {
		if v < 0 {
			return fmt.Errorf("tensor %q holds %v (value %d): a BatchNorm variance must be >= 0", e.Key, v, i)
		}
	}
	return nil
}

var (
	keysMu    sync.Mutex
	keysCache = map[string][]Param{}
)

// Param is one state_dict entry's name and shape (empty for a scalar).
type Param struct {
	Key   string
	Shape []int
}

// Params lists the architecture's state_dict entries in creation order,
// found by building (not running) it on a fresh store with the pure-Go
// backend, on a 64x64 image (AlexNet's smallest).
func (a Arch) Params() ([]Param, error) {
	keysMu.Lock()
	defer keysMu.Unlock()
	if k, ok := keysCache[a.Name]; ok {
		return k, nil
	}
	var params []Param
	err := dryBuild(func(scope *model.Scope, x []*graph.Node) []*graph.Node {
		l, f := a.Forward(scope.In(scopeName), x[0])
		return []*graph.Node{l, f}
	}, func(store *model.Store) {
		prefix := store.RootScope().In(scopeName).Scope() + model.ScopeSeparator
		for v := range store.IterVariables() {
			if strings.HasPrefix(v.Path(), prefix) {
				key := strings.ReplaceAll(strings.TrimPrefix(v.Path(), prefix), model.ScopeSeparator, ".")
				params = append(params, Param{Key: key, Shape: slices.Clone(v.Shape().Dimensions)})
			}
		}
	}, shapes.Make(dtypes.Float32, 1, 3, 64, 64))
	if err != nil {
		return nil, fmt.Errorf("cnn %s: building the network: %w", a.Name, err)
	}
	keysCache[a.Name] = params
	return params, nil
}

func firstFew(s []string) []string {
	if len(s) > 5 {
		return append(s[:5:5], fmt.Sprintf("... %d more", len(s)-5))
	}
	return s
}

// Images is a batch source: n images of 3 x h x w, fetched by index range.
type Images struct {
	N, H, W int
	// Fill writes images lo..hi-1 into dst ((hi-lo)·3·h·w values).
	Fill func(dst []float32, lo, hi int)
}

// Output holds the backbone's outputs for a set of images.
type Output struct {
	N         int
	Logits    []float32 // N x 1000
	Features  []float32 // N x Arch.Features
	FeatureWd int
}

// Extract runs the network over all images in batches, with a progress bar
// (or lines) on progressOut.
func (m *Model) Extract(ctx context.Context, im Images, batch int, label string, progressOut io.Writer) (Output, error) {
	out := Output{N: im.N, FeatureWd: m.Arch.Features,
		Logits: make([]float32, 0, im.N*Classes), Features: make([]float32, 0, im.N*m.Arch.Features)}
	err := inBatches(ctx, im, batch, label, progressOut, func(buf []float32, n int) error {
		l, f, err := m.Forward(buf, batch, im.H, im.W)
		if err != nil {
			return err
		}
		out.Logits = append(out.Logits, l[:n*Classes]...)
		out.Features = append(out.Features, f[:n*m.Arch.Features]...)
		return nil
	})
	return out, err
}

// inBatches feeds the images to run batch by batch, with a progress bar:
// the last batch is padded with zeros to the full size, so one compiled
// graph serves every batch (evaluation mode treats images independently);
// run gets the batch and how many of its images are real, whose outputs it
// keeps.
func inBatches(ctx context.Context, im Images, batch int, label string, progressOut io.Writer, run func(buf []float32, n int) error) error {
	bar := progress.New(progressOut, label, int64(im.N), "img")
	defer bar.Done()
	buf := make([]float32, batch*3*im.H*im.W)
	for lo := 0; lo < im.N; lo += batch {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := min(lo+batch, im.N)
		clear(buf)
		im.Fill(buf[:(hi-lo)*3*im.H*im.W], lo, hi)
		if err := run(buf, hi-lo); err != nil {
			return err
		}
		bar.Add(int64(hi - lo))
	}
	return nil
}

// StateDict is the model's weights under torchvision's names.
func (m *Model) StateDict() ([]npfile.Entry, error) { return nn.StateDict(m.scope()) }

// About says where the weights came from, warning when they are random.
func (m *Model) About() string {
	if !m.random {
		about := fmt.Sprintf("%s: weights %s, %s", m.Arch.Name, m.Weights, m.bnAbout())
		if len(m.Loading) > 0 {
			about += " (" + strings.Join(m.Loading, "; ") + ")"
		}
		return about
	}
	where := ""
	if m.weightsDir != "" {
		where = " in " + m.weightsDir
	}
	return fmt.Sprintf("%s: RANDOM weights, %s: the untrained-network control (no ImageNet weights%s; "+
		"`decoding-thoughts weights` downloads them); %s", m.Arch.Name, m.Weights, where, m.bnAbout())
}

// bnAbout says what the BatchNorm statistics are now: as loaded (a stage
// may adapt them next, and says so), adapted, or none.
func (m *Model) bnAbout() string {
	switch m.BatchNorm {
	case BNFrozen:
		return "BatchNorm statistics as loaded"
	case BNNone:
		return "no BatchNorm"
	}
	return "BatchNorm " + string(m.BatchNorm)
}

// Pretrained reports whether the weights came from a checkpoint.
func (m *Model) Pretrained() bool { return !m.random }

// Size is the number of values of the parameter.
func (p Param) Size() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Trainable reports whether the parameter is learned (not BatchNorm's
// running statistics or counter).
func (p Param) Trainable() bool {
	return !strings.HasSuffix(p.Key, ".running_mean") && !strings.HasSuffix(p.Key, ".running_var") &&
		!strings.HasSuffix(p.Key, ".num_batches_tracked")
}

// Release frees the compiled network (on ONNX Runtime, its session and
// buffers); the weights stay, and the next Forward compiles it again. The
// study releases each backbone between stages so that five are never
// resident at once.
func (m *Model) Release() {
	if m.exec != nil {
		m.exec.Finalize()
		m.exec = nil
	}
	for k, e := range m.layerExecs {
		e.Finalize()
		delete(m.layerExecs, k)
	}
	m.compileMu.Lock()
	clear(m.compiled) // the next pass compiles its graph again, and counts it
	m.compileMu.Unlock()
	m.inputs.release()
	peakmem.Trim() // a native backend's freed arenas go back to the system
}

// MACs is the multiply-accumulates of one forward pass of an h x w image
// (convolutions and Linear layers; torchvision's documentation reports the
// same count at 224x224 as GFLOPS), found by building (not running) the
// network on the pure-Go backend.
func (a Arch) MACs(h, w int) (int64, error) {
	var c nn.MACCounter
	err := dryBuild(func(scope *model.Scope, x []*graph.Node) []*graph.Node {
		nn.CountMACs(x[0].Graph(), &c)
		l, f := a.Forward(scope.In(scopeName), x[0])
		return []*graph.Node{l, f}
	}, nil, shapes.Make(dtypes.Float32, 1, 3, h, w))
	if err != nil {
		return 0, fmt.Errorf("cnn %s: building the network at %dx%d: %w", a.Name, h, w, err)
	}
	return c.N, nil
}

// dryBuild builds (does not run) fn for inputs of the given shapes on a
// fresh store on the pure-Go backend, and calls inspect (if not nil) with
// the store before everything is freed: how Params, MACs and
// stageBatchNorms learn what a network holds.
func dryBuild(fn func(scope *model.Scope, x []*graph.Node) []*graph.Node, inspect func(*model.Store), in ...shapes.Shape) error {
	b, err := compute.NewWithConfig("go")
	if err != nil {
		return err
	}
	defer b.Finalize()
	store := model.NewStore()
	defer store.Finalize()
	e, err := model.NewExec(b, store, fn)
	if err != nil {
		return err
	}
	defer e.Finalize()
	if _, err := e.Compile(in...); err != nil {
		return err
	}
	if inspect != nil {
		inspect(store)
	}
	return nil
}

// Close frees the compiled network and the weights' buffers on the
// backend; the model is unusable afterwards.
func (m *Model) Close() {
	m.Release()
	m.Store.Finalize()
}

// LearnedParams counts the architecture's learned parameters (every
// state_dict entry but BatchNorm's running statistics and counter), as
// torchvision's documentation reports them.
func (a Arch) LearnedParams() (int, error) {
	params, err := a.Params()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range params {
		if p.Trainable() {
			n += p.Size()
		}
	}
	return n, nil
}
