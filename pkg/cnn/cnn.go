package cnn

import (
	"fmt"
	"hash/fnv"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/weights"
)

// Arch is one architecture: an entry of the model registry.
type Arch struct {
	Name     string // torchvision's model name
	Family   string // architecture family: vgg, resnet, densenet, mobilenet
	Features int    // width of the penultimate features
	// Weights is torchvision's ImageNet (V1) checkpoint file name; its hash
	// prefix verifies downloads (URL gives the address).
	Weights string
	// Order places the architecture in listings (display only); the
	// study's models come first.
	Order int
	// Study marks the original study's architectures, which the study runs
	// by default.
	Study bool
	Init  Init // how torchvision initialises it with weights=None
	// Base is the torchvision architecture a variant (Variant) is built
	// as; "" for the registry's own entries, which are Name.
	Base string
	// Source is a variant's weights: a checkpoint file, or an http(s) URL
	// (optionally ending in "#sha256=" and a prefix of the file's digest).
	Source string
	stages []stage
}

// TorchName is the torchvision architecture: Base for a variant, else Name.
func (a Arch) TorchName() string {
	if a.Base != "" {
		return a.Base
	}
	return a.Name
}

var variantLabel = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.+-]*$`)

// Variant registers (once) an architecture of the registry under its own
// label with its own weights: e.g. Variant("resnet50_sin", "resnet50",
// "resnet50_train_60_epochs-c8e5653e.pth.tar") for the ResNet-50 trained on
// Stylized-ImageNet, so that one study compares it with the ImageNet
// resnet50. The label names it everywhere (results, figures, caches); Open
// loads source for it whatever weights spec is given, except "random".
// Registering the same label again with the same base and source returns
// the first registration; anything else under a taken label is an error.
func Variant(label, base, source string) (Arch, error) {
	archsMu.Lock()
	defer archsMu.Unlock()
	if !variantLabel.MatchString(label) {
		return Arch{}, fmt.Errorf("model variant label %q: want letters, digits and _ . + - (starting with a letter or digit)", label)
	}
	if source == "" {
		return Arch{}, fmt.Errorf("model variant %q: no weights (want LABEL=ARCH:FILE or LABEL=ARCH:URL)", label)
	}
	if a, ok := archs[label]; ok {
		if a.Base == base && a.Source == source {
			return a, nil
		}
		if a.Base == "" {
			return Arch{}, fmt.Errorf("model variant %q: the label is the registry's own architecture; choose another", label)
		}
		return Arch{}, fmt.Errorf("model variant %q is already %s:%s", label, a.Base, a.Source)
	}
	b, ok := archs[base]
	if !ok || b.Base != "" {
		return Arch{}, fmt.Errorf("model variant %q: unknown architecture %q, want one of %s", label, base, strings.Join(builtinNames(), ", "))
	}
	v := b
	v.Name, v.Base, v.Source, v.Study, v.Weights = label, b.Name, source, false, ""
	v.Order = nextOrder()
	archs[label] = v
	return v, nil
}

func builtinNames() []string {
	var names []string
	for _, a := range registry {
		names = append(names, a.Name)
	}
	return names
}

func nextOrder() int {
	order := 0
	for _, a := range archs {
		order = max(order, a.Order+1)
	}
	return order
}

// stage is a contiguous piece of a network: it maps the activations alive at
// its start (one tensor, or more where a block's inputs stay in use) to those
// alive at its end. The last stage returns the logits and the penultimate
// features. Stages are where BatchNorm adaptation keeps every image's
// activations between passes (AdaptBatchNorm), so a stage is small: a
// residual block, a dense layer, a convolution unit.
type stage struct {
	name string // the torchvision module the stage ends with
	fn   func(scope *model.Scope, x []*graph.Node) []*graph.Node
}

// joined is the activation a stage's tensors stand for: the one tensor, or
// the channel-wise concatenation of a dense block's features so far.
func joined(xs []*graph.Node) *graph.Node {
	if len(xs) == 1 {
		return xs[0]
	}
	return graph.Concatenate(xs, 1)
}

// single adapts a one-tensor stage function.
func single(name string, fn func(scope *model.Scope, x *graph.Node) *graph.Node) stage {
	return stage{name: name, fn: func(scope *model.Scope, x []*graph.Node) []*graph.Node {
		return []*graph.Node{fn(scope, x[0])}
	}}
}

// head is the last stage: logits and penultimate features.
func head(fn func(scope *model.Scope, x *graph.Node) (logits, features *graph.Node)) stage {
	return stage{name: "head", fn: func(scope *model.Scope, x []*graph.Node) []*graph.Node {
		l, f := fn(scope, x[0])
		return []*graph.Node{l, f}
	}}
}

// Init is an architecture's random-initialisation policy, as its torchvision
// constructor applies it (see RandomStateDict).
type Init struct {
	// ConvFanIn draws convolution weights with Kaiming normal over fan-in
	// (DenseNet's kaiming_normal_ default) instead of fan-out.
	ConvFanIn bool
	// LinearStd draws Linear weights from N(0, LinearStd²) with zero biases
	// (VGG, MobileNetV3); 0 keeps torch's default U(±1/√in).
	LinearStd float64
	// LinearBias keeps torch's default bias U(±1/√in) of Linear layers
	// (ResNet's fc); otherwise biases are 0.
	LinearBias bool
	// TorchDefault keeps torch's default initialisation of every layer
	// (AlexNet, which sets none): weights and biases U(±1/√fan_in).
	TorchDefault bool
	// LinearUniformOut draws Linear weights U(±1/√out) with zero biases
	// (EfficientNet).
	LinearUniformOut bool
	// ConvBiasDefault keeps torch's default U(±1/√fan_in) for convolution
	// biases (RegNet initialises only the weights).
	ConvBiasDefault bool
	// ConvStd draws convolution weights N(0, ConvStd²) (ConvNeXt's
	// truncated normal, truncated at ±2: never reached at std 0.02).
	ConvStd float64
}

// Forward builds the network on x (N, 3, H, W): logits (N, 1000) and
// penultimate features (N, Features).
func (a Arch) Forward(scope *model.Scope, x *graph.Node) (logits, features *graph.Node) {
	if x.Rank() != 4 || x.Shape().Dimensions[1] != 3 {
		panic(fmt.Sprintf("cnn %s: want images (N, 3, H, W), got %s", a.Name, x.Shape()))
	}
	xs := []*graph.Node{x}
	for _, s := range a.stages {
		xs = s.fn(scope, xs)
	}
	logits, features = xs[0], xs[1]
	logits.AssertDims(x.Shape().Dimensions[0], Classes)
	features.AssertDims(x.Shape().Dimensions[0], a.Features)
	return logits, features
}

// URL is where torchvision publishes the ImageNet checkpoint.
func (a Arch) URL() string { return weights.BaseURL + a.Weights }

// Seed is the seed of this architecture's random weights in a run seeded
// with seed: seed plus a 31-bit hash (FNV-1a) of the name, the same in the
// CLI, the notebooks, the benchmarks and the tests. It depends on nothing
// else, so adding a model, or listing one earlier, changes no other
// model's random network.
func (a Arch) Seed(seed int64) int64 {
	h := fnv.New64a()
	h.Write([]byte(a.Name))
	return seed + int64(h.Sum64()>>33)
}

// Classes is the number of ImageNet classes the backbones predict.
const Classes = 1000

var (
	archsMu sync.Mutex
	archs   = map[string]Arch{}
)

func init() {
	for _, a := range registry {
		register(a)
	}
}

func register(a Arch) {
	if _, dup := archs[a.Name]; dup {
		panic("cnn: architecture " + a.Name + " registered twice")
	}
	for _, b := range archs {
		if b.Order == a.Order {
			panic(fmt.Sprintf("cnn: %s and %s share listing order %d", a.Name, b.Name, a.Order))
		}
	}
	archs[a.Name] = a
}

// Register adds an architecture (a user's own backbone, or a small one for
// tests): forward must return the 1000 logits and features of width
// features. weights names its checkpoint file for folder specs. It is
// listed after the registry's own. The whole network is one stage, so
// BatchNorm adaptation runs it once per BatchNorm layer.
func Register(name string, features int, weights string, forward func(scope *model.Scope, x *graph.Node) (logits, features *graph.Node)) {
	archsMu.Lock()
	defer archsMu.Unlock()
	register(Arch{Name: name, Family: "user", Features: features, Weights: weights, Order: nextOrder(), stages: []stage{head(forward)}})
}

// Get returns the architecture called name (a torchvision model name, or a
// variant's label).
func Get(name string) (Arch, error) {
	archsMu.Lock()
	a, ok := archs[name]
	archsMu.Unlock()
	if !ok {
		return Arch{}, fmt.Errorf("unknown model %q, have %s", name, strings.Join(Names(), ", "))
	}
	return a, nil
}

// All lists every registered architecture in order.
func All() []Arch {
	archsMu.Lock()
	defer archsMu.Unlock()
	out := make([]Arch, 0, len(archs))
	for _, a := range archs {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Arch) int { return a.Order - b.Order })
	return out
}

// Names lists every registered architecture's name in order.
func Names() []string {
	var names []string
	for _, a := range All() {
		names = append(names, a.Name)
	}
	return names
}

// StudyModels lists the names of the architectures marked Study (the
// original study's five), in listing order: the study's default models.
// Marking another registry entry Study adds it to every default run.
func StudyModels() []string {
	var names []string
	for _, a := range All() {
		if a.Study {
			names = append(names, a.Name)
		}
	}
	return names
}

// Lookup resolves a comma-separated list of model selectors, each a
// registry name, a glob over the names ("resnet*", "densenet1?1"), "all"
// (every built-in architecture) or "study" (StudyModels);
// or a variant LABEL=ARCH:WEIGHTS (an architecture with its own weights, a
// checkpoint file or URL: Variant); each once, in the order first selected.
// "all" and globs cover the registry's own entries. A selector that selects
// nothing is an error.
func Lookup(list string) ([]Arch, error) {
	var out []Arch
	seen := map[string]bool{}
	add := func(a Arch) {
		if !seen[a.Name] {
			seen[a.Name] = true
			out = append(out, a)
		}
	}
	for _, sel := range strings.Split(list, ",") {
		sel = strings.TrimSpace(sel)
		switch {
		case strings.Contains(sel, "="):
			label, rest, _ := strings.Cut(sel, "=")
			base, source, ok := strings.Cut(rest, ":")
			if !ok {
				return nil, fmt.Errorf("model variant %q: want LABEL=ARCH:WEIGHTS (a checkpoint file or URL)", sel)
			}
			v, err := Variant(label, base, source)
			if err != nil {
				return nil, err
			}
			add(v)
		case sel == "all" || sel == "zoo":
			for _, a := range All() {
				if a.Family != "user" && a.Base == "" {
					add(a)
				}
			}
		case sel == "study":
			for _, n := range StudyModels() {
				a, _ := Get(n)
				add(a)
			}
		case strings.ContainsAny(sel, "*?["):
			n := 0
			for _, a := range All() {
				if a.Base != "" {
					continue
				}
				if ok, err := path.Match(sel, a.Name); err != nil {
					return nil, fmt.Errorf("model pattern %q: %w", sel, err)
				} else if ok {
					add(a)
					n++
				}
			}
			if n == 0 {
				return nil, fmt.Errorf("model pattern %q matches none of %s", sel, strings.Join(Names(), ", "))
			}
		default:
			a, err := Get(sel)
			if err != nil {
				return nil, err
			}
			add(a)
		}
	}
	return out, nil
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
