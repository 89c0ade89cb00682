package cnn

import (
	"math"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
)

// alexnet is torchvision's AlexNet: five convolutions (features.0, 3, 6, 8,
// 10) with max-pools after the first, second and fifth, a 6x6 adaptive
// average (which enlarges the 3x3 maps of 128x128 inputs), and classifier.1,
// .4, .6 (dropout before the first two: identity in evaluation). Stages: each
// convolution unit, the head.
func alexnet() []stage {
	type unit struct{ idx, out, kernel, stride, pad int }
	units := []unit{{0, 64, 11, 4, 2}, {3, 192, 5, 1, 2}, {6, 384, 3, 1, 1}, {8, 256, 3, 1, 1}, {10, 256, 3, 1, 1}}
	var stages []stage
	for _, u := range units {
		pool := u.idx == 0 || u.idx == 3 || u.idx == 10
		end := u.idx + 1
		if pool {
			end++
		}
		stages = append(stages, single(sprintf("features.%d", end), func(scope *model.Scope, x *graph.Node) *graph.Node {
			x = nn.Conv2d(scope.At("features").In("%d", u.idx), x, nn.Conv{Out: u.out, Kernel: u.kernel, Stride: u.stride, Padding: u.pad, Bias: true})
			x = nn.ReLU(x)
			if pool {
				x = nn.MaxPool2d(x, 3, 2, 0)
			}
			return x
		}))
	}
	return append(stages, classifier4096(6, "1", "4", "6"))
}

// relu6 is torch.nn.ReLU6.
func relu6(x *graph.Node) *graph.Node { return graph.ClipScalar(x, 0, 6) }

// silu is torch.nn.SiLU: x·sigmoid(x).
func silu(x *graph.Node) *graph.Node { return graph.Mul(x, graph.Sigmoid(x)) }

// mobilenetV2 is torchvision's MobileNetV2 (width 1): features.0 is a 3x3
// stride-2 convolution to 32 channels, features.1..17 the inverted residual
// blocks of the (t, c, n, s) table, features.18 a 1x1 convolution to 1280;
// ReLU6 throughout, BatchNorm epsilon 1e-5; classifier.1 the Linear layer
// (dropout before it). Stages: each module of features, the head.
func mobilenetV2() []stage {
	const eps = 1e-5
	stages := []stage{single("features.0", func(scope *model.Scope, x *graph.Node) *graph.Node {
		return convBNEps(scope.At("features").In("0"), x, nn.Conv{Out: 32, Kernel: 3, Stride: 2}, relu6, eps)
	})}
	table := [][4]int{{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}}
	in, idx := 32, 1
	for _, r := range table {
		t, c, n, s := r[0], r[1], r[2], r[3]
		for i := range n {
			stride := 1
			if i == 0 {
				stride = s
			}
			blockIn, k := in, idx
			stages = append(stages, single(sprintf("features.%d", k), func(scope *model.Scope, x *graph.Node) *graph.Node {
				sc := scope.At("features").In("%d", k).In("conv")
				hidden := int(math.Round(float64(blockIn * t)))
				y, j := x, 0
				if t != 1 {
					y = convBNEps(sc.In("%d", j), y, nn.Conv{Out: hidden, Kernel: 1}, relu6, eps)
					j++
				}
				y = convBNEps(sc.In("%d", j), y, nn.Conv{Out: hidden, Kernel: 3, Stride: stride, Groups: hidden}, relu6, eps)
				y = nn.Conv2d(sc.In("%d", j+1), y, nn.Conv{Out: c, Kernel: 1})
				y = nn.BatchNormEps(sc.In("%d", j+2), y, eps)
				if stride == 1 && blockIn == c {
					y = graph.Add(y, x)
				}
				return y
			}))
			in = c
			idx++
		}
	}
	last := idx
	stages = append(stages, single(sprintf("features.%d", last), func(scope *model.Scope, x *graph.Node) *graph.Node {
		return convBNEps(scope.At("features").In("%d", last), x, nn.Conv{Out: 1280, Kernel: 1}, relu6, eps)
	}))
	return append(stages, head(func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		feat := nn.Flatten(nn.AdaptiveAvgPool2d(x, 1, 1))
		return nn.Linear(scope.In("classifier").In("1"), feat, Classes), feat
	}))
}

// efficientNetFeatures is the width of EfficientNet-B(width)'s penultimate
// features: 4x its last stage's adjusted 320 channels.
func efficientNetFeatures(width float64) int { return 4 * makeDivisibleF(320*width) }

// efficientnet is torchvision's EfficientNet (V1) for a width and a depth
// multiplier: B0 (1.0, 1.0), B1 (1.0, 1.1), B2 (1.1, 1.2), B3 (1.2, 1.4).
// features.0 is a 3x3 stride-2 convolution, features.1..7 the stages of
// MBConv blocks (expand 1x1, depthwise kxk, squeeze-and-excitation with SiLU
// and sigmoid, project 1x1; residual where the shape is kept; stochastic
// depth: identity in evaluation), features.8 a 1x1 convolution to 4x the
// last width; SiLU throughout, BatchNorm epsilon 1e-5; classifier.1 the
// Linear layer. Stages: the stem, each block, the last convolution, the
// head.
func efficientnet(width, depth float64) []stage {
	const eps = 1e-5
	adjust := func(c int) int { return makeDivisibleF(float64(c) * width) }
	table := [][6]int{ // expand, kernel, stride, in, out, layers
		{1, 3, 1, 32, 16, 1}, {6, 3, 2, 16, 24, 2}, {6, 5, 2, 24, 40, 2}, {6, 3, 2, 40, 80, 3},
		{6, 5, 1, 80, 112, 3}, {6, 5, 2, 112, 192, 4}, {6, 3, 1, 192, 320, 1},
	}
	stem := adjust(32)
	stages := []stage{single("features.0", func(scope *model.Scope, x *graph.Node) *graph.Node {
		return convBNEps(scope.At("features").In("0"), x, nn.Conv{Out: stem, Kernel: 3, Stride: 2}, silu, eps)
	})}
	for si, r := range table {
		expand, kernel, stride0, in, out := r[0], r[1], r[2], adjust(r[3]), adjust(r[4])
		layers := int(math.Ceil(float64(r[5]) * depth))
		for b := range layers {
			blockIn, stride := in, stride0
			if b > 0 {
				blockIn, stride = out, 1
			}
			stages = append(stages, single(sprintf("features.%d.%d", si+1, b), func(scope *model.Scope, x *graph.Node) *graph.Node {
				sc := scope.At("features").At("%d", si+1).In("%d", b).In("block")
				expanded := makeDivisibleF(float64(blockIn * expand))
				y, j := x, 0
				if expanded != blockIn {
					y = convBNEps(sc.In("%d", j), y, nn.Conv{Out: expanded, Kernel: 1}, silu, eps)
					j++
				}
				y = convBNEps(sc.In("%d", j), y, nn.Conv{Out: expanded, Kernel: kernel, Stride: stride, Groups: expanded}, silu, eps)
				y = squeezeExcite(sc.In("%d", j+1), y, max(1, blockIn/4), silu, graph.Sigmoid)
				y = convBNEps(sc.In("%d", j+2), y, nn.Conv{Out: out, Kernel: 1}, nil, eps)
				if stride == 1 && blockIn == out {
					y = graph.Add(y, x)
				}
				return y
			}))
		}
	}
	lastIn := adjust(320)
	stages = append(stages, single("features.8", func(scope *model.Scope, x *graph.Node) *graph.Node {
		return convBNEps(scope.At("features").In("8"), x, nn.Conv{Out: 4 * lastIn, Kernel: 1}, silu, eps)
	}))
	return append(stages, head(func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		feat := nn.Flatten(nn.AdaptiveAvgPool2d(x, 1, 1))
		return nn.Linear(scope.In("classifier").In("1"), feat, Classes), feat
	}))
}
