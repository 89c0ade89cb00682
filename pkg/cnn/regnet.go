package cnn

import (
	"math"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
)

// regnetStages is a RegNet's stages as torchvision's BlockParams computes
// them from its (depth, w_0, w_a, w_m, group width) design: blocks, output
// width and group width of each stage (bottleneck multiplier 1, stride 2).
type regnetStages struct{ depths, widths []int }

var (
	regnetY400MF = regnetStages{[]int{1, 3, 6, 6}, []int{48, 104, 208, 440}}  // group width 8
	regnetY800MF = regnetStages{[]int{1, 3, 8, 2}, []int{64, 144, 320, 784}}  // group width 16
	regnetY1_6GF = regnetStages{[]int{2, 6, 17, 2}, []int{48, 120, 336, 888}} // group width 24
)

// regnetY is torchvision's RegNetY: a 3x3 stride-2 stem to 32 channels, four
// stages of residual bottleneck blocks (1x1, grouped 3x3 with the stride,
// squeeze-and-excitation at a quarter of the block's input width with ReLU
// and sigmoid, 1x1; a 1x1 projection where the shape changes; ReLU after
// the sum), global average, fc. Stages: the stem, each block
// (trunk_output.blockS.blockS-B), the head.
func regnetY(cfg regnetStages, groupWidth int) []stage {
	const eps = 1e-5
	stages := []stage{single("stem", func(scope *model.Scope, x *graph.Node) *graph.Node {
		return convBNEps(scope.In("stem"), x, nn.Conv{Out: 32, Kernel: 3, Stride: 2}, nn.ReLU, eps)
	})}
	in := 32
	for s, depth := range cfg.depths {
		out := cfg.widths[s]
		for b := range depth {
			blockIn, stride := in, 2
			if b > 0 {
				blockIn, stride = out, 1
			}
			name := sprintf("trunk_output.block%d.block%d-%d", s+1, s+1, b)
			stages = append(stages, single(name, func(scope *model.Scope, x *graph.Node) *graph.Node {
				sc := scope.At("trunk_output").At("block%d", s+1).In("block%d-%d", s+1, b)
				f := sc.In("f")
				groups := out / groupWidth
				y := convBNEps(f.In("a"), x, nn.Conv{Out: out, Kernel: 1}, nn.ReLU, eps)
				y = convBNEps(f.In("b"), y, nn.Conv{Out: out, Kernel: 3, Stride: stride, Groups: groups}, nn.ReLU, eps)
				y = squeezeExcite(f.In("se"), y, int(math.Round(0.25*float64(blockIn))), nn.ReLU, graph.Sigmoid)
				y = convBNEps(f.In("c"), y, nn.Conv{Out: out, Kernel: 1}, nil, eps)
				short := x
				if blockIn != out || stride != 1 {
					short = convBNEps(sc.In("proj"), x, nn.Conv{Out: out, Kernel: 1, Stride: stride}, nil, eps)
				}
				return nn.ReLU(graph.Add(short, y))
			}))
		}
		in = out
	}
	return append(stages, head(func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		feat := nn.Flatten(nn.AdaptiveAvgPool2d(x, 1, 1))
		return nn.Linear(scope.In("fc"), feat, Classes), feat
	}))
}

// convnextStage is one ConvNeXt stage: its width and blocks.
type convnextStage struct{ width, blocks int }

var (
	convnextTiny  = []convnextStage{{96, 3}, {192, 3}, {384, 9}, {768, 3}}
	convnextSmall = []convnextStage{{96, 3}, {192, 3}, {384, 27}, {768, 3}}
)

// convnext is torchvision's ConvNeXt: a 4x4 stride-4 patchify convolution
// with LayerNorm (features.0), stages of CNBlocks (7x7 depthwise
// convolution, LayerNorm, Linear to 4x, GELU, Linear back, times
// layer_scale, plus the input; stochastic depth: identity in evaluation)
// with LayerNorm and a 2x2 stride-2 convolution between stages, global
// average, LayerNorm and the Linear classifier (classifier.0, .2). LayerNorm
// epsilon 1e-6; no BatchNorm. Stages: the stem, each block (features.S.B),
// each downsampling (features.S), the head.
func convnext(cfg []convnextStage) []stage {
	const eps = 1e-6
	stages := []stage{single("features.0", func(scope *model.Scope, x *graph.Node) *graph.Node {
		f := scope.At("features").In("0")
		x = nn.Conv2d(f.In("0"), x, nn.Conv{Out: cfg[0].width, Kernel: 4, Stride: 4, Bias: true})
		return nn.LayerNorm2d(f.In("1"), x, eps)
	})}
	idx := 1
	for s, st := range cfg {
		k := idx
		for b := range st.blocks {
			dim := st.width
			stages = append(stages, single(sprintf("features.%d.%d", k, b), func(scope *model.Scope, x *graph.Node) *graph.Node {
				sc := scope.At("features").At("%d", k).In("%d", b)
				blk := sc.In("block")
				y := nn.Conv2d(blk.In("0"), x, nn.Conv{Out: dim, Kernel: 7, Padding: 3, Groups: dim, Bias: true})
				y = nn.LayerNorm2d(blk.In("2"), y, eps)
				y = nn.GELU(nn.LinearChannels(blk.In("3"), y, 4*dim))
				y = nn.LinearChannels(blk.In("5"), y, dim)
				y = graph.Mul(graph.Reshape(nn.Learned(sc, x.Graph(), "layer_scale", 1e-6, dim, 1, 1), 1, dim, 1, 1), y)
				return graph.Add(y, x)
			}))
		}
		idx++
		if s < len(cfg)-1 {
			d, out := idx, cfg[s+1].width
			stages = append(stages, single(sprintf("features.%d", d), func(scope *model.Scope, x *graph.Node) *graph.Node {
				sc := scope.At("features").In("%d", d)
				x = nn.LayerNorm2d(sc.In("0"), x, eps)
				return nn.Conv2d(sc.In("1"), x, nn.Conv{Out: out, Kernel: 2, Stride: 2, Bias: true})
			}))
			idx++
		}
	}
	return append(stages, head(func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		cl := scope.In("classifier")
		feat := nn.Flatten(nn.LayerNorm2d(cl.In("0"), nn.AdaptiveAvgPool2d(x, 1, 1), eps))
		return nn.Linear(cl.In("2"), feat, Classes), feat
	}))
}
