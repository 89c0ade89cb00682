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
		mean, variance = meanVar.ValueGraph(g), varVar.ValueGraph(g)
	}
	normalized := Div(Sub(x, bcast(mean)), Sqrt(AddScalar(bcast(variance), eps)))
	return Add(Mul(normalized, bcast(weight)), bcast(bias))
}

// Dropout is torch.nn.Dropout: in training, zero each value with probability
// p and scale the rest by 1/(1-p); otherwise the identity. It draws from the
// store's random generator (model.Store.SetRNGStateFromSeed).
func Dropout(scope *model.Scope, x *Node, p float64) *Node {
	return layers.DropoutStatic(scope, x, p)
}

// ReLU is torch.nn.ReLU.
func ReLU(x *Node) *Node { return Max(x, ZerosLike(x)) }
