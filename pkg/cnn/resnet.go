package cnn

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
)

// resnet is torchvision's ResNet for a block type and the block counts of
// layer1..layer4: BasicBlock (two 3x3 convolutions, expansion 1: resnet18,
// resnet34) or Bottleneck (1x1, grouped 3x3, 1x1, expansion 4; v1.5: the
// stride sits on the 3x3 convolution) with a grouping: resnet50 is (1, 64),
// resnext50_32x4d is (32, 4). Stages: the stem (to maxpool), each block
// (layerL.B), the head.
func resnet(basic bool, blocks []int, groups, widthPerGroup int) []stage {
	expansion := 4
	if basic {
		expansion = 1
	}
	stages := []stage{single("maxpool", func(scope *model.Scope, x *graph.Node) *graph.Node {
		x = nn.Conv2d(scope.In("conv1"), x, nn.Conv{Out: 64, Kernel: 7, Stride: 2, Padding: 3})
		x = nn.ReLU(nn.BatchNorm(scope.In("bn1"), x))
		return nn.MaxPool2d(x, 3, 2, 1)
	})}
	in := 64
	for l, n := range blocks {
		planes := 64 << l
		for b := range n {
			stride := 1
			if b == 0 && l > 0 {
				stride = 2
			}
			name := sprintf("layer%d.%d", l+1, b)
			blockIn := in
			stages = append(stages, single(name, func(scope *model.Scope, x *graph.Node) *graph.Node {
				s := scope.At("layer%d", l+1).In("%d", b)
				if basic {
					return basicBlock(s, x, blockIn, planes, stride)
				}
				return bottleneck(s, x, blockIn, planes, stride, groups, widthPerGroup)
			}))
			in = planes * expansion
		}
	}
	return append(stages, head(func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		feat := nn.Flatten(nn.AdaptiveAvgPool2d(x, 1, 1))
		return nn.Linear(scope.In("fc"), feat, Classes), feat
	}))
}

// basicBlock is torchvision's BasicBlock.
func basicBlock(scope *model.Scope, x *graph.Node, in, planes, stride int) *graph.Node {
	y := nn.Conv2d(scope.In("conv1"), x, nn.Conv{Out: planes, Kernel: 3, Stride: stride, Padding: 1})
	y = nn.ReLU(nn.BatchNorm(scope.In("bn1"), y))
	y = nn.BatchNorm(scope.In("bn2"), nn.Conv2d(scope.In("conv2"), y, nn.Conv{Out: planes, Kernel: 3, Padding: 1}))
	return nn.ReLU(graph.Add(y, shortcut(scope, x, in, planes, stride)))
}

// shortcut is the identity, or the 1x1 projection where the shape changes.
func shortcut(scope *model.Scope, x *graph.Node, in, out, stride int) *graph.Node {
	if stride == 1 && in == out {
		return x
	}
	d := scope.In("downsample")
	return nn.BatchNorm(d.In("1"), nn.Conv2d(d.In("0"), x, nn.Conv{Out: out, Kernel: 1, Stride: stride}))
}

func bottleneck(scope *model.Scope, x *graph.Node, in, planes, stride, groups, widthPerGroup int) *graph.Node {
	width := planes * widthPerGroup / 64 * groups
	out := planes * 4
	y := nn.ReLU(nn.BatchNorm(scope.In("bn1"), nn.Conv2d(scope.In("conv1"), x, nn.Conv{Out: width, Kernel: 1})))
	y = nn.Conv2d(scope.In("conv2"), y, nn.Conv{Out: width, Kernel: 3, Stride: stride, Padding: 1, Groups: groups})
	y = nn.ReLU(nn.BatchNorm(scope.In("bn2"), y))
	y = nn.BatchNorm(scope.In("bn3"), nn.Conv2d(scope.In("conv3"), y, nn.Conv{Out: out, Kernel: 1}))
	return nn.ReLU(graph.Add(y, shortcut(scope, x, in, out, stride)))
}
