package stimulus

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/internal/simtest"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

func init() {
	// A small backbone for the pipeline tests: strided conv, ReLU, global
	// pool, Linear to 1000 "logits".
	cnn.Register("tiny", 16, "tiny.pth", func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		x = nn.ReLU(nn.Conv2d(scope.In("conv"), x, nn.Conv{Out: 16, Kernel: 5, Stride: 4, Padding: 2, Bias: true}))
		f := nn.Flatten(nn.AdaptiveAvgPool2d(x, 1, 1))
		return nn.Linear(scope.In("fc"), f, cnn.Classes), f
	})
	// The same with a BatchNorm whose output, averaged over positions, is
	// the feature: adapted statistics make the features' mean over the
	// adaptation images the BatchNorm's bias (0).
	cnn.Register("tinybn", 16, "tinybn.pth", func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		x = nn.BatchNorm(scope.In("bn"), nn.Conv2d(scope.In("conv"), x, nn.Conv{Out: 16, Kernel: 5, Stride: 4, Padding: 2, Bias: true}))
		f := nn.Flatten(nn.AdaptiveAvgPool2d(x, 1, 1))
		return nn.Linear(scope.In("fc"), nn.ReLU(f), cnn.Classes), f
	})
}

// TestPreprocessingMatchesTheOriginal compares quantisation, the 3-channel
// tensor and the normalisation statistics with the original's PIL pipeline.
func TestPreprocessingMatchesTheOriginal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	im := kay.Images{N: 3, H: 16, W: 12, Pix: make([]float32, 3*16*12)}
	for i := range im.Pix {
		im.Pix[i] = float32(rng.NormFloat64()*3 + 1)
	}
	in := filepath.Join(t.TempDir(), "im.npy")
	if err := npfile.WriteNPY(in, npfile.Array{Shape: []int{3, 16, 12}, Data: im.Pix}); err != nil {
		t.Fatal(err)
	}
	for _, path := range pyref.Golden(t, "preprocess.npz", []string{"numpy", "PIL"}, pyref.File("testdata/torch_preprocess.py", in, pyref.Out)) {
		ref := pyref.Floats(t, path)
		want := ref("tensor")
		norm := FitNormalizer(im, []int{0, 1, 2})
		for k, name := range []string{"mean", "std"} {
			got := []float64{norm.Mean, norm.Std}[k]
			if w := ref(name)[0]; math.Abs(got-w) > 1e-6 {
				t.Errorf("%s = %v, original pipeline %v (%s)", name, got, w, path)
			}
		}
		unit := Normalizer{Mean: 0, Std: 1}
		got := make([]float32, 3*16*12)
		for i := range 3 {
			unit.Tensor(got, Quantize(im.At(i)))
			for j, v := range got {
				if math.Abs(float64(v)-want[i*len(got)+j]) > 1e-6 {
					t.Fatalf("image %d value %d: %v, original %v (%s)", i, j, v, want[i*len(got)+j], path)
				}
			}
		}
	}
}

func TestAugmentKnownAnswers(t *testing.T) {
	pix := []float32{1, 2, 3, 4, 5, 6} // 2 x 3
	if f := flip(pix, 2, 3); f[0] != 3 || f[2] != 1 || f[3] != 6 {
		t.Errorf("flip %v", f)
	}
	if a := affine(pix, 2, 3, 0, 0, 1, 0); !equal(a, pix) {
		t.Errorf("identity transform changed the image: %v", a)
	}
	// A shift by one pixel to the right repeats the left column's mirror.
	if a := affine(pix, 2, 3, 1, 0, 1, 0); a[1] != 1 || a[2] != 2 || a[0] != 2 {
		t.Errorf("shift by 1: %v, want [2 1 2 ...]", a)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	if out := (Augment{}).Apply(pix, 2, 3, rng); &out[0] != &pix[0] {
		t.Error("with p = 0 the image must pass through")
	}
}

func equal(a, b []float32) bool {
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-6 {
			return false
		}
	}
	return true
}

// TestRunCachesAndReloads runs the whole classifier on the quick simulator
// with the tiny backbone: outputs have the promised shapes, a second run
// reads the cached features (the backbone is not run: it is closed), the
// written head reloads to the same test outputs bit for bit.
func TestRunCachesAndReloads(t *testing.T) {
	cfg, _ := synth.Profile(simtest.Profile(), 2)
	d, _, err := synth.Generate(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := tinyBackbone(t, "")
	hb, _, err := backend.FromEnv(os.Getenv).New("", backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	opt := DefaultOptions()
	opt.Train.Epochs = 3
	opt.Features.Views = 2
	opt.Features.CacheDir = t.TempDir()
	r, err := Run(context.Background(), hb, m, d, opt)
	if err != nil {
		t.Fatal(err)
	}
	if r.Features.NTrain != len(r.Sel.Train.Y) || len(r.Features.Train) != 2*r.Features.NTrain*cnn.Classes || r.Test.E != 100 || r.Meta.Pretrain {
		t.Fatalf("features %d x %d views, embedding %d, pretrained %v", r.Features.NTrain, r.Features.Views, r.Test.E, r.Meta.Pretrain)
	}
	// View 1 differs from view 0 for the ~19% of images an augmentation hit.
	diff := 0
	for i := range r.Features.NTrain {
		if r.Features.Train[i*cnn.Classes] != r.Features.Train[(r.Features.NTrain+i)*cnn.Classes] {
			diff++
		}
	}
	if frac := float64(diff) / float64(r.Features.NTrain); frac < 0.1 || frac > 0.3 {
		t.Errorf("%.2f of augmented views differ from the original, want about 0.19", frac)
	}
	b2, _, _ := backend.FromEnv(os.Getenv).New("go", backend.Convolutions)
	closed, _ := cnn.NewRandom(b2, m.Arch, 3)
	b2.Finalize() // running this backbone would fail: the cache must serve
	again, err := Run(context.Background(), hb, closed, d, opt)
	if err != nil {
		t.Fatalf("second run did not use the cache: %v", err)
	}
	if again.Report.Accuracy != r.Report.Accuracy {
		t.Errorf("same seed, accuracy %v then %v", r.Report.Accuracy, again.Report.Accuracy)
	}
	dir := t.TempDir()
	if err := r.Write(dir); err != nil {
		t.Fatal(err)
	}
	head, meta, err := LoadHead(hb, dir)
	if err != nil {
		t.Fatal(err)
	}
	out, err := head.Forward(testData(r))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range r.Test.Embedding {
		if out.Embedding[i] != v {
			t.Fatalf("reloaded head: embedding value %d is %v, was %v", i, out.Embedding[i], v)
		}
	}
	if meta.Model != "tiny" || meta.Views != 2 || meta.Norm != r.Features.Norm {
		t.Errorf("meta %+v", meta)
	}
}

// TestConstantImagesAreRefused: issue 12's F7. Training images without any
// contrast cannot be normalised; the features are refused with that reason
// (they used to be all NaN, cached, and fail later with a JSON message), and
// nothing is cached.
func TestConstantImagesAreRefused(t *testing.T) {
	cfg, _ := synth.Profile("quick", 2)
	cfg.TrainCounts = map[string]int{"animal": 4, "artifact": 4}
	cfg.TestCounts = map[string]int{"animal": 2, "artifact": 2}
	d, _, err := synth.Generate(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	clear(d.Train.Stimuli.Pix)
	m := tinyBackbone(t, "go")
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	_, err = ComputeFeatures(context.Background(), m, d, sel, FeatureOptions{Views: 1, Batch: 4, CacheDir: cache})
	if err == nil || !strings.Contains(err.Error(), "no contrast") {
		t.Errorf("constant training images: %v", err)
	}
	if files, _ := os.ReadDir(cache); len(files) != 0 {
		t.Errorf("cached %d files for refused features", len(files))
	}
}

// tinyBackbone is the test architecture with random weights (seed 3) on the
// backend spec ("" for auto).
// quickData is the quick profile (seed 2) and its default selection.
func quickData(t *testing.T) (*kay.Dataset, *kay.Selection) {
	t.Helper()
	cfg, _ := synth.Profile(simtest.Profile(), 2)
	d, _, err := synth.Generate(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		t.Fatal(err)
	}
	return d, sel
}

func tinyBackbone(t *testing.T, spec string) *cnn.Model { return testBackbone(t, "tiny", spec) }

// testBackbone is a registered test architecture with random weights (seed
// 3) on the backend spec.
func testBackbone(t *testing.T, name, spec string) *cnn.Model {
	t.Helper()
	b, _, err := backend.FromEnv(os.Getenv).New(spec, backend.Convolutions)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := cnn.Get(name)
	m, err := cnn.NewRandom(b, a, 3)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestDefaultAugmentIsTheOriginals pins the augmentation to the original's
// configuration (src/ml/train.py): A.HorizontalFlip(p=0.1) and
// A.ShiftScaleRotate(shift_limit=0.05, scale_limit=0.05, rotate_limit=0.05,
// p=0.1); albumentations reads rotate_limit in degrees.
func TestDefaultAugmentIsTheOriginals(t *testing.T) {
	want := Augment{FlipP: 0.1, AffineP: 0.1, Shift: 0.05, Scale: 0.05, Rotate: 0.05}
	if got := DefaultAugment(); got != want {
		t.Errorf("DefaultAugment() = %+v, want the original's %+v (rotation in degrees)", got, want)
	}
}

// TestOnlyDistinctViewsRunTheBackbone: the features computed from the
// distinct views alone (an augmented view whose transforms do not fire
// copies view 0's output) equal those of every view through the backbone,
// bit for bit on the pure-Go backend; and about 81% of augmented views are
// skipped at the default probabilities.
func TestOnlyDistinctViewsRunTheBackbone(t *testing.T) {
	d, sel := quickData(t)
	m := tinyBackbone(t, "")
	opt := FeatureOptions{Views: 4, Augment: DefaultAugment(), Seed: 3, Batch: 16}
	f, err := ComputeFeatures(context.Background(), m, d, sel, opt)
	if err != nil {
		t.Fatal(err)
	}
	z := FitNormalizer(d.Train.Stimuli, sel.Train.Index)
	all, err := m.Extract(context.Background(), Source(d.Train.Stimuli, sel.Train.Index, 4, opt.Augment, opt.Seed, z), 16, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range all.Logits {
		if f.Train[i] != v {
			t.Fatalf("row %d value %d: %v from the distinct views, %v from every view", i/cnn.Classes, i%cnn.Classes, f.Train[i], v)
		}
	}
	distinct, _ := distinctViews(f.NTrain, 4, opt.Augment, opt.Seed)
	skipped := 1 - float64(len(distinct)-f.NTrain)/float64(3*f.NTrain)
	t.Logf("%d of %d rows through the backbone; %.2f of augmented views skipped", len(distinct), 4*f.NTrain, skipped)
	if skipped < 0.75 || skipped > 0.87 {
		t.Errorf("%.2f of augmented views skipped, want about 0.81 (0.9 x 0.9)", skipped)
	}
}

// TestAdaptBackbone: issue 14's BatchNorm modes in the pipeline. In adapt
// mode the statistics come from the selection's clean training images: the
// BatchNorm's output averaged over those images and positions is its bias
// (0), which it is not with the checkpoint's statistics; the mode names the
// images; the statistics are cached and a second model with the same
// weights takes them from the cache without running; features are cached
// under each mode separately; frozen mode refuses an adapted backbone, and
// an unknown mode is an error.
func TestAdaptBackbone(t *testing.T) {
	cfg, _ := synth.Profile("quick", 2)
	cfg.TrainCounts = map[string]int{"animal": 6, "artifact": 5}
	cfg.TestCounts = map[string]int{"animal": 3, "artifact": 3}
	d, _, err := synth.Generate(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		t.Fatal(err)
	}
	open := func() *cnn.Model { return testBackbone(t, "tinybn", "go") }
	cache := t.TempDir()
	opt := FeatureOptions{Views: 1, Batch: 4, CacheDir: cache}
	meanFeature := func(m *cnn.Model) float64 {
		z := FitNormalizer(d.Train.Stimuli, sel.Train.Index)
		out, err := m.Extract(context.Background(), Source(d.Train.Stimuli, sel.Train.Index, 1, opt.Augment, opt.Seed, z), 4, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for c := range 16 {
			s := 0.0
			for i := range out.N {
				s += float64(out.Features[i*16+c])
			}
			worst = math.Max(worst, math.Abs(s/float64(out.N)))
		}
		return worst
	}
	frozen := open()
	if f := meanFeature(frozen); f < 1e-3 {
		t.Fatalf("with the checkpoint's statistics the features' mean is already %g: the test cannot tell", f)
	}
	if _, err := ComputeFeatures(context.Background(), frozen, d, sel, opt); err != nil {
		t.Fatal(err)
	}
	m := open()
	opt.BatchNorm = cnn.BNAdapt
	if err := AdaptBackbone(context.Background(), m, d, sel, opt); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.BatchNorm, "adapt (11 clean training images, ") {
		t.Errorf("mode %q", m.BatchNorm)
	}
	if f := meanFeature(m); f > 1e-5 {
		t.Errorf("after adaptation the BatchNorm's output averages %g over the adaptation images, want its bias 0", f)
	}
	if _, err := ComputeFeatures(context.Background(), m, d, sel, opt); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "tinybn-*.npz"))
	stats, _ := filepath.Glob(filepath.Join(cache, "tinybn-batchnorm-*.npz"))
	if len(stats) != 1 || len(files) != 3 {
		t.Errorf("cache holds %v: want the statistics and one feature file per mode", files)
	}
	again := open()
	again.Backend.Finalize() // running would fail: the statistics must come from the cache
	if err := AdaptBackbone(context.Background(), again, d, sel, opt); err != nil || again.BatchNorm != m.BatchNorm {
		t.Errorf("second model: %v, mode %q (want %q)", err, again.BatchNorm, m.BatchNorm)
	}
	opt.BatchNorm = cnn.BNFrozen
	if err := AdaptBackbone(context.Background(), m, d, sel, opt); err == nil || !strings.Contains(err.Error(), "already adapted") {
		t.Errorf("frozen mode on an adapted backbone: %v", err)
	}
	opt.BatchNorm = "train"
	if err := AdaptBackbone(context.Background(), open(), d, sel, opt); err == nil || !strings.Contains(err.Error(), `"train"`) {
		t.Errorf("unknown mode: %v", err)
	}
}

// TestLayersFromTheFeaturesPass: with FeatureOptions.LayersPool the
// features' own pass also caches the default layers; the features equal
// those of the plain passes (the view-0 logits come from the layer pass),
// and ComputeLayerFeatures then reads layers equal to those its own pass
// computes, without running the backbone (checked with a cancelled
// context).
func TestLayersFromTheFeaturesPass(t *testing.T) {
	d, sel := quickData(t)
	if testing.Short() { // the passes agree on any images: a few of each split
		sel.Train = kay.Subset{Index: sel.Train.Index[:48], Y: sel.Train.Y[:48]}
		sel.Test = kay.Subset{Index: sel.Test.Index[:16], Y: sel.Test.Y[:16]}
	}
	m := testBackbone(t, "resnet18", "")
	defer m.Close()
	ctx := context.Background()
	plain := FeatureOptions{Views: 2, Augment: DefaultAugment(), Seed: 3, Batch: 32, CacheDir: t.TempDir()}
	want, err := ComputeFeatures(ctx, m, d, sel, plain)
	if err != nil {
		t.Fatal(err)
	}
	fused := plain
	fused.CacheDir, fused.LayersPool = t.TempDir(), cnn.PoolGrid4
	got, err := ComputeFeatures(ctx, m, d, sel, fused)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "training features", got.Train, want.Train)
	near(t, "test features", got.Test, want.Test)
	layers := m.Arch.DefaultLayers()
	fresh, err := ComputeLayerFeatures(ctx, m, d, sel, layers, cnn.PoolGrid4, plain)
	if err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	cached, err := ComputeLayerFeatures(cancelled, m, d, sel, layers, cnn.PoolGrid4, fused)
	if err != nil {
		t.Fatalf("the fused pass left no layer cache: %v", err)
	}
	for k, l := range layers {
		near(t, "train "+l, cached.Train.Data[k], fresh.Train.Data[k])
		near(t, "test "+l, cached.Test.Data[k], fresh.Test.Data[k])
	}
	t.Logf("%d layers cached by the features' pass: %v", len(layers), layers)
}

// TestEqualDistortedImagesRunOnce: distorted test images equal to one
// another go through the backbone once, with the outputs of separate
// passes. Known answer: Gaussian blur of sigma 0 is the image itself, the
// box sweep's limit 4 always draws a 3-pixel kernel and its limit 1 a
// kernel of 1 (the image) or 3, so the three give 2 distinct images per
// test image, not 3.
func TestEqualDistortedImagesRunOnce(t *testing.T) {
	d, sel := quickData(t)
	m := tinyBackbone(t, "")
	z := FitNormalizer(d.Train.Stimuli, sel.Train.Index)
	var fs []Distort
	var names []string
	for _, dl := range []struct {
		dist  distortion.Distortion
		level float64
	}{{distortion.Gaussian(), 0}, {distortion.Box(), 1}, {distortion.Box(), 4}} {
		f, err := dl.dist.Func(dl.level, 5)
		if err != nil {
			t.Fatal(err)
		}
		fs, names = append(fs, Distort(f)), append(names, fmt.Sprintf("%s-%g", dl.dist.Name, dl.level))
	}
	var log strings.Builder
	opt := FeatureOptions{Batch: 16, Progress: &log}
	set, err := DistortedLogitsSet(context.Background(), m, d, sel, z, fs, names, opt)
	if err != nil {
		t.Fatal(err)
	}
	n := len(sel.Test.Index)
	if want := fmt.Sprintf("(%d distinct images of %d)", 2*n, 3*n); !strings.Contains(log.String(), want) {
		t.Errorf("progress %q: want %s", log.String(), want)
	}
	for k := range fs {
		one, err := DistortedLogitsSet(context.Background(), m, d, sel, z, fs[k:k+1], names[k:k+1], FeatureOptions{Batch: 16})
		if err != nil {
			t.Fatal(err)
		}
		scale := 0.0
		for _, v := range one[0] {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for i, v := range one[0] {
			if math.Abs(float64(set[k][i]-v)) > 1e-5*scale {
				t.Fatalf("%s, value %d: %v from the shared pass, %v alone", names[k], i, set[k][i], v)
			}
		}
	}
}

// TestDistortedSetKeepsLayers: the distorted sets' layers come from the
// logits' own pass and are cached. Known answers: Gaussian sigma 0 is the
// image itself, so its layers are the clean test images' layers
// (ComputeLayerFeatures); the logits equal the logits-only pass's; a
// second call reads every set from the cache (a cancelled context cannot
// run the backbone), the same to the bit; only the first withLayers sets
// keep layers.
func TestDistortedSetKeepsLayers(t *testing.T) {
	d, sel := quickData(t)
	m := tinyBackbone(t, "")
	z := FitNormalizer(d.Train.Stimuli, sel.Train.Index)
	var fs []Distort
	var names []string
	for _, level := range []float64{0, 2} {
		f, err := distortion.Gaussian().Func(level, 5)
		if err != nil {
			t.Fatal(err)
		}
		fs, names = append(fs, Distort(f)), append(names, DistortedName("gaussian", level, 5))
	}
	box, err := distortion.Box().Func(8, 5)
	if err != nil {
		t.Fatal(err)
	}
	fs, names = append(fs, Distort(box)), append(names, DistortedName("box", 8, 5))
	ctx := context.Background()
	var passes strings.Builder
	opt := FeatureOptions{Batch: 16, CacheDir: t.TempDir(), LayersPool: cnn.PoolGrid4, Progress: &passes}
	logits, sets, err := DistortedSet(ctx, m, d, sel, z, fs, names, 2, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.Progress = nil
	// the box set's images that no Gaussian set has go through the plain
	// graph, not the layer-extracting one
	if p := passes.String(); !strings.Contains(p, "those with layers kept") || !strings.Contains(p, "the others") {
		t.Errorf("want a pass with layers and one without, got:\n%s", p)
	}
	if sets[0] == nil || sets[1] == nil || sets[2] != nil {
		t.Fatalf("layers kept for sets %v, want the first 2", []bool{sets[0] != nil, sets[1] != nil, sets[2] != nil})
	}
	clean, err := ComputeLayerFeatures(ctx, m, d, sel, m.Arch.DefaultLayers(), cnn.PoolGrid4, FeatureOptions{Batch: 16, Views: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sets[0].Layers, clean.Test.Layers) {
		t.Fatalf("layers %v, want %v", sets[0].Layers, clean.Test.Layers)
	}
	moved := false
	for k, l := range clean.Test.Layers {
		near(t, "sigma 0 "+l, sets[0].Data[k], clean.Test.Data[k])
		moved = moved || !slices.Equal(sets[1].Data[k], sets[0].Data[k])
	}
	if !moved {
		t.Error("sigma 2 left every layer as it was")
	}
	only, err := DistortedLogitsSet(ctx, m, d, sel, z, fs, names, FeatureOptions{Batch: 16})
	if err != nil {
		t.Fatal(err)
	}
	for k := range fs {
		near(t, names[k]+" logits", logits[k], only[k])
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	fromCache := func(what string, opt FeatureOptions) {
		t.Helper()
		again, sets2, err := DistortedSet(cancelled, m, d, sel, z, fs, names, 2, opt)
		if err != nil {
			t.Fatalf("%s: not from the cache: %v", what, err)
		}
		if sets2[2] != nil {
			t.Errorf("%s: layers of the third set, beyond withLayers", what)
		}
		for k := range fs {
			if !slices.Equal(again[k], logits[k]) {
				t.Errorf("%s, %s: cached logits differ", what, names[k])
			}
		}
		for k := range 2 {
			for l := range sets[k].Data {
				near(t, what+" "+names[k]+" "+sets[k].Layers[l], sets2[k].Data[l], sets[k].Data[l])
			}
		}
	}
	fromCache("cached by DistortedSet", opt)
	// the logits cached without layers (the robustness sweep of a study
	// without the layers stage): the layers are computed, not taken as
	// cached; the robustness sweep's own call caches them without
	// returning them
	logitsOnly := opt
	logitsOnly.CacheDir = t.TempDir()
	if _, err := DistortedLogitsSet(ctx, m, d, sel, z, fs, names, logitsOnly); err != nil {
		t.Fatal(err)
	}
	if _, _, err := DistortedSet(cancelled, m, d, sel, z, fs, names, 2, logitsOnly); err == nil {
		t.Error("layers taken as cached where only the logits were")
	}
	if _, err := DistortedLogitsCachingLayers(ctx, m, d, sel, z, fs, names, 2, logitsOnly); err != nil {
		t.Fatal(err)
	}
	fromCache("cached by DistortedLogitsCachingLayers", logitsOnly)
}

// near fails unless a and b agree to 1e-5 of b's largest magnitude.
func near(t *testing.T, what string, a, b []float32) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%s: %d and %d values", what, len(a), len(b))
	}
	scale, worst := 0.0, 0.0
	for i := range a {
		scale = math.Max(scale, math.Abs(float64(b[i])))
		worst = math.Max(worst, math.Abs(float64(a[i]-b[i])))
	}
	if worst > 1e-5*scale {
		t.Errorf("%s: differ by %.3g (scale %.3g)", what, worst, scale)
	}
}
