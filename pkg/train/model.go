package train

import (
	"fmt"
	"math"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/internal/tensorfree"
	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// Network is a classifier the trainer can fit. Forward builds the logits
// (batch, classes) and the embedding (batch, E) the study compares across
// models; layers read training mode from the scope.
type Network interface {
	Forward(scope *model.Scope, x *graph.Node) (logits, embedding *graph.Node)
}

// ModelScope is the scope holding a network's variables, so that the state
// dict excludes the optimizer's and the trainer's own.
const ModelScope = "model"

// EvalBatch is how many rows an evaluation pass feeds at once.
const EvalBatch = 256

// Model is a network with its variables on a backend.
type Model struct {
	Backend compute.Backend
	Net     Network
	Store   *model.Store
	exec    *model.Exec
}

// New makes a model whose initial weights and dropout draws are fixed by seed.
func New(b compute.Backend, net Network, seed int64) (*Model, error) {
	store := model.NewStore()
	nn.SetSeed(store, seed)
	if err := store.SetRNGStateFromSeed(seed); err != nil {
		return nil, err
	}
	return &Model{Backend: b, Net: net, Store: store}, nil
}

// Scope is where the network's variables live.
func (m *Model) Scope() *model.Scope { return m.Store.RootScope().In(ModelScope) }

// Output holds evaluation-mode outputs for N samples, row-major.
type Output struct {
	N, C, E   int
	Logits    []float32 // N x C
	Embedding []float32 // N x E
}

// Forward runs the network in evaluation mode (BatchNorm running averages,
// no dropout) on view 0 of every sample, in order.
func (m *Model) Forward(d Data) (Output, error) {
	if m.exec == nil {
		e, err := model.NewExec(m.Backend, m.Store, func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
			return m.Net.Forward(scope.In(ModelScope), x)
		})
		if err != nil {
			return Output{}, err
		}
		m.exec = e
	}
	var out Output
	out.N = d.N
	for lo := 0; lo < d.N; lo += EvalBatch {
		hi := min(lo+EvalBatch, d.N)
		idx := make([]int, hi-lo)
		for k := range idx {
			idx[k] = lo + k
		}
		x := tensors.FromFlatDataAndDimensions(d.gather(idx, nil), len(idx), d.D)
		logits, emb, err := m.exec.Call2(x)
		tensorfree.Free(x)
		if err != nil {
			return Output{}, fmt.Errorf("forward pass: %w", err)
		}
		out.C, out.E = logits.Shape().Dimensions[1], emb.Shape().Dimensions[1]
		out.Logits = append(out.Logits, tensors.MustCopyFlatData[float32](logits)...)
		out.Embedding = append(out.Embedding, tensors.MustCopyFlatData[float32](emb)...)
		tensorfree.Free(logits, emb)
	}
	return out, nil
}

// Predictions is the arg-max class of each sample (the first on ties).
func (o Output) Predictions() []int {
	pred := make([]int, o.N)
	for i := range pred {
		row := o.Logits[i*o.C : (i+1)*o.C]
		for c, v := range row {
			if v > row[pred[i]] {
				pred[i] = c
			}
		}
	}
	return pred
}

// Loss is the mean cross-entropy -log softmax(logits)[y], computed in float64
// with the log-sum-exp shifted by the row maximum.
func (o Output) Loss(y []int) float64 {
	total := 0.0
	for i := range o.N {
		row := o.Logits[i*o.C : (i+1)*o.C]
		hi := math.Inf(-1)
		for _, v := range row {
			hi = math.Max(hi, float64(v))
		}
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(float64(v) - hi)
		}
		total += hi + math.Log(sum) - float64(row[y[i]])
	}
	return total / float64(o.N)
}

// Accuracy is the fraction of samples whose prediction equals y.
func (o Output) Accuracy(y []int) float64 {
	correct := 0
	for i, p := range o.Predictions() {
		if p == y[i] {
			correct++
		}
	}
	return float64(correct) / float64(o.N)
}

// StateDict is the network's weights under torch's names.
func (m *Model) StateDict() ([]npfile.Entry, error) { return nn.StateDict(m.Scope()) }
