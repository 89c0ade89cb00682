package blur

import (
	"fmt"

	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/core/tensors/images"
)

// GaussianGraph is Gaussian as a GoMLX op on a batch x (N, C, H, W): the
// same separable kernel as two depthwise convolutions (one group per
// channel), with the reflect boundary built by slicing, so it runs on any
// backend next to the CNN that consumes its output. The kernel radius must
// not exceed the image side (the plain function has no such limit).
func GaussianGraph(x *Node, sigma float64) *Node {
	if sigma == 0 {
		return x
	}
	if x.Rank() != 4 {
		panic(fmt.Sprintf("blur.GaussianGraph: want (N, C, H, W), got %s", x.Shape()))
	}
	k := GaussianKernel(sigma)
	r := len(k) / 2
	c := x.Shape().Dimensions[1]
	for _, axis := range []int{2, 3} {
		if n := x.Shape().Dimensions[axis]; r > n {
			panic(fmt.Sprintf("blur.GaussianGraph: sigma %v needs a radius of %d pixels, image axis has %d", sigma, r, n))
		}
		x = reflectPad(x, axis, r)
		dims := []int{c, 1, 1, 1}
		dims[axis] = len(k)
		w := make([]float32, c*len(k))
		for ch := range c {
			for i, v := range k {
				w[ch*len(k)+i] = float32(v)
			}
		}
		kernel := Const(x.Graph(), tensors.FromFlatDataAndDimensions(w, dims...))
		x = Convolve(x, kernel).ChannelsAxis(images.ChannelsFirst).ChannelGroupCount(c).NoPadding().Done()
	}
	return x
}

// reflectPad extends axis by r values on each side, mirrored with the edge
// repeated (scipy's "reflect").
func reflectPad(x *Node, axis, r int) *Node {
	n := x.Shape().Dimensions[axis]
	left := Reverse(SliceAxis(x, axis, AxisRange(0, r)), axis)
	right := Reverse(SliceAxis(x, axis, AxisRange(n-r, n)), axis)
	return Concatenate([]*Node{left, x, right}, axis)
}
