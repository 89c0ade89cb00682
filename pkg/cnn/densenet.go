package cnn

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
)

// densenet is torchvision's DenseNet for a growth rate, the layers of each
// dense block and the initial features (bn_size 4, transitions halving the
// channels): densenet121 is (32, [6 12 24 16], 64).
func densenet(growth int, blocks []int, initial int) func(*model.Scope, *graph.Node) (*graph.Node, *graph.Node) {
	return func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		return denseNet(scope, x, growth, blocks, initial)
	}
}

func denseNet(scope *model.Scope, x *graph.Node, growth int, blocks []int, initial int) (*graph.Node, *graph.Node) {
	const bnSize = 4
	f := scope.In("features")
	x = nn.Conv2d(f.In("conv0"), x, nn.Conv{Out: initial, Kernel: 7, Stride: 2, Padding: 3})
	x = nn.ReLU(nn.BatchNorm(f.In("norm0"), x))
	x = nn.MaxPool2d(x, 3, 2, 1)
	channels := initial
	for b, layers := range blocks {
		block := f.In("denseblock%d", b+1)
		feats := []*graph.Node{x}
		for l := range layers {
			s := block.In("denselayer%d", l+1)
			in := graph.Concatenate(feats, 1)
			y := nn.Conv2d(s.In("conv1"), nn.ReLU(nn.BatchNorm(s.In("norm1"), in)), nn.Conv{Out: bnSize * growth, Kernel: 1})
			y = nn.Conv2d(s.In("conv2"), nn.ReLU(nn.BatchNorm(s.In("norm2"), y)), nn.Conv{Out: growth, Kernel: 3, Padding: 1})
			feats = append(feats, y)
		}
		x = graph.Concatenate(feats, 1)
		channels += layers * growth
		if b < len(blocks)-1 {
			t := f.In("transition%d", b+1)
			channels /= 2
			x = nn.Conv2d(t.In("conv"), nn.ReLU(nn.BatchNorm(t.In("norm"), x)), nn.Conv{Out: channels, Kernel: 1})
			x = nn.AvgPool2d(x, 2, 2)
		}
	}
	x = nn.ReLU(nn.BatchNorm(f.In("norm5"), x))
	feat := nn.Flatten(nn.AdaptiveAvgPool2d(x, 1, 1))
	return nn.Linear(scope.In("classifier"), feat, Classes), feat
}
