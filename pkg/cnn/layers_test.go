package cnn

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
)

// TestLayerNames: the default layers are the block groups under their
// torchvision module paths, every default is tappable, and unknown layers
// and poolings are refused naming what there is.
func TestLayerNames(t *testing.T) {
	want := map[string][]string{
		"resnet50":        {"maxpool", "layer1", "layer2", "layer3", "layer4", Penultimate, LogitsLayer},
		"densenet121":     {"features.pool0", "features.denseblock1", "features.transition1", "features.denseblock2", "features.transition2", "features.denseblock3", "features.transition3", "features.denseblock4", Penultimate, LogitsLayer},
		"efficientnet_b0": {"features.0", "features.1", "features.2", "features.3", "features.4", "features.5", "features.6", "features.7", "features.8", Penultimate, LogitsLayer},
		"regnet_y_400mf":  {"stem", "trunk_output.block1", "trunk_output.block2", "trunk_output.block3", "trunk_output.block4", Penultimate, LogitsLayer},
		"alexnet":         {"features.2", "features.5", "features.7", "features.9", "features.12", Penultimate, LogitsLayer},
	}
	for name, w := range want {
		a, err := Get(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := a.DefaultLayers(); !slices.Equal(got, w) {
			t.Errorf("%s default layers %v, want %v", name, got, w)
		}
	}
	for _, a := range All() {
		names := a.LayerNames()
		for _, l := range a.DefaultLayers() {
			if !slices.Contains(names, l) {
				t.Errorf("%s: default layer %s is not tappable", a.Name, l)
			}
		}
		for _, l := range names {
			if strings.Contains(l, "denselayer") {
				t.Errorf("%s: a dense layer (%s) is offered, whose stage output is the block's concatenation", a.Name, l)
			}
		}
	}
	a, _ := Get("resnet18")
	if err := a.CheckLayers([]string{"layer9"}, PoolGAP); err == nil || !strings.Contains(err.Error(), `no layer "layer9"`) || !strings.Contains(err.Error(), "layer4") {
		t.Errorf("unknown layer: %v", err)
	}
	if err := a.CheckLayers([]string{"layer1"}, "max"); err == nil || !strings.Contains(err.Error(), `pooling "max"`) {
		t.Errorf("unknown pooling: %v", err)
	}
}

// TestLayersMatchTorchHooks compares every registry architecture's default
// layers, pooled globally (and, for the first architecture of each family,
// on the 4 x 4 grid), with torch forward hooks on the same modules of
// torchvision's network with the same weights (2 images of 3x128x128), to
// 1e-4 of the reference's scale, on ONNX Runtime when installed (the study's
// CNN backend) or pure Go.
func TestLayersMatchTorchHooks(t *testing.T) {
	dir := t.TempDir()
	const n, h, w = 2, 128, 128
	x, in := parityInput(t, dir, n, h, w, 3, 4)
	spec := backend.FromEnv(os.Getenv).Local()[len(backend.FromEnv(os.Getenv).Local())-1]
	b, _, err := backend.FromEnv(os.Getenv).New(spec, backend.Convolutions)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	families := map[string]bool{}
	for _, a := range zoo() {
		pools := []string{PoolGAP}
		if !families[a.Family] {
			families[a.Family] = true
			pools = append(pools, PoolGrid4)
		}
		t.Run(a.Name, func(t *testing.T) {
			state, st := parityFiles(t, a)
			layers := a.DefaultLayers()
			refs := pyref.Golden(t, a.Name+"_layers.npz", []string{"torch", "torchvision", "numpy"},
				pyref.File("testdata/torchvision_layers_ref.py", a.Name, state, in, strings.Join(layers, ","), strings.Join(pools, ","), pyref.Out))
			m, err := NewFromFile(b, a, st)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			for _, pool := range pools {
				got, widths, err := m.ForwardLayers(x, n, h, w, layers, pool)
				if err != nil {
					t.Fatal(err)
				}
				for _, ref := range refs {
					want := pyref.Floats(t, ref)
					worst := 0.0
					for k, l := range layers {
						wk := want(l + "|" + pool)
						if len(wk) != len(got[k]) {
							t.Fatalf("%s %s (%s): %d values (width %d), torchvision %d", a.Name, l, pool, len(got[k]), widths[k], len(wk))
						}
						d := relDiff(got[k], wk)
						worst = max(worst, d)
						if d > 1e-4 {
							t.Errorf("%s on %s: layer %s (%s) differs from torch's hook (%s) by %.3g of its scale (want <= 1e-4)", a.Name, spec, l, pool, ref, d)
						}
					}
					t.Logf("%s on %s: %d layers (%s) within %.2g of torch's hooks (%s)", a.Name, spec, len(layers), pool, worst, ref)
				}
			}
		})
	}
}
