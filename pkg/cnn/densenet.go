package cnn

import (
	"slices"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
)

// densenet is torchvision's DenseNet for a growth rate, the layers of each
// dense block and the initial features (bn_size 4, transitions halving the
// channels): densenet121 is (32, [6 12 24 16], 64). Stages: the stem (to
// pool0), each dense layer (in: its block's features so far, one tensor
// per earlier layer; out: the same tensors and its own new channels), each
// transition, the head (norm5 on). A dense layer's stage passes its inputs
// through instead of returning their concatenation, so BatchNorm adaptation
// holds a block's features once (the concatenation in and out held them
// twice: 3.1 GB at dense block 1's end for 1593 images at 128x128).
func densenet(growth int, blocks []int, initial int) []stage {
	const bnSize = 4
	stages := []stage{single("features.pool0", func(scope *model.Scope, x *graph.Node) *graph.Node {
		f := scope.At("features")
		x = nn.Conv2d(f.In("conv0"), x, nn.Conv{Out: initial, Kernel: 7, Stride: 2, Padding: 3})
		x = nn.ReLU(nn.BatchNorm(f.In("norm0"), x))
		return nn.MaxPool2d(x, 3, 2, 1)
	})}
	channels := initial
	for b, layers := range blocks {
		for l := range layers {
			name := sprintf("features.denseblock%d.denselayer%d", b+1, l+1)
			stages = append(stages, stage{name: name, fn: func(scope *model.Scope, in []*graph.Node) []*graph.Node {
				s := scope.At("features").In("denseblock%d", b+1).In("denselayer%d", l+1)
				y := nn.Conv2d(s.In("conv1"), nn.ReLU(nn.BatchNorm(s.In("norm1"), joined(in))), nn.Conv{Out: bnSize * growth, Kernel: 1})
				y = nn.Conv2d(s.In("conv2"), nn.ReLU(nn.BatchNorm(s.In("norm2"), y)), nn.Conv{Out: growth, Kernel: 3, Padding: 1})
				return append(slices.Clone(in), y)
			}})
		}
		channels += layers * growth
		if b < len(blocks)-1 {
			channels /= 2
			out := channels
			stages = append(stages, stage{name: sprintf("features.transition%d", b+1), fn: func(scope *model.Scope, in []*graph.Node) []*graph.Node {
				t := scope.At("features").In("transition%d", b+1)
				x := nn.Conv2d(t.In("conv"), nn.ReLU(nn.BatchNorm(t.In("norm"), joined(in))), nn.Conv{Out: out, Kernel: 1})
				return []*graph.Node{nn.AvgPool2d(x, 2, 2)}
			}})
		}
	}
	return append(stages, stage{name: "head", fn: func(scope *model.Scope, in []*graph.Node) []*graph.Node {
		x := nn.ReLU(nn.BatchNorm(scope.At("features").In("norm5"), joined(in)))
		feat := nn.Flatten(nn.AdaptiveAvgPool2d(x, 1, 1))
		return []*graph.Node{nn.Linear(scope.In("classifier"), feat, Classes), feat}
	}})
}
