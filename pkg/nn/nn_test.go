package nn

import (
	"math"
	"os"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
)

// TestBatchNormTrainingStep works torch's BatchNorm1d update by hand: one
// channel holding 1 and 3 has batch mean 2, biased variance 1 (used to
// normalise) and unbiased variance 2 (used for the running average).
func TestBatchNormTrainingStep(t *testing.T) {
	b, _, err := backend.FromEnv(os.Getenv).New("go", backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	store := model.NewStore()
	e := model.MustNewExec(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
		scope.Store().SetTraining(x.Graph(), true)
		return BatchNorm(scope.In("bn"), x)
	})
	y := tensors.MustCopyFlatData[float32](e.MustCall1(tensors.FromFlatDataAndDimensions([]float32{1, 3}, 2, 1)))
	want := 1 / math.Sqrt(1+Epsilon)
	if math.Abs(float64(y[0])+want) > 1e-6 || math.Abs(float64(y[1])-want) > 1e-6 {
		t.Errorf("normalised %v, want [-%v %v]", y, want, want)
	}
	check := func(name string, want float64) {
		v := store.GetVariable("/bn/" + name)
		got := tensors.MustCopyFlatData[float32](v.MustValue())[0]
		if math.Abs(float64(got)-want) > 1e-6 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("running_mean", 0.9*0+0.1*2)
	check("running_var", 0.9*1+0.1*2)
	if n := store.GetVariable("/bn/num_batches_tracked").MustValue().Value().(int64); n != 1 {
		t.Errorf("num_batches_tracked = %d, want 1", n)
	}
}

// TestLinearInitialisation: weights and bias lie in +-1/sqrt(in) with the
// uniform distribution's standard deviation bound/sqrt(3), depend only on the
// seed, and get torch's names and layout in the state dict.
func TestLinearInitialisation(t *testing.T) {
	b, _, err := backend.FromEnv(os.Getenv).New("go", backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	weights := func(seed int64) []float32 {
		store := model.NewStore()
		SetSeed(store, seed)
		e := model.MustNewExec(b, store, func(scope *model.Scope, x *graph.Node) *graph.Node {
			return Linear(scope.In("model").In("fc"), x, 300)
		})
		e.MustCall1(tensors.FromFlatDataAndDimensions(make([]float32, 400), 1, 400))
		sd, err := StateDict(store.RootScope().In("model"))
		if err != nil {
			t.Fatal(err)
		}
		if len(sd) != 2 || sd[0].Key != "fc.weight" || sd[1].Key != "fc.bias" ||
			sd[0].Array.Shape[0] != 300 || sd[0].Array.Shape[1] != 400 {
			t.Fatalf("state dict %v", sd)
		}
		return sd[0].Array.Data.([]float32)
	}
	w := weights(7)
	bound := 1 / math.Sqrt(400)
	ss := 0.0
	for _, v := range w {
		if math.Abs(float64(v)) > bound {
			t.Fatalf("weight %v outside +-%v", v, bound)
		}
		ss += float64(v) * float64(v)
	}
	if sd := math.Sqrt(ss / float64(len(w))); math.Abs(sd-bound/math.Sqrt(3)) > 0.01*bound {
		t.Errorf("weight std %v, want %v", sd, bound/math.Sqrt(3))
	}
	w2, w3 := weights(7), weights(8)
	if w2[123] != w[123] || w3[123] == w[123] {
		t.Errorf("same seed gave %v and %v, another seed %v", w[123], w2[123], w3[123])
	}
}
