package cnn

import (
	"fmt"
	"path"
	"slices"
	"strings"

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
	// Order places the architecture in listings; the study's models come
	// first. It also offsets the seed of random weights (Seed), so a model
	// gets the same random network wherever it is opened.
	Order int
	// Study marks the five architectures of the original study, which the
	// study runs by default.
	Study   bool
	Init    Init // how torchvision initialises it with weights=None
	forward func(scope *model.Scope, x *graph.Node) (logits, features *graph.Node)
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
}

// Forward builds the network on x (N, 3, H, W): logits (N, 1000) and
// penultimate features (N, Features).
func (a Arch) Forward(scope *model.Scope, x *graph.Node) (logits, features *graph.Node) {
	if x.Rank() != 4 || x.Shape().Dimensions[1] != 3 {
		panic(fmt.Sprintf("cnn %s: want images (N, 3, H, W), got %s", a.Name, x.Shape()))
	}
	logits, features = a.forward(scope, x)
	logits.AssertDims(x.Shape().Dimensions[0], Classes)
	features.AssertDims(x.Shape().Dimensions[0], a.Features)
	return logits, features
}

// URL is where torchvision publishes the ImageNet checkpoint.
func (a Arch) URL() string { return weights.BaseURL + a.Weights }

// Seed is the seed of this architecture's random weights in a run seeded
// with seed: seed + Order, the same in the CLI, the notebooks, the
// benchmarks and the tests.
func (a Arch) Seed(seed int64) int64 { return seed + int64(a.Order) }

// Classes is the number of ImageNet classes the backbones predict.
const Classes = 1000

var archs = map[string]Arch{}

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
			panic(fmt.Sprintf("cnn: %s and %s share order %d (it sets random weights' seeds)", a.Name, b.Name, a.Order))
		}
	}
	archs[a.Name] = a
}

// Register adds an architecture (a user's own backbone, or a small one for
// tests): forward must return the 1000 logits and features of width
// features. weights names its checkpoint file for folder specs. It is
// listed after the registry's own.
func Register(name string, features int, weights string, forward func(scope *model.Scope, x *graph.Node) (logits, features *graph.Node)) {
	order := 0
	for _, a := range archs {
		order = max(order, a.Order+1)
	}
	register(Arch{Name: name, Family: "user", Features: features, Weights: weights, Order: order, forward: forward})
}

// Get returns the architecture called name (a torchvision model name).
func Get(name string) (Arch, error) {
	a, ok := archs[name]
	if !ok {
		return Arch{}, fmt.Errorf("unknown model %q, have %s", name, strings.Join(Names(), ", "))
	}
	return a, nil
}

// All lists every registered architecture in order.
func All() []Arch {
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

// StudyModels lists the names of the original study's five architectures,
// the study's default.
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
// (every built-in architecture) or "study" (the original study's five);
// each architecture once, in the order first selected. A selector that
// selects nothing is an error.
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
		case sel == "all":
			for _, a := range All() {
				if a.Family != "user" {
					add(a)
				}
			}
		case sel == "study":
			for _, n := range StudyModels() {
				add(archs[n])
			}
		case strings.ContainsAny(sel, "*?["):
			n := 0
			for _, a := range All() {
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
