package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/compute"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
)

const weightsHelp = "backbone weights: auto (the cached official weights, else random), download (official ImageNet V1 weights, verified), random (seeded, untrained control), a folder holding torchvision's files, or (features) a checkpoint file"

const bnHelp = "backbone BatchNorm statistics: adapt (re-estimated on the clean training images, as the original's train-mode head training left them) or frozen (the checkpoint's ImageNet statistics)"

func checkBN(mode string) error {
	if mode != cnn.BNAdapt && mode != cnn.BNFrozen {
		return fmt.Errorf("--bn %q: want %s or %s", mode, cnn.BNAdapt, cnn.BNFrozen)
	}
	return nil
}

// readImages reads an (N,3,H,W) float32 .npy as a batch source.
func readImages(path string) (cnn.Images, error) {
	arr, err := npfile.ReadNPY(path)
	if err != nil {
		return cnn.Images{}, err
	}
	x, ok := arr.Data.([]float32)
	if !ok || len(arr.Shape) != 4 || arr.Shape[1] != 3 || arr.Shape[0] < 1 {
		return cnn.Images{}, fmt.Errorf("%s: want float32 (N,3,H,W) with N >= 1, got %s", path, arr.Describe())
	}
	if err := arr.CheckFinite(); err != nil {
		return cnn.Images{}, fmt.Errorf("%s: %w: images must be finite", path, err)
	}
	n, h, w := arr.Shape[0], arr.Shape[2], arr.Shape[3]
	size := 3 * h * w
	return cnn.Images{N: n, H: h, W: w, Fill: func(dst []float32, lo, hi int) {
		copy(dst, x[lo*size:hi*size])
	}}, nil
}

func runFeatures(ctx context.Context, args []string) error {
	c := common{compute: true, workload: backend.Convolutions}
	fs := newFlags("features", &c)
	name := fs.String("model", "resnet50", "architecture: "+strings.Join(cnn.Names(), ", "))
	spec := fs.String("weights", "download", weightsHelp)
	images := fs.String("images", "", "(N,3,H,W) float32 .npy, fed to the network as it is (required)")
	out := fs.String("out", "", "output .npz with logits (N,1000) and features (N,F) (required)")
	batch := fs.Int("batch", 0, "images per forward pass (0: 128 on a GPU, else 32)")
	adaptBN := fs.String("adapt-bn", "", "(N,3,H,W) float32 .npy: re-estimate the BatchNorm statistics on these images first (one train-mode pass as a single batch, momentum 1), as the study's --bn adapt")
	seed := fs.Int64("seed", 1, "run seed of random weights (each architecture offsets it, as in the study)")
	layerList := fs.String("layers", "", "comma-separated layers (torchvision module paths such as layer1 or features.denseblock2, penultimate, logits), or default (the end of each block group, penultimate, logits); each pooled as --pool and saved under its name")
	pool := fs.String("pool", cnn.PoolGAP, "pooling of intermediate layers: gap (mean over positions) or grid4 (4x4 average pooling, flattened channel-major)")
	if err := parse(fs, args, &c); err != nil {
		return err
	}
	if *images == "" || *out == "" {
		return errors.New("--images and --out are required")
	}
	if *layerList == "" && flagSet(fs, "pool") {
		return fmt.Errorf("--pool %s: it pools the layers of --layers, and none are asked for", *pool)
	}
	if *batch == 0 {
		*batch = backend.DefaultBatch(c.b)
	}
	if err := writableFor(*out); err != nil {
		return err
	}
	a, err := cnn.Get(*name)
	if err != nil {
		return err
	}
	var layers []string
	switch *layerList {
	case "":
	case "default":
		layers = a.DefaultLayers()
	default:
		layers = strings.Split(*layerList, ",")
	}
	if layers != nil {
		if err := a.CheckLayers(layers, *pool); err != nil {
			return err
		}
	}
	im, err := readImages(*images)
	if err != nil {
		return err
	}
	var adapt cnn.Images
	if *adaptBN != "" {
		if adapt, err = readImages(*adaptBN); err != nil {
			return err
		}
	}
	m, err := openBackbone(ctx, c.b, a, *spec, *seed)
	if err != nil {
		return err
	}
	if *adaptBN != "" {
		if err := m.AdaptBatchNorm(ctx, adapt, cnn.AdaptOptions{Chunk: *batch}, fmt.Sprintf("%d images of %s", adapt.N, *adaptBN), os.Stderr); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "%s: BatchNorm %s\n", a.Name, m.BatchNorm)
	}
	n := im.N
	if layers != nil {
		lo, err := m.ExtractLayers(ctx, im, *batch, layers, *pool, a.Name, os.Stderr)
		if err != nil {
			return err
		}
		var entries []npfile.Entry
		for k, l := range lo.Layers {
			entries = append(entries, npfile.Entry{Key: l, Array: npfile.Array{Shape: []int{n, lo.Widths[k]}, Data: lo.Data[k]}})
		}
		if err := npfile.WriteNPZ(*out, entries...); err != nil {
			return err
		}
		fmt.Printf("features: %d images through %s (%s, BatchNorm %s): %d layers pooled %s in %s\n", n, a.Name, m.Weights, m.BatchNorm, len(layers), *pool, *out)
		for k, l := range lo.Layers {
			fmt.Printf("  %-28s (%d,%d)\n", l, n, lo.Widths[k])
		}
		return nil
	}
	o, err := m.Extract(ctx, im, *batch, a.Name, os.Stderr)
	if err != nil {
		return err
	}
	if err := npfile.WriteNPZ(*out,
		npfile.Entry{Key: "logits", Array: npfile.Array{Shape: []int{n, cnn.Classes}, Data: o.Logits}},
		npfile.Entry{Key: "features", Array: npfile.Array{Shape: []int{n, a.Features}, Data: o.Features}}); err != nil {
		return err
	}
	fmt.Printf("features: %d images through %s (%s, BatchNorm %s): logits (%d,1000), features (%d,%d) in %s\n", n, a.Name, m.Weights, m.BatchNorm, n, n, a.Features, *out)
	return nil
}

// openBackbone resolves a weights spec (cnn.Open, weights in the cache) and
// says what it got.
func openBackbone(ctx context.Context, b compute.Backend, a cnn.Arch, spec string, seed int64) (*cnn.Model, error) {
	m, err := cnn.Open(ctx, b, a, spec, seed, cachedir.Path("weights"), os.Stderr)
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(os.Stderr, m.About())
	return m, nil
}

// cnnFlags are train-cnn's (and the study's) CNN options.
type cnnFlags struct {
	models, weights string
	opt             stimulus.Options // the flags' values; options() completes them
}

// options is the study's recipe for d with the flags applied; an automatic
// batch size is conv's default (backend.DefaultBatch).
func (f *cnnFlags) options(d *kay.Dataset, conv compute.Backend) stimulus.Options {
	opt := study.CNNOptions(d, f.opt.Seed, cachedir.Root(), os.Stderr)
	opt.Features.Batch = backend.DefaultBatch(conv)
	f.adjust(&opt)
	return opt
}

// adjust sets what the flags say in a stimulus classifiers' recipe.
func (f *cnnFlags) adjust(opt *stimulus.Options) {
	opt.Train.Epochs = f.opt.Train.Epochs
	if f.opt.Features.Batch != 0 {
		opt.Features.Batch = f.opt.Features.Batch
	}
	opt.Features.BatchNorm = f.opt.Features.BatchNorm
	if f.opt.Features.Views != 0 {
		opt.Features.Views = f.opt.Features.Views
	}
}

func (f *cnnFlags) register(fs *flag.FlagSet) (validate func() error) {
	f.opt = stimulus.DefaultOptions()
	fs.StringVar(&f.models, "models", strings.Join(cnn.StudyModels(), ","), "comma-separated architectures, of: "+strings.Join(cnn.Names(), ", "))
	fs.StringVar(&f.weights, "weights", "auto", weightsHelp)
	fs.IntVar(&f.opt.Train.Epochs, "epochs", f.opt.Train.Epochs, "head training epochs")
	f.opt.Features.Views = 0
	fs.IntVar(&f.opt.Features.Views, "views", 0, "cached versions of each training image (1: no augmentation; 0: 4, or 1 on datasets under 1000 training images)")
	fs.IntVar(&f.opt.Features.Batch, "batch", 0, "images per backbone forward pass (0: 128 on a GPU, else 32)")
	fs.Int64Var(&f.opt.Seed, "seed", f.opt.Seed, "seed of the head, sampling, augmentation and random weights")
	fs.StringVar(&f.opt.Features.BatchNorm, "bn", cnn.BNAdapt, bnHelp)
	return func() error {
		if err := checkBN(f.opt.Features.BatchNorm); err != nil {
			return err
		}
		if _, err := f.archs(); err != nil {
			return err
		}
		return f.opt.Train.Validate()
	}
}

func (f *cnnFlags) archs() ([]cnn.Arch, error) {
	out, err := cnn.Lookup(f.models)
	if err != nil {
		return nil, fmt.Errorf("--models: %w", err)
	}
	return out, nil
}

func runTrainCNN(ctx context.Context, args []string) error {
	var f cnnFlags
	d, out, b, err := dataCommand("train-cnn", args, f.register, true, backend.Convolutions)
	if err != nil {
		return err
	}
	archs, err := f.archs()
	if err != nil {
		return err
	}
	results, err := trainCNNs(ctx, b, d, archs, f, out)
	if err != nil {
		return err
	}
	for _, r := range results {
		fmt.Printf("%s (%s): test accuracy %.3f, macro F1 %.3f\n", r.Meta.Model, r.Meta.Weights, r.Report.Accuracy, r.Report.Macro.F1)
	}
	fmt.Printf("train-cnn: checkpoints, metrics.json, embeddings.npz and figures per model in %s\n", out)
	return nil
}

// trainCNNs trains every architecture's head, writing out/<model>/.
func trainCNNs(ctx context.Context, b compute.Backend, d *kay.Dataset, archs []cnn.Arch, f cnnFlags, out string) ([]*stimulus.Result, error) {
	hb, hc, err := env.New(backend.DenseSpec(b), backend.Dense)
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(os.Stderr, "heads: "+backend.Describe(hb, hc))
	opt := f.options(d, b)
	var results []*stimulus.Result
	for _, a := range archs {
		m, err := openBackbone(ctx, b, a, f.weights, opt.Seed)
		if err != nil {
			return nil, err
		}
		r, err := study.CNN(ctx, hb, m, d, opt, filepath.Join(out, a.Name))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.Name, err)
		}
		fmt.Fprint(os.Stderr, r.Report.String())
		results = append(results, r)
	}
	return results, nil
}

func runWeights(ctx context.Context, args []string) error {
	var c common
	fs := newFlags("weights", &c)
	models := fs.String("models", strings.Join(cnn.StudyModels(), ","), "comma-separated architectures, of: "+strings.Join(cnn.Names(), ", ")+"; or variants LABEL=ARCH:URL[#sha256=HEX]")
	if err := parse(fs, args, &c); err != nil {
		return err
	}
	archs, err := cnn.Lookup(*models)
	if err != nil {
		return fmt.Errorf("--models: %w", err)
	}
	for _, a := range archs {
		path, checked, err := fetchWeights(ctx, a, cachedir.Path("weights"), os.Stderr)
		if err != nil {
			return fmt.Errorf("%s: %w", a.Name, err)
		}
		fmt.Printf("%s: %s (%s)\n", a.Name, path, checked)
	}
	return nil
}

// writableFor checks, before any work, that a file can be written at path:
// its folder exists (or is made) and accepts a file.
func writableFor(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--out %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return fmt.Errorf("--out %s: the folder is not writable: %w", path, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// runModels lists the model registry: family, learned parameters, width of
// the penultimate features, whether the study uses it by default, and
// whether its ImageNet weights are in the cache.
func runModels(_ context.Context, args []string) error {
	var c common
	fs := newFlags("models", &c)
	models := fs.String("models", "all", "selectors: names, globs (resnet*), all, study")
	if err := parse(fs, args, &c); err != nil {
		return err
	}
	archs, err := cnn.Lookup(*models)
	if err != nil {
		return fmt.Errorf("--models: %w", err)
	}
	fmt.Printf("%-20s %-12s %12s %10s %9s %5s %6s  %s\n", "model", "family", "parameters", "GMACs@128", "features", "BN", "study", "ImageNet weights")
	for _, a := range archs {
		n, err := a.LearnedParams()
		if err != nil {
			return fmt.Errorf("%s: %w", a.Name, err)
		}
		macs, err := a.MACs(128, 128)
		if err != nil {
			return fmt.Errorf("%s: %w", a.Name, err)
		}
		bns, err := a.BatchNormModules()
		if err != nil {
			return fmt.Errorf("%s: %w", a.Name, err)
		}
		cached := cachedWeights(a, cachedir.Path("weights"))
		study := ""
		if a.Study {
			study = "yes"
		}
		fmt.Printf("%-20s %-12s %12d %10.3f %9d %5d %6s  %s\n", a.Name, a.Family, n, float64(macs)/1e9, a.Features, len(bns), study, cached)
	}
	fmt.Printf("%d models; GMACs: multiply-accumulates of one 128x128 image (torchvision's docs list the same count at 224x224 as GFLOPS); BN: BatchNorm layers (--bn adapt re-estimates them)\n", len(archs))
	return nil
}
