package cnn

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
)

func init() {
	register(Arch{Name: "resnet50", Features: 2048, Weights: "resnet50-0676ba61.pth", forward: resnet(1, 64)})
	register(Arch{Name: "resnext50_32x4d", Features: 2048, Weights: "resnext50_32x4d-7cdf4587.pth", forward: resnet(32, 4)})
}

// resnet50Blocks are the Bottleneck counts of layer1..layer4.
var resnet50Blocks = []int{3, 4, 6, 3}

// resnet is torchvision's ResNet with Bottleneck blocks (v1.5: the stride
// sits on the 3x3 convolution) for a grouping: resnet50 is (1, 64),
// resnext50_32x4d is (32, 4).
func resnet(groups, widthPerGroup int) func(*model.Scope, *graph.Node) (*graph.Node, *graph.Node) {
	return func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		x = nn.Conv2d(scope.In("conv1"), x, nn.Conv{Out: 64, Kernel: 7, Stride: 2, Padding: 3})
		x = nn.ReLU(nn.BatchNorm(scope.In("bn1"), x))
		x = nn.MaxPool2d(x, 3, 2, 1)
		in := 64
		for l, blocks := range resnet50Blocks {
			planes := 64 << l
			layer := scope.In("layer%d", l+1)
			for b := range blocks {
				stride := 1
				if b == 0 && l > 0 {
					stride = 2
				}
				x = bottleneck(layer.In("%d", b), x, in, planes, stride, groups, widthPerGroup)
				in = planes * 4
			}
		}
		feat := nn.Flatten(nn.AdaptiveAvgPool2d(x, 1, 1))
		return nn.Linear(scope.In("fc"), feat, Classes), feat
	}
}

func bottleneck(scope *model.Scope, x *graph.Node, in, planes, stride, groups, widthPerGroup int) *graph.Node {
	width := planes * widthPerGroup / 64 * groups
	out := planes * 4
	y := nn.ReLU(nn.BatchNorm(scope.In("bn1"), nn.Conv2d(scope.In("conv1"), x, nn.Conv{Out: width, Kernel: 1})))
	y = nn.Conv2d(scope.In("conv2"), y, nn.Conv{Out: width, Kernel: 3, Stride: stride, Padding: 1, Groups: groups})
	y = nn.ReLU(nn.BatchNorm(scope.In("bn2"), y))
	y = nn.BatchNorm(scope.In("bn3"), nn.Conv2d(scope.In("conv3"), y, nn.Conv{Out: out, Kernel: 1}))
	identity := x
	if stride != 1 || in != out {
		d := scope.In("downsample")
		identity = nn.BatchNorm(d.In("1"), nn.Conv2d(d.In("0"), x, nn.Conv{Out: out, Kernel: 1, Stride: stride}))
	}
	return nn.ReLU(graph.Add(y, identity))
}
