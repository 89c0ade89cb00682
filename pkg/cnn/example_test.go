package cnn_test

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
)

// An architecture of the registry, by its torchvision name.
func ExampleGet() {
	a, err := cnn.Get("resnet50")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Name, a.Family, a.Features, a.Study)
	fmt.Println(a.Weights)
	fmt.Println(a.URL())
	if _, err := cnn.Get("resnet51"); err != nil {
		fmt.Println("an unknown name is an error")
	}
	// Output:
	// resnet50 resnet 2048 true
	// resnet50-0676ba61.pth
	// https://download.pytorch.org/models/resnet50-0676ba61.pth
	// an unknown name is an error
}

// Model selectors as the command line takes them: names, globs, "study"
// (the original study's five) and "all"; each model once, in the order
// first selected.
func ExampleLookup() {
	fmt.Println(cnn.StudyModels())
	archs, _ := cnn.Lookup("resnet1*,vgg11_bn,study")
	var names []string
	for _, a := range archs {
		names = append(names, a.Name)
	}
	fmt.Println(strings.Join(names, ","))
	all, _ := cnn.Lookup("all")
	var families []string
	for _, a := range all {
		if !slices.Contains(families, a.Family) {
			families = append(families, a.Family)
		}
	}
	fmt.Println("families:", families)
	if _, err := cnn.Lookup("inception*"); err != nil {
		fmt.Println("a selector that selects nothing is an error")
	}
	// Output:
	// [vgg11_bn resnet50 resnext50_32x4d densenet121 mobilenet_v3_large]
	// resnet18,resnet101,resnet152,vgg11_bn,resnet50,resnext50_32x4d,densenet121,mobilenet_v3_large
	// families: [vgg resnet densenet mobilenet alexnet efficientnet regnet convnext]
	// a selector that selects nothing is an error
}

// The layers the layer-wise analysis compares by default: the end of each
// block group, then the pooled penultimate features and the logits.
func ExampleArch_DefaultLayers() {
	a, _ := cnn.Get("resnet18")
	fmt.Println(a.DefaultLayers())
	fmt.Println(a.CheckLayers([]string{"layer2", "fc7"}, cnn.PoolGAP))
	// Output:
	// [maxpool layer1 layer2 layer3 layer4 penultimate logits]
	// cnn resnet18: no layer "fc7"; its layers are maxpool, layer1.0, layer1.1, layer1, layer2.0, layer2.1, layer2, layer3.0, layer3.1, layer3, layer4.0, layer4.1, layer4, penultimate, logits
}

// A user's own backbone: Register a small network (convolution, ReLU,
// global average pool, Linear to the 1000 logits), open it with seeded
// random weights on the pure-Go backend, and run two 32 x 32 images
// through it: Forward returns the logits and the penultimate features,
// ForwardLayers pooled activations of named layers.
func ExampleRegister() {
	const name = "example_tiny"
	if _, err := cnn.Get(name); err != nil {
		cnn.Register(name, 8, name+".pth", func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
			x = nn.ReLU(nn.Conv2d(scope.In("conv"), x, nn.Conv{Out: 8, Kernel: 3, Stride: 2, Padding: 1, Bias: true}))
			f := nn.Flatten(nn.AdaptiveAvgPool2d(x, 1, 1))
			return nn.Linear(scope.In("fc"), f, cnn.Classes), f
		})
	}
	a, _ := cnn.Get(name)
	b, _, err := backend.Env{}.New("go", backend.Convolutions)
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := cnn.NewRandom(b, a, a.Seed(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	params, _ := a.Params()
	for _, p := range params {
		fmt.Println(p.Key, p.Shape)
	}
	x := make([]float32, 2*3*32*32)
	for i := range x {
		x[i] = float32(i%7) / 7
	}
	logits, features, err := m.Forward(x, 2, 32, 32)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(logits), "logits,", len(features), "features; pretrained:", m.Pretrained(), "BatchNorm:", m.BatchNorm)
	fmt.Println(a.LayerNames())
	acts, widths, err := m.ForwardLayers(x, 2, 32, 32, []string{cnn.Penultimate, cnn.LogitsLayer}, cnn.PoolGAP)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(widths, len(acts[0]), len(acts[1]))
	// Output:
	// conv.weight [8 3 3 3]
	// conv.bias [8]
	// fc.weight [1000 8]
	// fc.bias [1000]
	// 2000 logits, 16 features; pretrained: false BatchNorm: none
	// [penultimate logits]
	// [8 1000] 16 2000
}
