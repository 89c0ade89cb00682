package cnn

import (
	"math"
	"math/rand/v2"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// RandomStateDict draws a state dict as torchvision 0.14 initialises the
// architecture with weights=None, so the untrained control is the one the
// literature uses:
//
//   - convolutions: Kaiming normal, std √(2/fan) with fan = out·k·k
//     (mode="fan_out": VGG, ResNet/ResNeXt, MobileNetV3) or in/groups·k·k
//     (DenseNet); their biases 0;
//   - BatchNorm: weight 1, bias 0, running mean 0, variance 1;
//   - Linear: N(0, 0.01²) weights and 0 bias (VGG, MobileNetV3); torch's
//     default U(±1/√in) for both (ResNet/ResNeXt's fc); DenseNet: default
//     weights, 0 bias.
//
// Which rule applies is the architecture's Init policy. Values come from a
// generator seeded by seed and the key.
func (a Arch) RandomStateDict(seed int64) ([]npfile.Entry, error) {
	params, err := a.Params()
	if err != nil {
		return nil, err
	}
	// BatchNorm modules are those with running statistics.
	batchNorm := map[string]bool{}
	for _, p := range params {
		if m, ok := strings.CutSuffix(p.Key, ".running_mean"); ok {
			batchNorm[m] = true
		}
	}
	// A Linear bias's default bound is 1/√in of its weight.
	fanIn := map[string]int{}
	conv := map[string]bool{}
	for _, p := range params {
		if m, ok := strings.CutSuffix(p.Key, ".weight"); ok && len(p.Shape) >= 2 {
			fanIn[m] = p.Size() / p.Shape[0]
			conv[m] = len(p.Shape) == 4
		}
	}
	// Every parameter draws from its own keyed generator, so the
	// parameters fill in parallel with the same values as one by one.
	out := make([]npfile.Entry, len(params))
	parallel.For(len(params), func(k int) {
		p := params[k]
		if strings.HasSuffix(p.Key, "num_batches_tracked") {
			out[k] = npfile.Entry{Key: p.Key, Array: npfile.Array{Shape: p.Shape, Data: []int64{0}}}
			return
		}
		n := 1
		for _, d := range p.Shape {
			n *= d
		}
		rng := nn.KeyedRand(seed, p.Key)
		data := make([]float32, n)
		module := p.Key[:strings.LastIndex(p.Key, ".")]
		fill := a.initRule(p, batchNorm[module], conv[module], fanIn[module])
		for i := range data {
			data[i] = float32(fill(rng))
		}
		out[k] = npfile.Entry{Key: p.Key, Array: npfile.Array{Shape: p.Shape, Data: data}}
	})
	return out, nil
}

// initRule returns the value generator of one parameter.
func (a Arch) initRule(p Param, batchNorm, conv bool, fanIn int) func(*rand.Rand) float64 {
	constant := func(v float64) func(*rand.Rand) float64 { return func(*rand.Rand) float64 { return v } }
	normal := func(std float64) func(*rand.Rand) float64 {
		return func(r *rand.Rand) float64 { return r.NormFloat64() * std }
	}
	uniform := func(bound float64) func(*rand.Rand) float64 {
		return func(r *rand.Rand) float64 { return (2*r.Float64() - 1) * bound }
	}
	name := p.Key[strings.LastIndex(p.Key, ".")+1:]
	switch {
	case name == "running_mean":
		return constant(0)
	case name == "running_var":
		return constant(1)
	case a.Init.TorchDefault && len(p.Shape) >= 2: // weights of every layer
		return uniform(1 / math.Sqrt(float64(p.Size()/p.Shape[0])))
	case name == "layer_scale": // ConvNeXt's block scale
		return constant(1e-6)
	case len(p.Shape) == 4 && a.Init.ConvStd > 0:
		return normal(a.Init.ConvStd)
	case len(p.Shape) == 4: // convolution weight (out, in/groups, k, k)
		fan := p.Shape[0] * p.Shape[2] * p.Shape[3]
		if a.Init.ConvFanIn {
			fan = p.Shape[1] * p.Shape[2] * p.Shape[3]
		}
		return normal(math.Sqrt(2 / float64(fan)))
	case len(p.Shape) == 2: // Linear weight (out, in)
		if a.Init.LinearStd > 0 {
			return normal(a.Init.LinearStd)
		}
		if a.Init.LinearUniformOut {
			return uniform(1 / math.Sqrt(float64(p.Shape[0])))
		}
		return uniform(1 / math.Sqrt(float64(p.Shape[1])))
	}
	// A vector: a BatchNorm's or LayerNorm's weight or bias, or a bias.
	if batchNorm || name == "weight" {
		if name == "weight" {
			return constant(1)
		}
		return constant(0)
	}
	if a.Init.ConvBiasDefault && conv && fanIn > 0 {
		return uniform(1 / math.Sqrt(float64(fanIn)))
	}
	if (a.Init.LinearBias || a.Init.TorchDefault) && fanIn > 0 { // a bias keeping torch's default
		return uniform(1 / math.Sqrt(float64(fanIn)))
	}
	return constant(0)
}
