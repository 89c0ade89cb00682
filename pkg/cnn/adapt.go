package cnn

import (
	"context"
	"fmt"
	"io"
	"iter"
	"math"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/internal/progress"
	"github.com/decodingthoughts/decoding-thoughts/internal/tensorfree"
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
// graph inputs) and from the BatchNorm inputs kept by earlier runs
// (adaptStage): about 1-2 forward passes in all (measured, 400 images:
// resnet50 2.1, mobilenet_v3_large 1.7, vgg11_bn 1.1 forward passes; 3.6,
// 3.0 and 1.4 when every run started from the stage's inputs). The model's
// mode becomes "adapt (label)", label saying which images; an architecture
// without BatchNorm is left as it is.
func (m *Model) AdaptBatchNorm(ctx context.Context, im Images, opt AdaptOptions, label string, progressOut io.Writer) error {
	opt = opt.withDefaults()
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
	chunk := max(min(opt.Chunk, im.N), 1)
	opt.Chunk = chunk
	per := 3 * im.H * im.W
	state := []hostState{{dims: []int{3, im.H, im.W}, data: make([]float32, im.N*per)}}
	for lo := 0; lo < im.N; lo += chunk {
		hi := min(lo+chunk, im.N)
		im.Fill(state[0].data[lo*per:hi*per], lo, hi)
	}
	m.Release()
	done := map[string]*moments{}
	bar := progress.New(progressOut, m.Arch.Name+": adapting BatchNorm", int64(len(mods)), "layers")
	groups, err := m.Arch.adaptGroups(im.N, im.H, im.W, opt)
	if err != nil {
		return fmt.Errorf("cnn %s: adapting BatchNorm: %w", m.Arch.Name, err)
	}
	bufs := &adaptBuffers{m: m, keepMax: opt.KeepBytes}
	defer bufs.free()
	for si, st := range groups {
		next, err := m.adaptStage(ctx, st, state, im.N, opt, bufs, done, si == len(groups)-1, func() { bar.Add(1) })
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
	// The stage states (GBs at the full size) are garbage now: returned to
	// the system before the next pass compiles its graph, not when the
	// heap next reaches its limit.
	state = nil
	debug.FreeOSMemory()
	return nil
}

// stageBatchNorms lists the BatchNorms of stage st in network order, with
// the dimensions of their inputs per image, and which of the stage's
// results are one of its inputs passed through (through[k]: that input's
// index, -1 for a computed result), by building the stage (not running it)
// on a fresh store on the pure-Go backend for inputs of the given shapes.
func (a Arch) stageBatchNorms(st stage, in []shapes.Shape) (order []string, dims [][]int, through []int, out [][]int, err error) {
	err = dryBuild(func(scope *model.Scope, x []*graph.Node) []*graph.Node {
		nn.SetBatchNormTap(x[0].Graph(), func(s string, x *graph.Node) (*graph.Node, *graph.Node, *graph.Node) {
			order = append(order, s)
			dims = append(dims, slices.Clone(x.Shape().Dimensions[1:]))
			return nil, nil, nil
		})
		res := st.fn(scope.In(scopeName), x)
		for _, r := range res {
			through = append(through, slices.Index(x, r))
			out = append(out, slices.Clone(r.Shape().Dimensions[1:]))
		}
		return res
	}, nil, in...)
	return order, dims, through, out, err
}

// AdaptOptions are BatchNorm adaptation's memory bounds. Results do not
// depend on them; a zero field takes the default (DefaultAdaptOptions).
type AdaptOptions struct {
	// Chunk is the most images a pass holds (padded with zeros, weighted
	// out of every statistic); default 32.
	Chunk int
	// StateBytes bounds the state adaptation holds between stages (every
	// image's activations at a stage boundary, with the next boundary's
	// while a stage runs) where it can: consecutive stages whose state
	// would exceed it are adapted as one (adaptGroups). VGG's first
	// convolution unit, for one, turns 313 MB of images (1593 at 128x128)
	// into 1.67 GB. A stage on its own may still exceed it (ResNet-50's
	// layer1: 1.67 GB); a fused stage recomputes its earlier layers for its
	// later BatchNorms. Default 1.75 GiB.
	StateBytes int64
	// FuseBatchNorms is the most BatchNorms a fused stage may hold: each of
	// them reruns the fused layers before it from the group's inputs, so
	// that fusing costs time growing with the square of the group's
	// length. Where a fusion would exceed it the stage runs on its own over
	// the state budget. At the full size (1593 images) fusing VGG-11's
	// first two units (2 BatchNorms) saves 0.35 GB at no cost in time,
	// while fusing ResNeXt-50's layer1 with layer2.0 (14 BatchNorms) would
	// save 0.2 GB for 21 s. Default 4.
	FuseBatchNorms int
	// KeepBytes bounds the memory spent on keeping BatchNorm inputs within
	// a stage (adaptStage), so that later runs resume from them; negative
	// keeps nothing. Default 512 MiB.
	KeepBytes int64
}

// DefaultAdaptOptions are the bounds the study runs with.
func DefaultAdaptOptions() AdaptOptions {
	return AdaptOptions{Chunk: 32, StateBytes: 7 << 28, FuseBatchNorms: 4, KeepBytes: 512 << 20}
}

func (o AdaptOptions) withDefaults() AdaptOptions {
	d := DefaultAdaptOptions()
	if o.Chunk <= 0 {
		o.Chunk = d.Chunk
	}
	if o.StateBytes <= 0 {
		o.StateBytes = d.StateBytes
	}
	if o.FuseBatchNorms <= 0 {
		o.FuseBatchNorms = d.FuseBatchNorms
	}
	if o.KeepBytes == 0 {
		o.KeepBytes = d.KeepBytes
	}
	return o
}

// adaptGroups is the architecture's stages as BatchNorm adaptation runs
// them for n images of h x w: each stage on its own, or fused with the
// stages after it while the state it holds (inputs, and outputs that do not
// fit in the buffers of inputs it does not pass through, as outputStates
// places them) would exceed opt.StateBytes and the fused stage would hold
// at most opt.FuseBatchNorms BatchNorms. The last group's outputs are not
// kept.
func (a Arch) adaptGroups(n, h, w int, opt AdaptOptions) ([]stage, error) {
	opt = opt.withDefaults()
	chunk := opt.Chunk
	var groups []stage
	in := [][]int{{3, h, w}}
	for i := 0; i < len(a.stages); {
		var prev stage      // the group up to stage j-1
		var prevOut [][]int // its outputs' dimensions
		for j := i; ; j++ {
			parts := a.stages[i : j+1]
			st := stage{name: parts[len(parts)-1].name, fn: func(scope *model.Scope, x []*graph.Node) []*graph.Node {
				for _, p := range parts {
					x = p.fn(scope, x)
				}
				return x
			}}
			if len(parts) > 1 {
				st.name = parts[0].name + " to " + st.name
			}
			shp := make([]shapes.Shape, len(in))
			for k, d := range in {
				shp[k] = shapes.Make(dtypes.Float32, append([]int{chunk}, d...)...)
			}
			order, _, through, out, err := a.stageBatchNorms(st, shp)
			if err != nil {
				return nil, err
			}
			if j > i && len(order) > opt.FuseBatchNorms { // over the state budget rather than fused further
				groups = append(groups, prev)
				in, i = prevOut, j
				break
			}
			prev, prevOut = st, out
			last := j == len(a.stages)-1
			inSizes, outSizes := sizes(in), sizes(out)
			held := 0
			for _, size := range inSizes {
				held += size
			}
			if !last {
				for k, src := range placement(inSizes, through, outSizes) {
					if src < 0 {
						held += outSizes[k]
					}
				}
			}
			if last || int64(n)*int64(held)*4 <= opt.StateBytes {
				groups = append(groups, st)
				in, i = out, j+1
				break
			}
		}
	}
	return groups, nil
}

// passLayout says which graph input of an adaptation pass is what.
type passLayout struct {
	stage  []int       // per stage input: its graph input (-1: not needed)
	mask   int         // the row mask (-1: the pass gives the stage's outputs)
	resume map[int]int // kept BatchNorm input -> its graph input
	stats  int         // the first statistics input (a mean and a variance per BatchNorm)
}

// pass builds one adaptation pass: the stage with every BatchNorm
// normalising with the statistics inputs, kept BatchNorm inputs in place of
// the layers before them, and as results the target BatchNorm's input
// moments (and the input itself when keep), or, without a target, the
// stage's computed outputs (those through does not mark as inputs passed
// through). kept reports whether the target's input is a result (it is not
// when it is a stage input).
func (m *Model) pass(scope *model.Scope, st stage, in []*graph.Node, lay passLayout, index map[string]int, target int, keep bool, through []int) (outs []*graph.Node, kept bool) {
	g := in[0].Graph()
	stageIn := make([]*graph.Node, len(lay.stage))
	for k, i := range lay.stage {
		if i >= 0 {
			stageIn[k] = in[i]
		}
	}
	var mask *graph.Node
	if lay.mask >= 0 {
		mask = in[lay.mask]
	}
	nn.SetBatchNormTap(g, func(s string, x *graph.Node) (*graph.Node, *graph.Node, *graph.Node) {
		j, ok := index[s]
		if !ok {
			panic(fmt.Sprintf("BatchNorm %s was not seen when the stage was listed", s))
		}
		if j == target {
			outs = chunkMoments(x, mask)
			if keep && !slices.Contains(stageIn, x) {
				outs, kept = append(outs, x), true
			}
		}
		var resumed *graph.Node
		if i, ok := lay.resume[j]; ok {
			resumed = in[i]
		}
		return resumed, in[lay.stats+2*j], in[lay.stats+2*j+1]
	})
	res := st.fn(scope.In(scopeName), stageIn)
	if target < 0 {
		for k, r := range res {
			if through[k] < 0 {
				outs = append(outs, r)
			}
		}
	}
	return outs, kept
}

// reachable marks the nodes the results depend on.
func reachable(outs []*graph.Node) map[*graph.Node]bool {
	seen := map[*graph.Node]bool{}
	stack := slices.Clone(outs)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if x == nil || seen[x] {
			continue
		}
		seen[x] = true
		stack = append(stack, x.Inputs()...)
	}
	return seen
}

// adaptStage adapts the BatchNorms of stage st and returns its outputs for
// every image (nil for the last stage, whose outputs are not needed).
// Each run over all chunks fixes the first BatchNorm without statistics
// (whose input depends only on those with statistics) and returns only its
// input's moments (the per-channel weighted sum, the sum of squared
// deviations from the chunk's mean, and the weight), so that the backend
// runs the stage only up to it; a last run gives the outputs. Every
// BatchNorm normalises with the statistics known so far (the batch's mean
// and biased variance, as a training-mode pass normalises with;
// placeholders for the rest, which the run does not reach). A BatchNorm's
// input is also kept for every image (up to opt.KeepBytes in all, the
// oldest dropped first), and later runs start from the kept inputs they
// need instead of recomputing the layers before them: a stage costs about
// one forward pass instead of one per BatchNorm. Which inputs a run needs
// is read from a dry build of its graph.
func (m *Model) adaptStage(ctx context.Context, st stage, state []hostState, n int, opt AdaptOptions, bufs *adaptBuffers, done map[string]*moments, last bool, tick func()) ([]hostState, error) {
	chunk := opt.Chunk
	ones := slices.Repeat([]float32{1}, chunk) // the row mask's real rows
	ns := len(state)
	stageShapes := make([]shapes.Shape, ns)
	for k, s := range state {
		stageShapes[k] = shapes.Make(dtypes.Float32, append([]int{chunk}, s.dims...)...)
	}
	order, dims, through, _, err := m.Arch.stageBatchNorms(st, stageShapes)
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
	chunkShape := func(d []int) shapes.Shape { return shapes.Make(dtypes.Float32, append([]int{chunk}, d...)...) }
	kept := map[int]hostState{} // BatchNorm index -> its input for every image
	var keptOrder []int         // oldest first
	var keptBytes int64
	defer func() { // the stage's kept inputs are spare for the next stage's
		for _, j := range keptOrder {
			bufs.reuse(kept[j].data)
		}
	}()
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
		keep := target >= 0 && int64(n)*int64(hostState{dims: dims[target]}.size())*4 <= opt.KeepBytes
		var statShapes []shapes.Shape
		var stats []*tensors.Tensor
		for j, s := range order {
			c := dims[j][0]
			mean, variance := make([]float32, c), make([]float32, c)
			for c := range mean {
				variance[c] = 1
				if mo := done[s]; mo != nil {
					mean[c], variance[c] = float32(mo.mean[c]), float32(mo.m2[c]/mo.n)
				}
			}
			stats = append(stats, tensors.FromFlatDataAndDimensions(mean, c), tensors.FromFlatDataAndDimensions(variance, c))
			statShapes = append(statShapes, shapes.Make(dtypes.Float32, c), shapes.Make(dtypes.Float32, c))
		}
		// layout builds a pass's inputs: the stage inputs and kept inputs
		// wanted, the mask when there is a target, the statistics.
		layout := func(wantStage []bool, wantKept []int) (passLayout, []shapes.Shape) {
			lay := passLayout{mask: -1, resume: map[int]int{}}
			var in []shapes.Shape
			for k, want := range wantStage {
				lay.stage = append(lay.stage, -1)
				if want {
					lay.stage[k] = len(in)
					in = append(in, stageShapes[k])
				}
			}
			if target >= 0 {
				lay.mask = len(in)
				in = append(in, shapes.Make(dtypes.Float32, chunk))
			}
			for _, j := range wantKept {
				lay.resume[j] = len(in)
				in = append(in, chunkShape(dims[j]))
			}
			lay.stats = len(in)
			return lay, append(in, statShapes...)
		}
		// The dry build offers every stage input and kept input, and finds
		// those the results need.
		all := slices.Clone(keptOrder)
		slices.Sort(all)
		everything := make([]bool, ns)
		for k := range everything {
			everything[k] = true
		}
		dryLay, dryShapes := layout(everything, all)
		wantStage, wantKept := make([]bool, ns), []int(nil)
		err := dryBuild(func(scope *model.Scope, in []*graph.Node) []*graph.Node {
			outs, _ := m.pass(scope, st, in, dryLay, index, target, keep, through)
			reach := reachable(outs)
			for k, i := range dryLay.stage {
				wantStage[k] = reach[in[i]]
			}
			for _, j := range all {
				if reach[in[dryLay.resume[j]]] {
					wantKept = append(wantKept, j)
				}
			}
			return outs
		}, nil, dryShapes...)
		if err != nil {
			return nil, err
		}
		lay, passShapes := layout(wantStage, wantKept)
		keepOut := false
		e, err := model.NewExec(m.Backend, m.Store, func(scope *model.Scope, in []*graph.Node) []*graph.Node {
			lay := lay
			lay.stage = slices.Clone(lay.stage)
			in = slices.Clone(in)
			for k, i := range lay.stage {
				if i < 0 { // not reached: a placeholder the backend drops
					lay.stage[k] = len(in)
					in = append(in, graph.Zeros(in[0].Graph(), stageShapes[k]))
				}
			}
			var outs []*graph.Node
			outs, keepOut = m.pass(scope, st, in, lay, index, target, keep, through)
			// The pure-Go backend (gomlx/compute v0.1.6) fails at run time
			// unless every input reaches a result: a sum of the statistics
			// (the BatchNorms the pass does not reach) is returned too, and
			// not read.
			var used []*graph.Node
			for _, x := range in[lay.stats : lay.stats+len(statShapes)] { // (before the placeholders)
				used = append(used, graph.ReduceAllSum(x))
			}
			return append(outs, graph.Stack(used, 0))
		})
		if err != nil {
			return nil, err
		}
		if err := m.compile(e, m.uniqueKey("adaptation pass"), passShapes...); err != nil {
			e.Finalize()
			return nil, err
		}
		var mo *moments
		var keepData hostState
		if target >= 0 {
			mo = &moments{}
			if keepOut {
				keepData = hostState{dims: dims[target]}
				keepData.data = bufs.rows(n * keepData.size())
			}
		}
		var next []hostState
		for lo := 0; lo < n; lo += chunk {
			hi := min(lo+chunk, n)
			bufs.nextChunk()
			feed := func(s hostState) error {
				sz := s.size()
				return bufs.fill(s.data[lo*sz:hi*sz], append([]int{chunk}, s.dims...))
			}
			var err error
			for k, s := range state {
				if wantStage[k] && err == nil {
					err = feed(s)
				}
			}
			if target >= 0 && err == nil {
				err = bufs.fill(ones[:hi-lo], []int{chunk})
			}
			for _, j := range wantKept {
				if err == nil {
					err = feed(kept[j])
				}
			}
			if err != nil {
				e.Finalize()
				return nil, err
			}
			args := make([]any, 0, len(bufs.inUse)+len(stats))
			for _, t := range bufs.inUse {
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
			results := outs[:len(outs)-1]
			if mo != nil {
				v := tensors.MustCopyFlatData[float32](results[0])
				c := dims[target][0]
				mo.merge(float64(v[2*c]), v[:c], v[c:2*c])
				if keepOut {
					sz := keepData.size()
					copyRows(keepData.data[lo*sz:hi*sz], results[1])
				}
			} else {
				if next == nil {
					next = outputStates(results, state, through, n)
				}
				for k, o := range computed(through, results) {
					sz := next[k].size()
					copyRows(next[k].data[lo*sz:hi*sz], o)
				}
			}
			tensorfree.Free(outs...)
		}
		bufs.nextChunk()
		tensorfree.Free(stats...)
		e.Finalize()
		if mo == nil {
			return next, nil
		}
		done[order[target]] = mo
		if keepOut {
			kept[target] = keepData
			keptOrder = append(keptOrder, target)
			keptBytes += int64(len(keepData.data)) * 4
			for keptBytes > opt.KeepBytes && len(keptOrder) > 0 {
				old := keptOrder[0]
				keptOrder = keptOrder[1:]
				keptBytes -= int64(len(kept[old].data)) * 4
				bufs.reuse(kept[old].data)
				delete(kept, old)
			}
		}
		tick()
	}
}

// outputStates makes the host states of a stage's outputs: an input passed
// through is the input's state itself (through), and each output the last
// run computes (results, in order) is filled over the buffer of an input
// that is not passed through and is no smaller per image, when there is
// one: the run reads its inputs and writes its outputs chunk by chunk in
// order, and chunk c's output rows end at or before chunk c's input rows,
// all of which have been read when they are written (every image depends on
// its own rows only). Those inputs are not used after the stage, so a stage
// holds one copy of its state instead of two.
func outputStates(results []*tensors.Tensor, in []hostState, through []int, n int) []hostState {
	inSizes, outSizes := make([]int, len(in)), make([]int, len(through))
	for j, s := range in {
		inSizes[j] = s.size()
	}
	out := make([]hostState, len(through))
	for k, o := range computed(through, results) {
		out[k] = hostState{dims: slices.Clone(o.Shape().Dimensions[1:])}
		outSizes[k] = out[k].size()
	}
	for k, src := range placement(inSizes, through, outSizes) {
		switch {
		case through[k] >= 0:
			out[k] = in[src]
		case src >= 0:
			out[k].data = in[src].data[:n*outSizes[k]]
		default:
			out[k].data = make([]float32, n*outSizes[k])
		}
	}
	return out
}

// sizes is the values per image of each per-image shape.
func sizes(dims [][]int) []int {
	out := make([]int, len(dims))
	for k, d := range dims {
		out[k] = hostState{dims: d}.size()
	}
	return out
}

// placement says where each stage output's state lives (per-image sizes):
// an input passed through is that input; a computed output takes the
// smallest input, not passed through nor taken, that is no smaller (its
// index), else a buffer of its own (-1).
func placement(in, through, out []int) []int {
	used := make([]bool, len(in))
	src := slices.Clone(through)
	for _, j := range through {
		if j >= 0 {
			used[j] = true
		}
	}
	for k, j := range through {
		if j >= 0 {
			continue
		}
		best := -1
		for i, size := range in {
			if !used[i] && size >= out[k] && (best < 0 || size < in[best]) {
				best = i
			}
		}
		if best >= 0 {
			used[best] = true
		}
		src[k] = best
	}
	return src
}

// computed pairs each output a stage's run computes (results, in order)
// with its position among the stage's outputs (through marks the others).
func computed(through []int, results []*tensors.Tensor) iter.Seq2[int, *tensors.Tensor] {
	return func(yield func(int, *tensors.Tensor) bool) {
		r := 0
		for k, j := range through {
			if j >= 0 {
				continue
			}
			if !yield(k, results[r]) {
				return
			}
			r++
		}
	}
}

// adaptBuffers are the memory adaptation's passes reuse: the model's input
// pool (inputPool) for each chunk's inputs, and the buffers of dropped kept
// inputs for later kept inputs (up to keepMax bytes are held for that).
type adaptBuffers struct {
	m       *Model
	inUse   []*tensors.Tensor // the chunk's inputs, in order
	spare   [][]float32       // kept inputs' buffers, oldest first
	held    int64             // bytes in spare
	keepMax int64
}

// nextChunk starts a chunk: its inputs are filled again from the first.
func (b *adaptBuffers) nextChunk() {
	b.m.inputs.put(b.inUse...)
	b.inUse = b.inUse[:0]
}

// fill sets the chunk's next input, of dims, to rows followed by zeros (the
// last chunk's padding).
func (b *adaptBuffers) fill(rows []float32, dims []int) error {
	t, err := b.m.inputs.get(b.m.Backend, rows, dims...)
	if err != nil {
		return err
	}
	b.inUse = append(b.inUse, t)
	return nil
}

// rows is a buffer of n values for a kept input, every one of which the
// caller writes.
func (b *adaptBuffers) rows(n int) []float32 {
	best := -1 // the smallest spare buffer that holds n
	for i, s := range b.spare {
		if cap(s) >= n && (best < 0 || cap(s) < cap(b.spare[best])) {
			best = i
		}
	}
	if best < 0 {
		return make([]float32, n)
	}
	s := b.spare[best]
	b.spare = slices.Delete(b.spare, best, best+1)
	b.held -= 4 * int64(cap(s))
	return s[:n]
}

// reuse takes back a dropped kept input's buffer.
func (b *adaptBuffers) reuse(s []float32) {
	b.spare = append(b.spare, s)
	b.held += 4 * int64(cap(s))
	for b.held > b.keepMax && len(b.spare) > 0 {
		b.held -= 4 * int64(cap(b.spare[0]))
		b.spare = b.spare[1:]
	}
}

// free releases the inputs' buffers and drops the spare ones.
func (b *adaptBuffers) free() {
	b.nextChunk()
	b.m.inputs.release()
	b.spare, b.held = nil, 0
}

// copyRows copies the first len(dst) values of t into dst (the padded
// chunk's real rows), without an intermediate copy.
func copyRows(dst []float32, t *tensors.Tensor) {
	tensors.MustConstFlatData(t, func(flat []float32) { copy(dst, flat) })
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
		if err := e.Array.CheckFinite(); err != nil {
			return fmt.Errorf("cnn %s: BatchNorm state: %s: %w", m.Arch.Name, e.Key, err)
		}
		if err := nonNegativeVariance(e); err != nil {
			return fmt.Errorf("cnn %s: BatchNorm state: %w", m.Arch.Name, err)
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
