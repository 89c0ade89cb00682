package nn

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/core/tensors/images"
	"github.com/gomlx/gomlx/ml/model"
)

// Conv is a torch.nn.Conv2d configuration (square kernels, NCHW).
type Conv struct {
	Out, Kernel, Stride, Padding, Groups, Dilation int
	Bias                                           bool
}

// Conv2d is torch.nn.Conv2d: weight (out, in/groups, k, k) and optional bias,
// initialised U(-1/√fan_in, 1/√fan_in) with fan_in = in/groups·k·k (torch's
// default); zero values of Stride, Groups and Dilation mean 1.
func Conv2d(scope *model.Scope, x *Node, c Conv) *Node {
	stride, groups, dil := max(c.Stride, 1), max(c.Groups, 1), max(c.Dilation, 1)
	in := x.Shape().Dimensions[1]
	if x.Rank() != 4 || in%groups != 0 || c.Out%groups != 0 {
		panic(fmt.Sprintf("nn.Conv2d %s: input %s with %d groups and %d outputs", scope.Scope(), x.Shape(), groups, c.Out))
	}
	fanIn := in / groups * c.Kernel * c.Kernel
	bound := 1 / math.Sqrt(float64(fanIn))
	g := x.Graph()
	w := param(scope, "weight", uniform(scope, "weight", bound), c.Out, in/groups, c.Kernel, c.Kernel).ValueGraph(g)
	p := c.Padding
	y := Convolve(x, w).ChannelsAxis(images.ChannelsFirst).ChannelGroupCount(groups).
		Strides(stride).Dilations(dil).PaddingPerDim([][2]int{{p, p}, {p, p}}).Done()
	if c.Bias {
		b := param(scope, "bias", uniform(scope, "bias", bound), c.Out).ValueGraph(g)
		y = Add(y, Reshape(b, 1, c.Out, 1, 1))
	}
	addMACs(g, int64(y.Shape().Size())*int64(fanIn))
	return y
}

// MaxPool2d is torch.nn.MaxPool2d(kernel, stride, padding) (floor mode):
// padded positions never win.
func MaxPool2d(x *Node, kernel, stride, padding int) *Node {
	return MaxPool(x).ChannelsAxis(images.ChannelsFirst).Window(kernel).Strides(stride).
		PaddingPerDim([][2]int{{padding, padding}, {padding, padding}}).Done()
}

// AvgPool2d is torch.nn.AvgPool2d(kernel, stride) without padding.
func AvgPool2d(x *Node, kernel, stride int) *Node {
	return MeanPool(x).ChannelsAxis(images.ChannelsFirst).Window(kernel).Strides(stride).NoPadding().Done()
}

// AdaptiveAvgPool2d is torch.nn.AdaptiveAvgPool2d((oh, ow)): output cell i
// averages input rows floor(i·n/o) to ceil((i+1)·n/o), which also enlarges
// (VGG's 4x4 maps become 7x7 at 128x128 input). Written as two small matrix
// products with the pooling weights.
func AdaptiveAvgPool2d(x *Node, oh, ow int) *Node {
	h, w := x.Shape().Dimensions[2], x.Shape().Dimensions[3]
	if oh == 1 && ow == 1 {
		return ReduceAndKeep(x, ReduceMean, 2, 3)
	}
	g := x.Graph()
	ph := Const(g, poolMatrix(oh, h))
	pw := Const(g, poolMatrix(ow, w))
	x = Einsum("ah,nchw->ncaw", ph, x)
	return Einsum("bw,ncaw->ncab", pw, x)
}

func poolMatrix(o, n int) *tensors.Tensor {
	m := make([]float32, o*n)
	for i := range o {
		lo := i * n / o
		hi := ((i+1)*n + o - 1) / o
		for j := lo; j < hi; j++ {
			m[i*n+j] = 1 / float32(hi-lo)
		}
	}
	return tensors.FromFlatDataAndDimensions(m, o, n)
}

// Hardswish is x·relu6(x+3)/6, torch.nn.Hardswish.
func Hardswish(x *Node) *Node { return Mul(x, Hardsigmoid(x)) }

// Hardsigmoid is relu6(x+3)/6, torch.nn.Hardsigmoid.
func Hardsigmoid(x *Node) *Node {
	return DivScalar(ClipScalar(AddScalar(x, 3), 0, 6), 6)
}

// Flatten keeps the batch axis and merges the rest (torch.flatten(x, 1)).
func Flatten(x *Node) *Node {
	return Reshape(x, x.Shape().Dimensions[0], -1)
}
