package cnn

import (
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
)

// VGG configurations: channels of each 3x3 convolution, 0 for a max-pool.
var (
	vggA = []int{64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0}                                        // vgg11
	vggB = []int{64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0}                               // vgg13
	vggD = []int{64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0}                // vgg16
	vggE = []int{64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0} // vgg19
)

// vgg is torchvision's VGG for a configuration, with or without BatchNorm:
// features.N indices count every module (conv, [bn,] relu, pool),
// classifier.0/3/6 are the Linear layers. Stages: each convolution unit
// (with the max-pool that follows it), the head.
func vgg(config []int, bn bool) []stage {
	var stages []stage
	i := 0
	for k, c := range config {
		if c == 0 {
			continue
		}
		conv, end := i, i+2
		if bn {
			end++
		}
		pool := k+1 < len(config) && config[k+1] == 0
		i = end
		if pool {
			i++
		}
		name := sprintf("features.%d", i-1)
		stages = append(stages, single(name, func(scope *model.Scope, x *graph.Node) *graph.Node {
			f := scope.At("features")
			x = nn.Conv2d(f.In("%d", conv), x, nn.Conv{Out: c, Kernel: 3, Padding: 1, Bias: true})
			if bn {
				x = nn.BatchNorm(f.In("%d", conv+1), x)
			}
			x = nn.ReLU(x)
			if pool {
				x = nn.MaxPool2d(x, 2, 2, 0)
			}
			return x
		}))
	}
	return append(stages, classifier4096(7, "0", "3", "6"))
}

// classifier4096 is VGG's and AlexNet's head: adaptive average to pool x
// pool, flatten, then classifier.<a> Linear(4096) and ReLU, classifier.<b>
// Linear(4096) and ReLU (the penultimate features), classifier.<c> to the
// logits; the dropouts between are the identity in evaluation.
func classifier4096(pool int, a, b, c string) stage {
	return head(func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
		x = nn.Flatten(nn.AdaptiveAvgPool2d(x, pool, pool))
		cl := scope.In("classifier")
		x = nn.ReLU(nn.Linear(cl.In("%s", a), x, 4096))
		feat := nn.ReLU(nn.Linear(cl.In("%s", b), x, 4096))
		return nn.Linear(cl.In("%s", c), feat, Classes), feat
	})
}
