package stimulus

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// LayerFeatures are a backbone's pooled intermediate activations
// (cnn.Model.ExtractLayers) for the selected images, each image once, as it
// is (no augmentation), normalised as the heads' input is.
type LayerFeatures struct {
	Layers      []string
	Pool        string
	Train, Test cnn.LayerOutput
}

// ComputeLayerFeatures runs the backbone (in its current BatchNorm mode) over
// the selected training and test images and returns layers pooled as pool,
// cached in opt.CacheDir under a key that adds the layers and pooling to the
// features' (weights, BatchNorm mode, pixels).
func ComputeLayerFeatures(ctx context.Context, m *cnn.Model, d *kay.Dataset, sel *kay.Selection, layers []string, pool string, opt FeatureOptions) (*LayerFeatures, error) {
	if err := m.Arch.CheckLayers(layers, pool); err != nil {
		return nil, err
	}
	z := FitNormalizer(d.Train.Stimuli, sel.Train.Index)
	if err := z.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", d.Dir, err)
	}
	lf := &LayerFeatures{Layers: layers, Pool: pool}
	path := layerCachePath(m, d, sel, layers, pool, opt)
	if path != "" {
		err := lf.read(path, len(sel.Train.Index), len(sel.Test.Index))
		if err == nil {
			return lf, nil
		}
		reportBadCache(opt.Progress, path, err)
	}
	batch := max(opt.Batch, 1)
	var err error
	lf.Train, err = m.ExtractLayers(ctx, Source(d.Train.Stimuli, sel.Train.Index, 1, opt.Augment, opt.Seed, z), batch, layers, pool,
		m.Arch.Name+" layers, train", opt.Progress)
	if err != nil {
		return nil, err
	}
	lf.Test, err = m.ExtractLayers(ctx, Source(d.Test.Stimuli, sel.Test.Index, 1, opt.Augment, opt.Seed, z), batch, layers, pool,
		m.Arch.Name+" layers, test", opt.Progress)
	if err != nil {
		return nil, err
	}
	if err := lf.write(path, m); err != nil {
		return nil, err
	}
	return lf, nil
}

// layerCachePath is where ComputeLayerFeatures caches the layers pooled as
// pool: the features' key (weights, BatchNorm mode, pixels) with the layers
// and pooling; "" without a cache.
func layerCachePath(m *cnn.Model, d *kay.Dataset, sel *kay.Selection, layers []string, pool string, opt FeatureOptions) string {
	if opt.CacheDir == "" {
		return ""
	}
	o := opt
	o.Views = 1
	key := cacheKey(m, d, sel, o) + "-" + shortHash(pool+"|"+strings.Join(layers, ","))
	return filepath.Join(opt.CacheDir, fmt.Sprintf("%s-layers-%s.npz", m.Arch.Name, key))
}

// fusedLayers is the layer features ComputeFeatures extracts in its own
// pass (FeatureOptions.LayersPool) and their cache path; nil when not asked
// for, without a cache, or already cached.
func fusedLayers(m *cnn.Model, d *kay.Dataset, sel *kay.Selection, opt FeatureOptions) (*LayerFeatures, string) {
	if opt.LayersPool == "" {
		return nil, ""
	}
	layers := m.Arch.DefaultLayers()
	path := layerCachePath(m, d, sel, layers, opt.LayersPool, opt)
	if path == "" {
		return nil, ""
	}
	if _, err := os.Stat(path); err == nil {
		return nil, ""
	}
	return &LayerFeatures{Layers: layers, Pool: opt.LayersPool}, path
}

// extract runs the images through the backbone once, keeping lf's layers
// in out and returning the logits (the features) too.
func (lf *LayerFeatures) extract(ctx context.Context, m *cnn.Model, out *cnn.LayerOutput, im cnn.Images, batch int, label string, progress io.Writer) ([]float32, error) {
	want := lf.Layers
	at := slices.Index(want, cnn.LogitsLayer)
	if at < 0 {
		want, at = append(slices.Clone(want), cnn.LogitsLayer), len(want)
	}
	o, err := m.ExtractLayers(ctx, im, batch, want, lf.Pool, label, progress)
	if err != nil {
		return nil, err
	}
	logits := o.Data[at]
	if len(want) > len(lf.Layers) {
		o.Layers, o.Widths, o.Data = o.Layers[:at], o.Widths[:at], o.Data[:at]
	}
	*out = o
	return logits, nil
}

// write checks the layers are finite and caches them at path ("": no cache).
func (lf *LayerFeatures) write(path string, m *cnn.Model) error {
	if err := finite(m, append(lf.Train.Data, lf.Test.Data...)...); err != nil {
		return err
	}
	if path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	var entries []npfile.Entry
	for k, l := range lf.Layers {
		if lf.Train.N > 0 { // none: a set of test images only (DistortedSet's)
			entries = append(entries, npfile.Entry{Key: "train/" + l, Array: npfile.Array{Shape: []int{lf.Train.N, lf.Train.Widths[k]}, Data: lf.Train.Data[k]}})
		}
		entries = append(entries, npfile.Entry{Key: "test/" + l, Array: npfile.Array{Shape: []int{lf.Test.N, lf.Test.Widths[k]}, Data: lf.Test.Data[k]}})
	}
	return npfile.WriteNPZ(path, entries...)
}

// read loads cached layer features, checking every layer's shape (with
// nTrain 0, a set of test images only).
func (lf *LayerFeatures) read(path string, nTrain, nTest int) error {
	z, err := npfile.OpenNPZ(path)
	if err != nil {
		return err
	}
	defer z.Close()
	for s, out := range []*cnn.LayerOutput{&lf.Train, &lf.Test} {
		split, n := []string{"train", "test"}[s], []int{nTrain, nTest}[s]
		*out = cnn.LayerOutput{N: n, Layers: lf.Layers, Pool: lf.Pool}
		if n == 0 && s == 0 {
			continue
		}
		for _, l := range lf.Layers {
			a, err := z.Read(split + "/" + l)
			if err != nil {
				return err
			}
			data, ok := a.Data.([]float32)
			if !ok || len(a.Shape) != 2 || a.Shape[0] != n {
				return fmt.Errorf("%s: key %q is %s, want float32 (%d, width)", path, split+"/"+l, a.Describe(), n)
			}
			if err := a.CheckFinite(); err != nil {
				return fmt.Errorf("%s: key %q: %w", path, split+"/"+l, err)
			}
			out.Data, out.Widths = append(out.Data, data), append(out.Widths, a.Shape[1])
		}
	}
	return nil
}

// shortHash is 16 hex digits of s's SHA-256.
func shortHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:8])
}
