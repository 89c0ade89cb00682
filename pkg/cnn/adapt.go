package cnn

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/internal/progress"
	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// BatchNorm modes of a backbone (Model.BatchNorm).
const (
	// BNFrozen keeps the checkpoint's running statistics (ImageNet's).
	BNFrozen = "frozen"
	// BNAdapt re-estimates them on the study's images (AdaptBatchNorm).
	BNAdapt = "adapt"
	// BNNone is the mode of an architecture without BatchNorm.
	BNNone = "none"
)

// AdaptedMode is the mode of a model adapted on the images label
// describes: "adapt (label)".
func AdaptedMode(label string) string { return BNAdapt + " (" + label + ")" }

// BatchNormModules lists the architecture's BatchNorm modules (those with
// running statistics) under torchvision's names, in creation order.
func (a Arch) BatchNormModules() ([]string, error) {
	params, err := a.Params()
	if err != nil {
		return nil, err
	}
	var mods []string
	for _, p := range params {
		if m, ok := strings.CutSuffix(p.Key, ".running_mean"); ok {
			mods = append(mods, m)
		}
	}
	return mods, nil
}

// moments are one channel set's running count, mean and sum of squared
// deviations (merged across chunks with Chan et al.'s pairwise update, in
// float64).
type moments struct {
	n        float64
	mean, m2 []float64
}

func (a *moments) merge(n float64, sum, m2 []float32) {
	if a.mean == nil {
		a.mean, a.m2 = make([]float64, len(sum)), make([]float64, len(sum))
	}
	tot := a.n + n
	for c := range sum {
		mb := float64(sum[c]) / n
		d := mb - a.mean[c]
		a.mean[c] += d * n / tot
		a.m2[c] += float64(m2[c]) + d*d*a.n*n/tot
	}
	a.n = tot
}

// hostState is every image's activation of one tensor at a stage boundary.
type hostState struct {
	dims []int // per image
	data []float32
}

func (h hostState) size() int {
	n := 1
	for _, d := range h.dims {
		n *= d
	}
	return n
}

// AdaptBatchNorm re-estimates every BatchNorm's running statistics on the
// images im, exactly as torch leaves them after one training-mode forward
// pass of all of im as a single batch with momentum 1 and dropout off: each
// BatchNorm, in network order, normalises its input with that input's batch
// mean and biased variance over all images and positions (which is what the
// next layers see), and stores the mean and the unbiased variance as its
// running statistics; num_batches_tracked counts one more batch. Images run
// in chunks of at most chunk (zero-padded, the padding weighted out of every
// statistic) and the network stage by stage (Arch.stages): each stage's
// inputs for all images are kept in memory, and each BatchNorm's statistics
// are accumulated in float64 over the chunks before the layers after it run,
// so the result does not depend on chunk. A stage with k BatchNorms runs
// k+1 times, each run only as far as it needs (the BatchNorm statistics are
// graph inputs). The model's mode becomes "adapt (label)", label saying
// which images; an architecture without BatchNorm is left as it is.
func (m *Model) AdaptBatchNorm(ctx context.Context, im Images, chunk int, label string, progressOut io.Writer) error {
	mods, err := m.Arch.BatchNormModules()
	if err != nil {
		return err
	}
	if len(mods) == 0 {
		return nil
	}
	if im.N < 1 {
		return fmt.Errorf("cnn %s: BatchNorm adaptation needs at least one image", m.Arch.Name)
	}
	chunk = max(min(chunk, im.N), 1)
	per := 3 * im.H * im.W
	state := []hostState{{dims: []int{3, im.H, im.W}, data: make([]float32, im.N*per)}}
	for lo := 0; lo < im.N; lo += chunk {
		hi := min(lo+chunk, im.N)
		im.Fill(state[0].data[lo*per:hi*per], lo, hi)
	}
	m.Release()
	done := map[string]*moments{}
	bar := progress.New(progressOut, m.Arch.Name+": adapting BatchNorm", int64(len(mods)), "layers")
	for si, st := range m.Arch.stages {
		next, err := m.adaptStage(ctx, st, state, im.N, chunk, done, si == len(m.Arch.stages)-1, func() { bar.Add(1) })
		if err != nil {
			return fmt.Errorf("cnn %s: adapting BatchNorm (stage %s): %w", m.Arch.Name, st.name, err)
		}
		state = next
	}
	bar.Done()
	if len(done) != len(mods) {
		return fmt.Errorf("cnn %s: BatchNorm adaptation reached %d of %d BatchNorm layers", m.Arch.Name, len(done), len(mods))
	}
	for scope, mo := range done {
		if err := m.setBatchNorm(scope, mo); err != nil {
			return err
		}
	}
	m.BatchNorm = AdaptedMode(label)
	m.Release()
	return nil
}

// stageBatchNorms lists the BatchNorms of stage st in network order, with
// their channels, by building the stage (not running it) on a fresh store
// on the pure-Go backend for inputs of the given shapes.
func (a Arch) stageBatchNorms(st stage, in []shapes.Shape) (order []string, channels []int, err error) {
	err = dryBuild(func(scope *model.Scope, x []*graph.Node) []*graph.Node {
		nn.SetBatchNormTap(x[0].Graph(), func(s string, x *graph.Node) (*graph.Node, *graph.Node) {
			order = append(order, s)
			channels = append(channels, x.Shape().Dimensions[1])
			return nil, nil
		})
		return st.fn(scope.In(scopeName), x)
	}, nil, in...)
	return order, channels, err
}

// adaptStage adapts the BatchNorms of stage st and returns its outputs for
// every image (nil for the last stage, whose outputs are not needed). The
// stage's graph takes a chunk of its inputs, a row mask and every
// BatchNorm's mean and variance to normalise with, and returns its outputs,
// or one BatchNorm's input moments: the per-channel weighted sum, the sum of
// squared deviations from the chunk's mean, and the weight.
// Each run over all chunks fixes the first BatchNorm without statistics
// (whose input depends only on those with statistics) and returns only its
// moments, so that the backend runs the stage only up to it; a last run
// gives the outputs.
func (m *Model) adaptStage(ctx context.Context, st stage, state []hostState, n, chunk int, done map[string]*moments, last bool, tick func()) ([]hostState, error) {
	inShapes := make([]shapes.Shape, 0, len(state)+1)
	for _, s := range state {
		inShapes = append(inShapes, shapes.Make(dtypes.Float32, append([]int{chunk}, s.dims...)...))
	}
	inShapes = append(inShapes, shapes.Make(dtypes.Float32, chunk))
	order, channels, err := m.Arch.stageBatchNorms(st, inShapes[:len(state)])
	if err != nil {
		return nil, err
	}
	if len(order) == 0 && last {
		return nil, nil
	}
	index := map[string]int{}
	for j, s := range order {
		index[s] = j
	}
	ns := len(state)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		target := -1
		for k, s := range order {
			if done[s] == nil {
				target = k
				break
			}
		}
		if target < 0 && last {
			return nil, nil
		}
		// This pass's graph takes every BatchNorm's statistics (those known
		// so far: the batch's mean and biased variance, as a training-mode
		// pass normalises with; placeholders for the rest) and returns only
		// what it is for: the target's input moments (the layers after it
		// are not in the result, so the backend need not run them), or the
		// stage's outputs.
		passShapes := slices.Clone(inShapes[:ns])
		if target >= 0 {
			passShapes = append(passShapes, inShapes[ns])
		}
		var stats []*tensors.Tensor
		for j, s := range order {
			mean, variance := make([]float32, channels[j]), make([]float32, channels[j])
			for c := range mean {
				variance[c] = 1
				if mo := done[s]; mo != nil {
					mean[c], variance[c] = float32(mo.mean[c]), float32(mo.m2[c]/mo.n)
				}
			}
			stats = append(stats, tensors.FromFlatDataAndDimensions(mean, channels[j]), tensors.FromFlatDataAndDimensions(variance, channels[j]))
			passShapes = append(passShapes, shapes.Make(dtypes.Float32, channels[j]), shapes.Make(dtypes.Float32, channels[j]))
		}
		e, err := model.NewExec(m.Backend, m.Store, func(scope *model.Scope, in []*graph.Node) []*graph.Node {
			first := ns // the statistics' inputs
			var mask *graph.Node
			if target >= 0 {
				mask, first = in[ns], ns+1
			}
			var moms []*graph.Node
			nn.SetBatchNormTap(in[0].Graph(), func(s string, x *graph.Node) (*graph.Node, *graph.Node) {
				j, ok := index[s]
				if !ok {
					panic(fmt.Sprintf("BatchNorm %s was not seen when the stage was listed", s))
				}
				if j == target {
					moms = chunkMoments(x, mask)
				}
				return in[first+2*j], in[first+2*j+1]
			})
			outs := st.fn(scope.In(scopeName), in[:ns])
			if target < 0 {
				return outs
			}
			// The pure-Go backend (gomlx/compute v0.1.6) fails at run time
			// unless every input reaches a result: a sum of the statistics'
			// inputs is returned too (and not read).
			var used []*graph.Node
			for _, x := range in[first:] {
				used = append(used, graph.ReduceAllSum(x))
			}
			return append(moms, graph.Stack(used, 0))
		})
		if err != nil {
			return nil, err
		}
		if err := m.compile(e, m.uniqueKey("adaptation pass"), passShapes...); err != nil {
			e.Finalize()
			return nil, err
		}
		var mo *moments
		if target >= 0 {
			mo = &moments{}
		}
		var next []hostState
		for lo := 0; lo < n; lo += chunk {
			hi := min(lo+chunk, n)
			var ins []*tensors.Tensor
			for _, s := range state {
				sz := s.size()
				buf := make([]float32, chunk*sz)
				copy(buf, s.data[lo*sz:hi*sz])
				ins = append(ins, tensors.FromFlatDataAndDimensions(buf, append([]int{chunk}, s.dims...)...))
			}
			if target >= 0 {
				mask := make([]float32, chunk)
				for i := range hi - lo {
					mask[i] = 1
				}
				ins = append(ins, tensors.FromFlatDataAndDimensions(mask, chunk))
			}
			args := make([]any, 0, len(ins)+len(stats))
			for _, t := range ins {
				args = append(args, t)
			}
			for _, t := range stats {
				args = append(args, t)
			}
			outs, err := e.Exec(args...)
			if err != nil {
				e.Finalize()
				return nil, err
			}
			if mo != nil {
				v := tensors.MustCopyFlatData[float32](outs[0])
				c := channels[target]
				mo.merge(float64(v[2*c]), v[:c], v[c:2*c])
			} else {
				if next == nil {
					for _, o := range outs {
						h := hostState{dims: slices.Clone(o.Shape().Dimensions[1:])}
						h.data = make([]float32, n*h.size())
						next = append(next, h)
					}
				}
				for k, o := range outs {
					sz := next[k].size()
					copy(next[k].data[lo*sz:hi*sz], tensors.MustCopyFlatData[float32](o)[:(hi-lo)*sz])
				}
			}
			// Backend buffers are freed now, not when the collector runs.
			for _, t := range append(ins, outs...) {
				_ = t.FinalizeAll()
			}
		}
		for _, t := range stats {
			_ = t.FinalizeAll()
		}
		e.Finalize()
		if mo == nil {
			return next, nil
		}
		done[order[target]] = mo
		tick()
	}
}

// chunkMoments is a chunk's per-channel statistics of x (N, C, ...) in one
// vector (2C+1): with row weights w (1 for images, 0 for padding), the
// weighted sum, the weighted sum of squared deviations from the chunk's own
// mean (two-pass, for accuracy), and the count Σw·positions.
func chunkMoments(x, w *graph.Node) []*graph.Node {
	dims := make([]int, x.Rank())
	for i := range dims {
		dims[i] = 1
	}
	dims[0] = x.Shape().Dimensions[0]
	positions := 1
	axes := []int{0}
	for a := 2; a < x.Rank(); a++ {
		positions *= x.Shape().Dimensions[a]
		axes = append(axes, a)
	}
	wb := graph.Reshape(w, dims...)
	count := graph.MulScalar(graph.ReduceAllSum(w), float64(positions))
	sum := graph.ReduceSum(graph.Mul(x, wb), axes...)
	c := x.Shape().Dimensions[1]
	bdims := make([]int, x.Rank())
	for i := range bdims {
		bdims[i] = 1
	}
	bdims[1] = c
	mean := graph.Reshape(graph.Div(sum, count), bdims...)
	m2 := graph.ReduceSum(graph.Mul(graph.Square(graph.Sub(x, mean)), wb), axes...)
	return []*graph.Node{graph.Concatenate([]*graph.Node{sum, m2, graph.Reshape(count, 1)}, 0)}
}

// setBatchNorm writes a module's adapted statistics into the store: the
// mean, the unbiased variance, and the counter one higher.
func (m *Model) setBatchNorm(scope string, mo *moments) error {
	if mo == nil || mo.n < 2 {
		return fmt.Errorf("cnn %s: BatchNorm %s: need more than one value per channel to adapt", m.Arch.Name, scope)
	}
	mean := make([]float32, len(mo.mean))
	variance := make([]float32, len(mo.mean))
	for c := range mo.mean {
		mean[c] = float32(mo.mean[c])
		variance[c] = float32(math.Max(mo.m2[c]/(mo.n-1), 0))
	}
	set := func(name string, t *tensors.Tensor) error {
		v := m.Store.GetVariable(model.JoinPath(scope, name))
		if v == nil {
			return fmt.Errorf("cnn %s: BatchNorm %s has no %s", m.Arch.Name, scope, name)
		}
		return v.SetValue(t)
	}
	if err := set("running_mean", tensors.FromFlatDataAndDimensions(mean, len(mean))); err != nil {
		return err
	}
	if err := set("running_var", tensors.FromFlatDataAndDimensions(variance, len(variance))); err != nil {
		return err
	}
	v := m.Store.GetVariable(model.JoinPath(scope, "num_batches_tracked"))
	if v == nil {
		return fmt.Errorf("cnn %s: BatchNorm %s has no num_batches_tracked", m.Arch.Name, scope)
	}
	t, err := v.Value()
	if err != nil {
		return err
	}
	return v.SetValue(tensors.FromScalar(tensors.MustCopyFlatData[int64](t)[0] + 1))
}

// isBatchNormStat reports whether a state_dict key is a BatchNorm statistic.
func isBatchNormStat(key string) bool {
	return strings.HasSuffix(key, ".running_mean") || strings.HasSuffix(key, ".running_var") ||
		strings.HasSuffix(key, ".num_batches_tracked")
}

// BatchNormState is the model's BatchNorm statistics (running means,
// variances and counters) under torchvision's names: what adaptation
// changes, for caching it.
func (m *Model) BatchNormState() ([]npfile.Entry, error) {
	sd, err := m.StateDict()
	if err != nil {
		return nil, err
	}
	var out []npfile.Entry
	for _, e := range sd {
		if isBatchNormStat(e.Key) {
			out = append(out, e)
		}
	}
	return out, nil
}

// SetBatchNormState loads statistics saved from BatchNormState of an
// adaptation described by label (the mode becomes "adapt (label)"). Every
// BatchNorm statistic of the architecture must be there with its shape, and
// nothing else.
func (m *Model) SetBatchNormState(entries []npfile.Entry, label string) error {
	params, err := m.Arch.Params()
	if err != nil {
		return err
	}
	want := map[string][]int{}
	for _, p := range params {
		if isBatchNormStat(p.Key) {
			want[p.Key] = p.Shape
		}
	}
	for _, e := range entries {
		shape, ok := want[e.Key]
		if !ok || !slices.Equal(shape, e.Array.Shape) {
			return fmt.Errorf("cnn %s: BatchNorm state: unexpected entry %s %v", m.Arch.Name, e.Key, e.Array.Shape)
		}
		delete(want, e.Key)
	}
	if len(want) > 0 {
		return fmt.Errorf("cnn %s: BatchNorm state lacks %d statistics", m.Arch.Name, len(want))
	}
	m.Release()
	if err := nn.LoadStateDict(m.scope(), entries); err != nil {
		return err
	}
	m.BatchNorm = AdaptedMode(label)
	return nil
}
