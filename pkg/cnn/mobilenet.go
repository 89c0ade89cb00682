package cnn

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
)

// bneck is one inverted residual block's configuration.
type bneck struct {
	in, kernel, expanded, out int
	se, hardswish             bool
	stride                    int
}

var mobilenetV3LargeBlocks = []bneck{
	{16, 3, 16, 16, false, false, 1},
	{16, 3, 64, 24, false, false, 2},
	{24, 3, 72, 24, false, false, 1},
	{24, 5, 72, 40, true, false, 2},
	{40, 5, 120, 40, true, false, 1},
	{40, 5, 120, 40, true, false, 1},
	{40, 3, 240, 80, false, true, 2},
	{80, 3, 200, 80, false, true, 1},
	{80, 3, 184, 80, false, true, 1},
	{80, 3, 184, 80, false, true, 1},
	{80, 3, 480, 112, true, true, 1},
	{112, 3, 672, 112, true, true, 1},
	{112, 5, 672, 160, true, true, 2},
	{160, 5, 960, 160, true, true, 1},
	{160, 5, 960, 160, true, true, 1},
}

var mobilenetV3SmallBlocks = []bneck{
	{16, 3, 16, 16, true, false, 2},
	{16, 3, 72, 24, false, false, 2},
	{24, 3, 88, 24, false, false, 1},
	{24, 5, 96, 40, true, true, 2},
	{40, 5, 240, 40, true, true, 1},
	{40, 5, 240, 40, true, true, 1},
	{40, 5, 120, 48, true, true, 1},
	{48, 5, 144, 48, true, true, 1},
	{48, 5, 288, 96, true, true, 2},
	{96, 5, 576, 96, true, true, 1},
	{96, 5, 576, 96, true, true, 1},
}

// mobileEps is MobileNetV3's BatchNorm epsilon.
const mobileEps = 0.001

// convBN is torchvision's Conv2dNormActivation: conv (no bias) at .0, BN at
// .1, then the activation (nil: none).
func convBN(scope *model.Scope, x *graph.Node, c nn.Conv, act func(*graph.Node) *graph.Node) *graph.Node {
	return convBNEps(scope, x, c, act, mobileEps)
}

// convBNEps is convBN with BatchNorm's epsilon eps.
func convBNEps(scope *model.Scope, x *graph.Node, c nn.Conv, act func(*graph.Node) *graph.Node, eps float64) *graph.Node {
	c.Padding = (c.Kernel - 1) / 2
	x = nn.BatchNormEps(scope.In("1"), nn.Conv2d(scope.In("0"), x, c), eps)
	if act != nil {
		x = act(x)
	}
	return x
}

// makeDivisible is torchvision's _make_divisible(v, 8).
func makeDivisible(v int) int { return makeDivisibleF(float64(v)) }

// makeDivisibleF is _make_divisible(v, 8) of a real v (scaled widths).
func makeDivisibleF(v float64) int {
	n := max(8, int(v+4)/8*8)
	if float64(n) < 0.9*v {
		n += 8
	}
	return n
}

// mobilenetV3 is torchvision's MobileNetV3 for its blocks and the width of
// the classifier's hidden layer (the last convolution has 6x the last
// block's channels): large is (blocks, 1280), small (blocks, 1024). Stages:
// each module of features, the head.
func mobilenetV3(blocks []bneck, lastChannel int) []stage {
	stages := []stage{single("features.0", func(scope *model.Scope, x *graph.Node) *graph.Node {
		return convBN(scope.At("features").In("0"), x, nn.Conv{Out: 16, Kernel: 3, Stride: 2}, nn.Hardswish)
	})}
	for i, b := range blocks {
		stages = append(stages, single(sprintf("features.%d", i+1), func(scope *model.Scope, x *graph.Node) *graph.Node {
			return invertedResidual(scope.At("features").In("%d", i+1).In("block"), x, b)
		}))
	}
	last := len(blocks) + 1
	stages = append(stages, single(sprintf("features.%d", last), func(scope *model.Scope, x *graph.Node) *graph.Node {
		return convBN(scope.At("features").In("%d", last), x, nn.Conv{Out: 6 * blocks[len(blocks)-1].out, Kernel: 1}, nn.Hardswish)
	}))
	return append(stages, head(func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		x = nn.Flatten(nn.AdaptiveAvgPool2d(x, 1, 1))
		cl := scope.In("classifier")
		feat := nn.Hardswish(nn.Linear(cl.In("0"), x, lastChannel)) // Dropout(0.2): identity in evaluation
		return nn.Linear(cl.In("3"), feat, Classes), feat
	}))
}

func invertedResidual(scope *model.Scope, x *graph.Node, b bneck) *graph.Node {
	act := nn.ReLU
	if b.hardswish {
		act = nn.Hardswish
	}
	y, j := x, 0
	if b.expanded != b.in {
		y = convBN(scope.In("%d", j), y, nn.Conv{Out: b.expanded, Kernel: 1}, act)
		j++
	}
	y = convBN(scope.In("%d", j), y, nn.Conv{Out: b.expanded, Kernel: b.kernel, Stride: b.stride, Groups: b.expanded}, act)
	j++
	if b.se {
		y = squeezeExcitation(scope.In("%d", j), y, makeDivisible(b.expanded/4))
		j++
	}
	y = convBN(scope.In("%d", j), y, nn.Conv{Out: b.out, Kernel: 1}, nil)
	if b.stride == 1 && b.in == b.out {
		y = graph.Add(y, x)
	}
	return y
}

// squeezeExcitation is torchvision's SqueezeExcitation as MobileNetV3 uses
// it: ReLU, then a hard sigmoid.
func squeezeExcitation(scope *model.Scope, x *graph.Node, squeeze int) *graph.Node {
	return squeezeExcite(scope, x, squeeze, nn.ReLU, nn.Hardsigmoid)
}

// squeezeExcite is torchvision's SqueezeExcitation: global average, fc1
// (1x1 convolution), act, fc2, scale, times x.
func squeezeExcite(scope *model.Scope, x *graph.Node, squeeze int, act, scale func(*graph.Node) *graph.Node) *graph.Node {
	c := x.Shape().Dimensions[1]
	s := nn.AdaptiveAvgPool2d(x, 1, 1)
	s = act(nn.Conv2d(scope.In("fc1"), s, nn.Conv{Out: squeeze, Kernel: 1, Bias: true}))
	s = scale(nn.Conv2d(scope.In("fc2"), s, nn.Conv{Out: c, Kernel: 1, Bias: true}))
	return graph.Mul(x, s)
}
