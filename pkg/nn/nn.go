package nn

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	. "github.com/gomlx/gomlx/core/graph" //nolint:staticcheck // graph building reads best unqualified
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
)

// SeedParam is the store parameter (int64) that seeds initialisation. Each
// variable draws from its own generator, seeded by this value and the
// variable's path, so values do not depend on creation order or backend.
const SeedParam = "nn_seed"

// SetSeed makes every variable initialised after this call deterministic.
func SetSeed(store *model.Store, seed int64) {
	store.RootScope().SetParam(SeedParam, seed)
}

// KeyedRand is the generator of one parameter: seeded by the run's seed and
// the parameter's name, so its values depend on neither creation order nor
// backend.
func KeyedRand(seed int64, key string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(key))
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

// uniform returns an initialiser drawing U(-bound, bound) in Go.
func uniform(scope *model.Scope, name string, bound float64) model.VariableInitializer {
	seed := model.GetParamOr(scope, SeedParam, int64(0))
	key := scope.Scope() + "/" + name
	return func(g *Graph, shape shapes.Shape) *Node {
		rng := KeyedRand(seed, key)
		data := make([]float32, shape.Size())
		for i := range data {
			data[i] = float32((2*rng.Float64() - 1) * bound)
		}
		return Const(g, tensors.FromFlatDataAndDimensions(data, shape.Dimensions...))
	}
}

// filled is a float32 vector variable of n copies of value.
func filled(scope *model.Scope, name string, n int, value float32) *model.Variable {
	data := make([]float32, n)
	for i := range data {
		data[i] = value
	}
	return scope.VariableWithValue(name, data)
}

func param(scope *model.Scope, name string, init model.VariableInitializer, dims ...int) *model.Variable {
	return scope.WithInitializer(init).VariableWithShape(name, shapes.Make(dtypes.Float32, dims...))
}

// Linear is torch.nn.Linear: y = x·Wᵀ + b with weight (out, in) and bias
// (out), both initialised U(-1/√in, 1/√in) as torch's kaiming_uniform(a=√5).
// x is (batch, in).
func Linear(scope *model.Scope, x *Node, out int) *Node {
	if x.Rank() != 2 {
		panic(fmt.Sprintf("nn.Linear %s: input must be (batch, features), got %s", scope.Scope(), x.Shape()))
	}
	in := x.Shape().Dimensions[1]
	bound := 1 / math.Sqrt(float64(in))
	g := x.Graph()
	w := param(scope, "weight", uniform(scope, "weight", bound), out, in).ValueGraph(g)
	b := param(scope, "bias", uniform(scope, "bias", bound), out).ValueGraph(g)
	y := DotGeneral(x, []int{1}, nil, w, []int{1}, nil)
	addMACs(g, int64(x.Shape().Dimensions[0])*int64(in)*int64(out))
	return Add(y, ExpandAxes(b, 0))
}

// Momentum and Epsilon are torch.nn.BatchNorm's defaults.
const (
	Momentum = 0.1
	Epsilon  = 1e-5
)

// BatchNorm is torch.nn.BatchNorm1d/2d over axis 1 (features or channels):
// weight, bias, running_mean, running_var and num_batches_tracked. In
// training it normalises with the batch's biased variance, lets gradients
// flow through the batch statistics, and updates the running averages with
// momentum 0.1 using the unbiased variance; otherwise it uses the running
// averages.
func BatchNorm(scope *model.Scope, x *Node) *Node { return BatchNormEps(scope, x, Epsilon) }

// BatchNormEps is BatchNorm with another epsilon (MobileNetV3 uses 0.001).
func BatchNormEps(scope *model.Scope, x *Node, eps float64) *Node {
	g := x.Graph()
	c := x.Shape().Dimensions[1]
	// Created with values rather than initialisers: ONNX Runtime embeds
	// non-trainable variables as constants in inference graphs, which needs
	// their values when the graph is built.
	weight := filled(scope, "weight", c, 1).ValueGraph(g)
	bias := filled(scope, "bias", c, 0).ValueGraph(g)
	meanVar := filled(scope, "running_mean", c, 0).SetTrainable(false)
	varVar := filled(scope, "running_var", c, 1).SetTrainable(false)
	countVar := scope.VariableWithValue("num_batches_tracked", int64(0)).SetTrainable(false)

	axes := []int{0}
	for a := 2; a < x.Rank(); a++ {
		axes = append(axes, a)
	}
	bcast := func(v *Node) *Node { // (C) -> (1, C, 1, ...)
		dims := make([]int, x.Rank())
		for i := range dims {
			dims[i] = 1
		}
		dims[1] = c
		return Reshape(v, dims...)
	}
	var mean, variance *Node
	if scope.IsTraining(g) {
		n := x.Shape().Size() / c
		if n < 2 {
			panic(fmt.Sprintf("nn.BatchNorm %s: training needs more than 1 value per channel, got input %s", scope.Scope(), x.Shape()))
		}
		mean = ReduceMean(x, axes...)
		variance = ReduceMean(Square(Sub(x, bcast(mean))), axes...)
		unbiased := MulScalar(variance, float64(n)/float64(n-1))
		m := Scalar(g, dtypes.Float32, Momentum)
		meanVar.SetValueGraph(Add(Mul(OneMinus(m), StopGradient(meanVar.ValueGraph(g))), Mul(m, StopGradient(mean))))
		varVar.SetValueGraph(Add(Mul(OneMinus(m), StopGradient(varVar.ValueGraph(g))), Mul(m, StopGradient(unbiased))))
		countVar.SetValueGraph(AddScalar(countVar.ValueGraph(g), 1))
	} else {
		if tap, ok := model.GetGraphParam(g, model.ScopeSeparator+batchNormTapParam); ok {
			var in *Node
			in, mean, variance = tap.(BatchNormTap)(scope.Scope(), x)
			if in != nil {
				x = in
			}
		}
		if mean == nil || variance == nil {
			mean, variance = meanVar.ValueGraph(g), varVar.ValueGraph(g)
		}
	}
	if scope.IsTraining(g) {
		normalized := Div(Sub(x, bcast(mean)), Sqrt(AddScalar(bcast(variance), eps)))
		return Add(Mul(normalized, bcast(weight)), bcast(bias))
	}
	// Without gradients, as torch's CPU kernel computes it
	// (batch_norm_cpu_transform_input): a per-channel scale and shift, so
	// that the activations are read once and a backend can fold both into
	// the convolution before. (Training keeps the form above: the decoder's
	// trained weights, and so the study's results, stay as they were.)
	scale := Div(weight, Sqrt(AddScalar(variance, eps)))
	shift := Sub(bias, Mul(mean, scale))
	return Add(Mul(x, bcast(scale)), bcast(shift))
}

// BatchNormTap sees the input x of every BatchNorm of a graph in
// evaluation mode as the graph is built, with the module's scope, and may
// return a node of x's shape to normalise instead of x (the layers before
// it then drop out of the graph where nothing else needs them), and the
// mean and variance (C) to normalise with instead of the running statistics
// (nil keeps each): BatchNorm adaptation (cnn.Model.AdaptBatchNorm) reads
// each layer's input statistics, feeds the adapted ones, and resumes from
// the inputs it has kept.
type BatchNormTap func(scope string, x *Node) (in, mean, variance *Node)

const batchNormTapParam = "nn_batchnorm_tap"

// SetBatchNormTap installs tap on graph g (before the network is built on it).
func SetBatchNormTap(g *Graph, tap BatchNormTap) {
	model.SetGraphParam(g, model.ScopeSeparator+batchNormTapParam, tap)
}

// MACCounter, installed on a graph with CountMACs, adds up the
// multiply-accumulates of the convolutions and Linear layers built on it
// (the measure torchvision's documentation reports as GFLOPS).
type MACCounter struct{ N int64 }

const macsParam = "nn_mac_counter"

// CountMACs installs c on graph g (before the network is built on it).
func CountMACs(g *Graph, c *MACCounter) {
	model.SetGraphParam(g, model.ScopeSeparator+macsParam, c)
}

func addMACs(g *Graph, n int64) {
	if c, ok := model.GetGraphParam(g, model.ScopeSeparator+macsParam); ok {
		c.(*MACCounter).N += n
	}
}

// Dropout is torch.nn.Dropout: in training, zero each value with probability
// p and scale the rest by 1/(1-p); otherwise the identity. It draws from the
// store's random generator (model.Store.SetRNGStateFromSeed).
func Dropout(scope *model.Scope, x *Node, p float64) *Node {
	return layers.DropoutStatic(scope, x, p)
}

// ReLU is torch.nn.ReLU.
func ReLU(x *Node) *Node { return Max(x, ZerosLike(x)) }

// GELU is torch.nn.GELU (exact): x·Φ(x) = x·(1 + erf(x/√2))/2.
func GELU(x *Node) *Node {
	return Mul(MulScalar(x, 0.5), OnePlus(Erf(MulScalar(x, 1/math.Sqrt2))))
}

// LayerNorm2d is torch's LayerNorm over the channels of an NCHW tensor at
// each position (torchvision's LayerNorm2d, ConvNeXt's norm): weight (C)
// initialised 1, bias (C) 0, biased variance, epsilon eps.
func LayerNorm2d(scope *model.Scope, x *Node, eps float64) *Node {
	g := x.Graph()
	c := x.Shape().Dimensions[1]
	weight := filled(scope, "weight", c, 1).ValueGraph(g)
	bias := filled(scope, "bias", c, 0).ValueGraph(g)
	mean := ReduceAndKeep(x, ReduceMean, 1)
	d := Sub(x, mean)
	variance := ReduceAndKeep(Square(d), ReduceMean, 1)
	y := Div(d, Sqrt(AddScalar(variance, eps)))
	return Add(Mul(y, Reshape(weight, 1, c, 1, 1)), Reshape(bias, 1, c, 1, 1))
}

// LinearChannels is torch.nn.Linear applied at every position of an NCHW
// tensor's channels (ConvNeXt's pointwise layers between permutes): weight
// (out, in) and bias (out), initialised as Linear.
func LinearChannels(scope *model.Scope, x *Node, out int) *Node {
	in := x.Shape().Dimensions[1]
	bound := 1 / math.Sqrt(float64(in))
	g := x.Graph()
	w := param(scope, "weight", uniform(scope, "weight", bound), out, in).ValueGraph(g)
	b := param(scope, "bias", uniform(scope, "bias", bound), out).ValueGraph(g)
	y := Einsum("oc,nchw->nohw", w, x)
	addMACs(g, int64(y.Shape().Size())*int64(in))
	return Add(y, Reshape(b, 1, out, 1, 1))
}

// Learned is a learned tensor of the given shape used as it is (e.g.
// ConvNeXt's layer_scale), initialised to value.
func Learned(scope *model.Scope, g *Graph, name string, value float32, dims ...int) *Node {
	n := 1
	for _, d := range dims {
		n *= d
	}
	data := make([]float32, n)
	for i := range data {
		data[i] = value
	}
	return scope.VariableWithValue(name, tensors.FromFlatDataAndDimensions(data, dims...)).ValueGraph(g)
}
