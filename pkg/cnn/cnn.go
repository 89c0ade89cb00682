// Package cnn holds the study's five ImageNet CNNs as native GoMLX models,
// each matching its torchvision 0.14 namesake layer for layer: the same
// parameter names (a torchvision state_dict loads without edits), eval-mode
// BatchNorm with running statistics, and the same outputs to 1e-4 (checked
// against torchvision by the parity tests). Forward returns the 1000
// ImageNet logits and the penultimate features (the input of the last
// Linear layer).
package cnn

import (
	"fmt"
	"slices"
	"sort"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Arch is one architecture.
type Arch struct {
	Name     string
	Features int    // width of the penultimate features
	Weights  string // torchvision's ImageNet (V1) checkpoint file name
	forward  func(scope *model.Scope, x *graph.Node) (logits, features *graph.Node)
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

// Classes is the number of ImageNet classes the backbones predict.
const Classes = 1000

var archs = map[string]Arch{}

func register(a Arch) { archs[a.Name] = a }

// Register adds an architecture (a user's own backbone, or a small one for
// tests): forward must return the 1000 logits and features of width
// features. weights names its checkpoint file for folder specs.
func Register(name string, features int, weights string, forward func(scope *model.Scope, x *graph.Node) (logits, features *graph.Node)) {
	register(Arch{Name: name, Features: features, Weights: weights, forward: forward})
}

// Get returns the architecture called name (a torchvision model name).
func Get(name string) (Arch, error) {
	a, ok := archs[name]
	if !ok {
		return Arch{}, fmt.Errorf("unknown model %q, have %v", name, Names())
	}
	return a, nil
}

// Names lists the architectures in the study's order.
func Names() []string {
	order := []string{"vgg11_bn", "resnet50", "resnext50_32x4d", "densenet121", "mobilenet_v3_large"}
	names := slices.Clone(order)
	var extra []string
	for n := range archs {
		if !slices.Contains(order, n) {
			extra = append(extra, n)
		}
	}
	sort.Strings(extra)
	return append(names, extra...)
}
