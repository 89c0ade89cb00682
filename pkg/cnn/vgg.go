package cnn

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
)

// vgg11Config is VGG configuration "A": channels, 0 for a max-pool.
var vgg11Config = []int{64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0}

// vgg11BN is torchvision's vgg11_bn: features.N indices count every module
// (conv, bn, relu, pool), classifier.0/3/6 are the Linear layers.
func vgg11BN(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
	f := scope.In("features")
	i := 0
	for _, c := range vgg11Config {
		if c == 0 {
			x = nn.MaxPool2d(x, 2, 2, 0)
			i++
			continue
		}
		x = nn.Conv2d(f.In("%d", i), x, nn.Conv{Out: c, Kernel: 3, Padding: 1, Bias: true})
		x = nn.ReLU(nn.BatchNorm(f.In("%d", i+1), x))
		i += 3
	}
	x = nn.Flatten(nn.AdaptiveAvgPool2d(x, 7, 7))
	cl := scope.In("classifier")
	x = nn.ReLU(nn.Linear(cl.In("0"), x, 4096)) // Dropout: identity in evaluation
	feat := nn.ReLU(nn.Linear(cl.In("3"), x, 4096))
	return nn.Linear(cl.In("6"), feat, Classes), feat
}
