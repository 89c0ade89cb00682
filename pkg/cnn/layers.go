package cnn

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/internal/tensorfree"
)

// Pseudo-layers: the pooled penultimate features (the last Linear layer's
// input) and the logits, beside the torchvision module paths.
const (
	Penultimate = "penultimate"
	LogitsLayer = "logits"
)

// Spatial pooling of intermediate activations (N, C, H, W).
const (
	// PoolGAP averages over all positions: C values per image.
	PoolGAP = "gap"
	// PoolGrid4 averages over a 4 x 4 grid of regions (torch's
	// adaptive_avg_pool2d to 4 x 4, flattened channel-major): 16·C values
	// that keep coarse retinotopy, which early visual areas need.
	PoolGrid4 = "grid4"
)

// layerEnd maps every tappable module path to the index of the stage whose
// output it is: each stage's own module, and every enclosing module that
// ends with it (layer1 ends with layer1.2, features.denseblock1 with its
// last dense layer, features with the last stage before the head). A dense
// layer's stage returns the block's running concatenation, not the layer's
// own output (its new channels), so dense layers are not tappable; their
// blocks are.
func (a Arch) layerEnd() map[string]int {
	out := map[string]int{}
	for i, s := range a.stages {
		if s.name == "head" {
			continue
		}
		if !strings.Contains(s.name, ".denselayer") {
			out[s.name] = i
		}
		parts := strings.Split(s.name, ".")
		for k := 1; k < len(parts); k++ {
			prefix := strings.Join(parts[:k], ".")
			if i+1 < len(a.stages) && strings.HasPrefix(a.stages[i+1].name, prefix+".") {
				continue // the module goes on in the next stage
			}
			if _, taken := out[prefix]; !taken || out[prefix] < i {
				out[prefix] = i
			}
		}
	}
	return out
}

// LayerNames lists every layer Extract can return, in network order: the
// torchvision module paths that end a stage (with the enclosing modules
// ending there), then Penultimate and Logits.
func (a Arch) LayerNames() []string {
	ends := a.layerEnd()
	names := make([]string, 0, len(ends)+2)
	for n := range ends {
		names = append(names, n)
	}
	slices.SortStableFunc(names, func(x, y string) int {
		if ends[x] != ends[y] {
			return ends[x] - ends[y]
		}
		return len(y) - len(x) // the innermost module first
	})
	return append(names, Penultimate, LogitsLayer)
}

// DefaultLayers are the end of each block group, in network order (ResNet's
// maxpool and layer1-layer4, DenseNet's pool0, dense blocks and transitions,
// EfficientNet's and ConvNeXt's features.0-features.N, RegNet's stem and
// trunk blocks, each convolution unit of VGG, AlexNet and MobileNet), then
// the penultimate features and the logits.
func (a Arch) DefaultLayers() []string {
	var out []string
	for _, s := range a.stages {
		if s.name == "head" {
			continue
		}
		parts := strings.Split(s.name, ".")
		group := s.name
		switch {
		case len(parts) >= 3:
			group = strings.Join(parts[:2], ".")
		case len(parts) == 2 && parts[0] != "features":
			group = parts[0]
		}
		if len(out) == 0 || out[len(out)-1] != group {
			out = append(out, group)
		}
	}
	return append(out, Penultimate, LogitsLayer)
}

// CheckLayers refuses unknown layer names and pooling modes, naming what is
// available.
func (a Arch) CheckLayers(layers []string, pool string) error {
	if pool != PoolGAP && pool != PoolGrid4 {
		return fmt.Errorf("cnn %s: pooling %q: want %s or %s", a.Name, pool, PoolGAP, PoolGrid4)
	}
	if len(layers) == 0 {
		return fmt.Errorf("cnn %s: no layers asked for", a.Name)
	}
	known := a.LayerNames()
	for _, l := range layers {
		if !slices.Contains(known, l) {
			return fmt.Errorf("cnn %s: no layer %q; its layers are %s", a.Name, l, strings.Join(known, ", "))
		}
	}
	return nil
}

// forwardLayers builds the network on x and returns the requested layers'
// pooled activations, in the order asked for: (N, C) for PoolGAP, (N, 16·C)
// for PoolGrid4; the penultimate features and logits are never pooled. A
// last extra output, the sum of the logits, makes every weight reach a
// result (the pure-Go backend, gomlx/compute v0.1.6, fails at run time
// otherwise); callers drop it.
func (a Arch) forwardLayers(scope *model.Scope, x *graph.Node, layers []string, pool string) []*graph.Node {
	ends := a.layerEnd()
	out := make([]*graph.Node, len(layers), len(layers)+1)
	xs := []*graph.Node{x}
	for i, s := range a.stages {
		xs = s.fn(scope, xs)
		for k, l := range layers {
			switch {
			case s.name == "head" && l == LogitsLayer:
				out[k] = xs[0]
			case s.name == "head" && l == Penultimate:
				out[k] = xs[1]
			default:
				if e, ok := ends[l]; ok && e == i {
					out[k] = poolNode(joined(xs), pool)
				}
			}
		}
	}
	return append(out, graph.ReduceAllSum(xs[0]))
}

// poolNode pools (N, C, H, W) activations: global average, or torch's
// adaptive average pooling to 4 x 4 (region i spans rows floor(iH/4) to
// ceil((i+1)H/4)), flattened to (N, C·16) channel-major.
func poolNode(x *graph.Node, pool string) *graph.Node {
	if pool == PoolGAP {
		return graph.ReduceMean(x, 2, 3)
	}
	dims := x.Shape().Dimensions
	n, c, h, w := dims[0], dims[1], dims[2], dims[3]
	var cells []*graph.Node
	for i := range 4 {
		h0, h1 := i*h/4, ((i+1)*h+3)/4
		for j := range 4 {
			w0, w1 := j*w/4, ((j+1)*w+3)/4
			cells = append(cells, graph.ReduceMean(graph.Slice(x, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(h0, h1), graph.AxisRange(w0, w1)), 2, 3))
		}
	}
	return graph.Reshape(graph.Stack(cells, 2), n, c*16)
}

// LayerOutput holds pooled activations of several layers for a set of
// images: Data[k] is N x Widths[k], row-major, for Layers[k].
type LayerOutput struct {
	N      int
	Layers []string
	Pool   string
	Widths []int
	Data   [][]float32
}

// ForwardLayers runs the network on n images (n, 3, h, w) and returns the
// pooled activations of layers (see forwardLayers) and their widths.
func (m *Model) ForwardLayers(x []float32, n, h, w int, layers []string, pool string) ([][]float32, []int, error) {
	if len(x) != n*3*h*w {
		return nil, nil, fmt.Errorf("cnn %s: %d values for %d images of 3x%dx%d", m.Arch.Name, len(x), n, h, w)
	}
	if err := m.Arch.CheckLayers(layers, pool); err != nil {
		return nil, nil, err
	}
	key := pool + "|" + strings.Join(layers, ",")
	e := m.layerExecs[key]
	if e == nil {
		var err error
		e, err = model.NewExec(m.Backend, m.Store, func(scope *model.Scope, x *graph.Node) []*graph.Node {
			return m.Arch.forwardLayers(scope.In(scopeName), x, layers, pool)
		})
		if err != nil {
			return nil, nil, err
		}
		if m.layerExecs == nil {
			m.layerExecs = map[string]*model.Exec{}
		}
		m.layerExecs[key] = e
	}
	if err := m.compile(e, "layers "+key, shapes.Make(dtypes.Float32, n, 3, h, w)); err != nil {
		return nil, nil, err
	}
	in, err := m.inputs.get(m.Backend, x, n, 3, h, w)
	if err != nil {
		return nil, nil, fmt.Errorf("cnn %s: %w", m.Arch.Name, err)
	}
	defer m.inputs.put(in)
	outs, err := e.Exec(in)
	if err != nil {
		return nil, nil, fmt.Errorf("cnn %s: %w", m.Arch.Name, err)
	}
	defer tensorfree.Free(outs...)
	outs = outs[:len(layers)] // the last is forwardLayers' guard
	data, widths := make([][]float32, len(outs)), make([]int, len(outs))
	for k, o := range outs {
		data[k] = tensors.MustCopyFlatData[float32](o)
		widths[k] = len(data[k]) / n
	}
	return data, widths, nil
}

// ExtractLayers runs the network over all images in batches (the last one
// padded to the full size, so one graph serves them all) and returns the
// pooled activations of layers, with a progress bar on progressOut.
func (m *Model) ExtractLayers(ctx context.Context, im Images, batch int, layers []string, pool, label string, progressOut io.Writer) (LayerOutput, error) {
	out := LayerOutput{N: im.N, Layers: slices.Clone(layers), Pool: pool, Data: make([][]float32, len(layers))}
	if err := m.Arch.CheckLayers(layers, pool); err != nil {
		return out, err
	}
	err := inBatches(ctx, im, batch, label, progressOut, func(buf []float32, n int) error {
		data, widths, err := m.ForwardLayers(buf, batch, im.H, im.W, layers, pool)
		if err != nil {
			return err
		}
		out.Widths = widths
		for k := range data {
			out.Data[k] = append(out.Data[k], data[k][:n*widths[k]]...)
		}
		return nil
	})
	return out, err
}
