package stimulus

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// Features are a frozen backbone's outputs (the 1000 ImageNet logits, the
// head's input) for the selected images: Views versions of each training
// image (view 0 as it is, the others augmented) and each test image as it is.
type Features struct {
	Train         []float32 // Views·NTrain x 1000, view-major (view v of image i is row v·NTrain+i)
	Test          []float32 // NTest x 1000
	NTrain, NTest int
	Views         int
	Norm          Normalizer
}

// FeatureOptions set how features are computed and cached.
type FeatureOptions struct {
	Views   int     // versions of each training image; 1 means no augmentation
	Augment Augment // for views 1..Views-1
	Seed    int64   // augmentation draws
	Batch   int     // images per backbone call
	// BatchNorm is the backbone's BatchNorm mode (AdaptBackbone):
	// cnn.BNAdapt re-estimates the statistics on the clean training images,
	// cnn.BNFrozen (or "") keeps the checkpoint's.
	BatchNorm string
	CacheDir  string // "" disables the cache
	Progress  io.Writer
	// LayersPool, when set (cnn.PoolGAP or cnn.PoolGrid4) with a cache,
	// makes ComputeFeatures also extract the architecture's default layers
	// (cnn.Arch.DefaultLayers) pooled so, from the same backbone pass over
	// the clean training images (view 0) and the test images, into the
	// cache ComputeLayerFeatures reads: the layer-wise analysis then needs
	// no second pass.
	LayersPool string
}

// Source is the selected split's images, preprocessed and normalised as the
// backbone's input; view v > 0 of image i is augmented with a generator
// seeded by (seed, v, i), so any subset is reproducible on its own.
func Source(im kay.Images, idx []int, views int, aug Augment, seed int64, z Normalizer) cnn.Images {
	rows := make([]int, len(idx)*views)
	for r := range rows {
		rows[r] = r
	}
	return sourceRows(im, idx, rows, aug, seed, z)
}

// viewRNG is the generator of view v of image i.
func viewRNG(seed int64, v, i int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), uint64(v)<<32|uint64(i)))
}

// sourceRows is Source restricted to the given rows (row v·n+i is view v of
// image i).
func sourceRows(im kay.Images, idx, rows []int, aug Augment, seed int64, z Normalizer) cnn.Images {
	n := len(idx)
	return cnn.Images{N: len(rows), H: im.H, W: im.W, Fill: func(dst []float32, lo, hi int) {
		size := 3 * im.H * im.W
		for k := lo; k < hi; k++ {
			v, i := rows[k]/n, rows[k]%n
			q := Quantize(im.At(idx[i]))
			if v > 0 {
				q = aug.Apply(q, im.H, im.W, viewRNG(seed, v, i))
			}
			z.Tensor(dst[(k-lo)*size:(k-lo+1)*size], q)
		}
	}}
}

// BackbonePasses is how many training-image versions of n training images
// go through the backbone under o: view 0 of each and every augmented view
// that differs from it (the others reuse view 0's output).
func (o FeatureOptions) BackbonePasses(n int) int {
	distinct, _ := distinctViews(n, max(o.Views, 1), o.Augment, o.Seed)
	return len(distinct)
}

// distinctViews lists the rows (v·n+i) whose image differs from view 0:
// every view 0, and each augmented view whose transforms fire; source[r] is
// the row whose backbone output row r takes (itself, or view 0 of its
// image).
func distinctViews(n, views int, aug Augment, seed int64) (distinct, source []int) {
	source = make([]int, n*views)
	for r := range source {
		v, i := r/n, r%n
		source[r] = r
		if v > 0 && !aug.Fires(viewRNG(seed, v, i)) {
			source[r] = i
			continue
		}
		distinct = append(distinct, r)
	}
	return distinct, source
}

// AdaptBackbone brings backbone m to the BatchNorm mode opt.BatchNorm.
// cnn.BNAdapt re-estimates every BatchNorm's statistics on the selection's
// clean training images (view 0, normalised as the backbone's input) with
// cnn.Model.AdaptBatchNorm, once per model and images: the statistics are
// cached beside the features, and a model already adapted on these images is
// left alone. cnn.BNFrozen (or "") keeps the checkpoint's statistics and
// refuses a model adapted before. Architectures without BatchNorm are left
// alone in both modes.
func AdaptBackbone(ctx context.Context, m *cnn.Model, d *kay.Dataset, sel *kay.Selection, opt FeatureOptions) error {
	switch opt.BatchNorm {
	case "", cnn.BNFrozen:
		if strings.HasPrefix(m.BatchNorm, cnn.BNAdapt) {
			return fmt.Errorf("cnn %s: BatchNorm mode frozen asked for a backbone already adapted (%s): open it again", m.Arch.Name, m.BatchNorm)
		}
		return nil
	case cnn.BNAdapt:
	default:
		return fmt.Errorf("BatchNorm mode %q: want %s or %s", opt.BatchNorm, cnn.BNAdapt, cnn.BNFrozen)
	}
	if m.BatchNorm == cnn.BNNone {
		return nil
	}
	key := cacheKeyBN(m, d, sel, FeatureOptions{Views: 1}, "adapt-on-clean-training-images")
	label := fmt.Sprintf("%d clean training images, %s", len(sel.Train.Index), key[:8])
	if m.BatchNorm == cnn.AdaptedMode(label) {
		return nil
	}
	path := ""
	if opt.CacheDir != "" {
		path = filepath.Join(opt.CacheDir, fmt.Sprintf("%s-batchnorm-%s.npz", m.Arch.Name, key))
		entries, err := npfile.ReadNPZ(path)
		if err == nil {
			err = m.SetBatchNormState(entries, label)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			reportBadCache(opt.Progress, path, err)
		}
	}
	z := FitNormalizer(d.Train.Stimuli, sel.Train.Index)
	if err := z.Check(); err != nil {
		return fmt.Errorf("%s: %w", d.Dir, err)
	}
	src := Source(d.Train.Stimuli, sel.Train.Index, 1, opt.Augment, opt.Seed, z)
	if err := m.AdaptBatchNorm(ctx, src, cnn.AdaptOptions{Chunk: max(opt.Batch, 1)}, label, opt.Progress); err != nil {
		return err
	}
	if path == "" {
		return nil
	}
	entries, err := m.BatchNormState()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(opt.CacheDir, 0o755); err != nil {
		return err
	}
	return npfile.WriteNPZ(path, entries...)
}

// ComputeFeatures runs the backbone over the selection's training views and
// test images, or reads them from the cache when the same model, weights,
// images and options were computed before.
func ComputeFeatures(ctx context.Context, m *cnn.Model, d *kay.Dataset, sel *kay.Selection, opt FeatureOptions) (*Features, error) {
	views := max(opt.Views, 1)
	z := FitNormalizer(d.Train.Stimuli, sel.Train.Index)
	if err := z.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", d.Dir, err)
	}
	f := &Features{NTrain: len(sel.Train.Index), NTest: len(sel.Test.Index), Views: views, Norm: z}
	path := ""
	if opt.CacheDir != "" {
		path = filepath.Join(opt.CacheDir, fmt.Sprintf("%s-%s.npz", m.Arch.Name, cacheKey(m, d, sel, opt)))
		err := f.read(path)
		if err == nil {
			return f, nil
		}
		reportBadCache(opt.Progress, path, err)
	}
	batch := max(opt.Batch, 1)
	// An augmented view whose transforms do not fire is view 0 itself: only
	// the distinct views go through the backbone (about 1.6 per image at the
	// default 4 views), the others copy view 0's output.
	distinct, source := distinctViews(f.NTrain, views, opt.Augment, opt.Seed)
	lf, lpath := fusedLayers(m, d, sel, opt)
	var dv, te []float32
	if lf == nil {
		out, err := m.Extract(ctx, sourceRows(d.Train.Stimuli, sel.Train.Index, distinct, opt.Augment, opt.Seed, z), batch,
			fmt.Sprintf("%s train (%d views, %d distinct images)", m.Arch.Name, views, len(distinct)), opt.Progress)
		if err != nil {
			return nil, err
		}
		dv = out.Logits
		if out, err = m.Extract(ctx, Source(d.Test.Stimuli, sel.Test.Index, 1, opt.Augment, opt.Seed, z), batch,
			m.Arch.Name+" test", opt.Progress); err != nil {
			return nil, err
		}
		te = out.Logits
	} else {
		// The distinct rows start with every view 0 (rows 0..NTrain-1): those
		// and the test images go through the layer-extracting pass, whose
		// logits layer is the features; the augmented views through the plain
		// one.
		var err error
		if dv, err = lf.extract(ctx, m, &lf.Train, sourceRows(d.Train.Stimuli, sel.Train.Index, distinct[:f.NTrain], opt.Augment, opt.Seed, z),
			batch, m.Arch.Name+" train, view 0 and layers", opt.Progress); err != nil {
			return nil, err
		}
		if te, err = lf.extract(ctx, m, &lf.Test, Source(d.Test.Stimuli, sel.Test.Index, 1, opt.Augment, opt.Seed, z),
			batch, m.Arch.Name+" test and layers", opt.Progress); err != nil {
			return nil, err
		}
		if len(distinct) > f.NTrain {
			// The layer graph goes before the plain one compiles: on ONNX
			// Runtime each holds its own copy of the weights (vgg11_bn's
			// 133M parameters: 0.5 GB and more).
			m.Release()
			aug, err := m.Extract(ctx, sourceRows(d.Train.Stimuli, sel.Train.Index, distinct[f.NTrain:], opt.Augment, opt.Seed, z), batch,
				fmt.Sprintf("%s train (%d augmented views)", m.Arch.Name, len(distinct)-f.NTrain), opt.Progress)
			if err != nil {
				return nil, err
			}
			dv = append(dv, aug.Logits...)
		}
	}
	trLogits := make([]float32, len(source)*cnn.Classes)
	at := make(map[int]int, len(distinct)) // row -> its position among the distinct ones
	for k, r := range distinct {
		at[r] = k
	}
	for r, src := range source {
		k := at[src]
		copy(trLogits[r*cnn.Classes:(r+1)*cnn.Classes], dv[k*cnn.Classes:(k+1)*cnn.Classes])
	}
	f.Train, f.Test = trLogits, te
	if err := finite(m, f.Train, f.Test); err != nil {
		return nil, err
	}
	if lf != nil {
		if err := lf.write(lpath, m); err != nil {
			return nil, err
		}
	}
	if path != "" {
		if err := os.MkdirAll(opt.CacheDir, 0o755); err != nil {
			return nil, err
		}
		if err := npfile.WriteNPZ(path,
			npfile.Entry{Key: "train", Array: npfile.Array{Shape: []int{views * f.NTrain, cnn.Classes}, Data: f.Train}},
			npfile.Entry{Key: "test", Array: npfile.Array{Shape: []int{f.NTest, cnn.Classes}, Data: f.Test}}); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (f *Features) read(path string) error {
	z, err := npfile.OpenNPZ(path)
	if err != nil {
		return err
	}
	defer z.Close()
	tr, err := z.Read("train")
	if err != nil {
		return err
	}
	te, err := z.Read("test")
	if err != nil {
		return err
	}
	a, ok1 := tr.Data.([]float32)
	b, ok2 := te.Data.([]float32)
	if !ok1 || !ok2 || len(a) != f.Views*f.NTrain*cnn.Classes || len(b) != f.NTest*cnn.Classes {
		return fmt.Errorf("%s: cached features of the wrong shape", path)
	}
	if err := errors.Join(tr.CheckFinite(), te.CheckFinite()); err != nil {
		return fmt.Errorf("%s: cached features: %w", path, err)
	}
	f.Train, f.Test = a, b
	return nil
}

// cacheKey hashes what the features depend on: the architecture and its
// weights (the file's name, size and time, or the random seed), the selected
// images' pixels, and the view and augmentation options.
func cacheKey(m *cnn.Model, d *kay.Dataset, sel *kay.Selection, opt FeatureOptions) string {
	return cacheKeyBN(m, d, sel, opt, m.BatchNorm)
}

// cacheKeyBN is cacheKey with the backbone's BatchNorm mode given.
func cacheKeyBN(m *cnn.Model, d *kay.Dataset, sel *kay.Selection, opt FeatureOptions, bn string) string {
	h := sha256.New()
	fmt.Fprintln(h, "v4", m.Arch.Name, m.Weights, bn, opt.Views, opt.Augment, opt.Seed)
	if st, err := os.Stat(m.Weights); err == nil {
		fmt.Fprintln(h, st.Size(), st.ModTime().UnixNano())
	}
	for _, split := range []struct {
		im  kay.Images
		idx []int
	}{{d.Train.Stimuli, sel.Train.Index}, {d.Test.Stimuli, sel.Test.Index}} {
		var buf []byte
		for _, i := range split.idx {
			buf = appendFloat32s(buf[:0], split.im.At(i))
			h.Write(buf)
		}
		fmt.Fprintln(h, len(split.idx))
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// appendFloat32s appends x to buf as little-endian float32 (the bytes
// binary.Write writes, without its allocation per call).
func appendFloat32s(buf []byte, x []float32) []byte {
	for _, v := range x {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
	}
	return buf
}

// spread is the mean over output units of the standard deviation across
// test images.
func (f *Features) spread() float64 {
	var sd float64
	for k := range cnn.Classes {
		var s, ss float64
		for i := range f.NTest {
			v := float64(f.Test[i*cnn.Classes+k])
			s += v
			ss += v * v
		}
		m := s / float64(f.NTest)
		sd += math.Sqrt(math.Max(ss/float64(f.NTest)-m*m, 0))
	}
	return sd / cnn.Classes
}

// Distort changes a quantized test image (values in [0, 1]) before
// normalisation; i is the image's position in the selection's test subset.
// It is called from several goroutines at once and must depend only on its
// arguments (a random draw seeded by i, as the box blur's).
type Distort func(i int, pix []float32, h, w int) []float32

// DistortedLogitsSet runs the backbone on the selection's test images as
// each distortion changes them, cached under the features' key plus the
// distortion's name (which must identify it, its level and seed); those not
// cached run in one pass, so batches stay full.
func DistortedLogitsSet(ctx context.Context, m *cnn.Model, d *kay.Dataset, sel *kay.Selection, z Normalizer,
	distorts []Distort, names []string, opt FeatureOptions) ([][]float32, error) {
	logits, _, err := DistortedSet(ctx, m, d, sel, z, distorts, names, 0, opt)
	return logits, err
}

// DistortedName names a distorted test set for DistortedSet's cache: the
// distortion, its level and the seed of its random draws.
func DistortedName(distortion string, level float64, seed int64) string {
	return fmt.Sprintf("%s-%g-seed%d", distortion, level, seed)
}

// DistortedSet is DistortedLogitsSet that also keeps, for the first
// withLayers distortions, the backbone's default layers pooled as
// opt.LayersPool (the layer-wise analysis's features of the distorted test
// images, for its in-silico curves), from the same pass and cached beside
// the layer features of the clean images (layers[k]: nil for k >=
// withLayers, or without opt.LayersPool).
func DistortedSet(ctx context.Context, m *cnn.Model, d *kay.Dataset, sel *kay.Selection, z Normalizer,
	distorts []Distort, names []string, withLayers int, opt FeatureOptions) ([][]float32, []*cnn.LayerOutput, error) {
	return distortedSet(ctx, m, d, sel, z, distorts, names, withLayers, true, opt)
}

// DistortedLogitsCachingLayers is DistortedSet for a caller that needs
// only the logits (the robustness sweep): the first withLayers sets'
// layers are computed and cached where they are not cached yet, but not
// read or returned.
func DistortedLogitsCachingLayers(ctx context.Context, m *cnn.Model, d *kay.Dataset, sel *kay.Selection, z Normalizer,
	distorts []Distort, names []string, withLayers int, opt FeatureOptions) ([][]float32, error) {
	logits, _, err := distortedSet(ctx, m, d, sel, z, distorts, names, withLayers, false, opt)
	return logits, err
}

// distortedSet is DistortedSet, returning the layers only with load.
func distortedSet(ctx context.Context, m *cnn.Model, d *kay.Dataset, sel *kay.Selection, z Normalizer,
	distorts []Distort, names []string, withLayers int, load bool, opt FeatureOptions) ([][]float32, []*cnn.LayerOutput, error) {
	im := d.Test.Stimuli
	n := len(sel.Test.Index)
	out := make([][]float32, len(distorts))
	outLayers := make([]*cnn.LayerOutput, len(distorts))
	if opt.LayersPool == "" {
		withLayers = 0
	}
	lf := &LayerFeatures{Layers: m.Arch.DefaultLayers(), Pool: opt.LayersPool}
	paths, layerPaths := make([]string, len(distorts)), make([]string, len(distorts))
	var todo []int
	var key string
	if opt.CacheDir != "" {
		key = cacheKey(m, d, sel, FeatureOptions{Views: 1})
	}
	for k, name := range names {
		if opt.CacheDir == "" {
			todo = append(todo, k)
			continue
		}
		paths[k] = filepath.Join(opt.CacheDir, fmt.Sprintf("%s-test-%s.npz", m.Arch.Name, shortHash(key+"|"+name)))
		x, err := readLogits(paths[k], n)
		if err != nil {
			reportBadCache(opt.Progress, paths[k], err)
		}
		ok := err == nil
		if k < withLayers {
			layerPaths[k] = filepath.Join(opt.CacheDir, fmt.Sprintf("%s-layers-test-%s.npz", m.Arch.Name,
				shortHash(key+"|"+name+"|"+lf.Pool+"|"+strings.Join(lf.Layers, ","))))
			l := *lf
			if !load {
				_, err := os.Stat(layerPaths[k])
				ok = ok && err == nil
			} else if err := l.read(layerPaths[k], 0, n); err != nil {
				reportBadCache(opt.Progress, layerPaths[k], err)
				ok = false
			} else {
				outLayers[k] = &l.Test
			}
		}
		if ok {
			out[k] = x
			continue
		}
		todo = append(todo, k)
	}
	if len(todo) == 0 {
		return out, outLayers, nil
	}
	// Distorted images equal to one another go through the backbone once:
	// Gaussian blur of sigma 0 and a box kernel of 1 give the image itself,
	// and a box kernel drawn at two levels gives one image (the default
	// Gaussian and box sweeps together: 917 distinct of 1140 at the full
	// size, 451 of 570 on the default dataset).
	var uniq [][]float32 // distinct distorted images (quantized, before normalisation)
	byHash := map[uint64][]int{}
	hseed := maphash.MakeSeed()
	var buf []byte
	imgs := make([][]float32, len(todo)*n)
	parallel.For(len(imgs), func(r int) {
		k, i := todo[r/n], r%n
		imgs[r] = distorts[k](i, Quantize(im.At(sel.Test.Index[i])), im.H, im.W)
	})
	where := make([][]int, len(todo)) // todo position -> test image -> uniq index
	for j := range todo {
		where[j] = make([]int, n)
		for i := range n {
			q := imgs[j*n+i]
			buf = appendFloat32s(buf[:0], q)
			h := maphash.Bytes(hseed, buf)
			u := slices.IndexFunc(byHash[h], func(u int) bool { return slices.Equal(uniq[u], q) })
			if u < 0 {
				byHash[h] = append(byHash[h], len(uniq))
				u, uniq = len(uniq), append(uniq, q)
			} else {
				u = byHash[h][u]
			}
			where[j][i] = u
		}
	}
	// The distinct images some distortion keeps the layers of go through
	// the layer-extracting graph, the others through the plain one (about
	// an eighth faster): row[u] is image u's row in acts, -1 when it has
	// none.
	need := make([]bool, len(uniq))
	for j, k := range todo {
		if k < withLayers {
			for _, u := range where[j] {
				need[u] = true
			}
		}
	}
	row := make([]int, len(uniq))
	var with, without []int
	for u := range uniq {
		if need[u] {
			row[u], with = len(with), append(with, u)
		} else {
			row[u], without = -1, append(without, u)
		}
	}
	images := func(us []int) cnn.Images {
		return cnn.Images{N: len(us), H: im.H, W: im.W, Fill: func(dst []float32, lo, hi int) {
			size := 3 * im.H * im.W
			for r := lo; r < hi; r++ {
				z.Tensor(dst[(r-lo)*size:(r-lo+1)*size], uniq[us[r]])
			}
		}}
	}
	label := func(part string, us []int) string {
		if len(todo) == 1 {
			return m.Arch.Name + " " + names[todo[0]] + part
		}
		return fmt.Sprintf("%s %d distortions%s (%d distinct images of %d)", m.Arch.Name, len(todo), part, len(us), n*len(todo))
	}
	logits := make([]float32, len(uniq)*cnn.Classes)
	place := func(us []int, from []float32) { // a pass's logits into logits, by image
		for r, u := range us {
			copy(logits[u*cnn.Classes:(u+1)*cnn.Classes], from[r*cnn.Classes:(r+1)*cnn.Classes])
		}
	}
	var acts cnn.LayerOutput // the layers of the images in with, in its order
	if len(with) > 0 {
		part := ""
		if len(without) > 0 {
			part = ", those with layers kept"
		}
		l, err := lf.extract(ctx, m, &acts, images(with), max(opt.Batch, 1), label(part, with), opt.Progress)
		if err != nil {
			return nil, nil, err
		}
		if err := finite(m, acts.Data...); err != nil {
			return nil, nil, err
		}
		place(with, l)
	}
	if len(without) > 0 {
		part := ""
		if len(with) > 0 {
			part = ", the others"
			// one compiled graph resident at a time (two took the
			// densenet121 task's peak from 3.6 to 4.4 GB)
			m.Release()
		}
		res, err := m.Extract(ctx, images(without), max(opt.Batch, 1), label(part, without), opt.Progress)
		if err != nil {
			return nil, nil, err
		}
		place(without, res.Logits)
	}
	if err := finite(m, logits); err != nil {
		return nil, nil, err
	}
	for j, k := range todo {
		out[k] = make([]float32, n*cnn.Classes)
		for i, u := range where[j] {
			copy(out[k][i*cnn.Classes:(i+1)*cnn.Classes], logits[u*cnn.Classes:(u+1)*cnn.Classes])
		}
		if k < withLayers {
			lo := cnn.LayerOutput{N: n, Layers: acts.Layers, Pool: acts.Pool, Widths: acts.Widths, Data: make([][]float32, len(acts.Data))}
			for l, w := range acts.Widths {
				lo.Data[l] = make([]float32, n*w)
				for i, u := range where[j] {
					copy(lo.Data[l][i*w:(i+1)*w], acts.Data[l][row[u]*w:(row[u]+1)*w])
				}
			}
			outLayers[k] = &lo
		}
		if paths[k] == "" {
			continue
		}
		if err := os.MkdirAll(opt.CacheDir, 0o755); err != nil {
			return nil, nil, err
		}
		if err := npfile.WriteNPZ(paths[k], npfile.Entry{Key: "logits", Array: npfile.Array{Shape: []int{n, cnn.Classes}, Data: out[k]}}); err != nil {
			return nil, nil, err
		}
		if k < withLayers {
			if err := (&LayerFeatures{Layers: lf.Layers, Pool: lf.Pool, Test: *outLayers[k]}).write(layerPaths[k], m); err != nil {
				return nil, nil, err
			}
		}
		if !load {
			outLayers[k] = nil
		}
	}
	return out, outLayers, nil
}

func readLogits(path string, n int) ([]float32, error) {
	z, err := npfile.OpenNPZ(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	a, err := z.Read("logits")
	if err != nil {
		return nil, err
	}
	x, ok := a.Data.([]float32)
	if !ok || len(x) != n*cnn.Classes {
		return nil, fmt.Errorf("%s: key \"logits\": want float32 (%d,%d), got %s", path, n, cnn.Classes, a.Describe())
	}
	if err := a.CheckFinite(); err != nil {
		return nil, fmt.Errorf("%s: key \"logits\": %w", path, err)
	}
	return x, nil
}

// reportBadCache says why a cache file that exists is not used (it is
// recomputed and overwritten); a missing one is the normal first run.
func reportBadCache(w io.Writer, path string, err error) {
	if _, statErr := os.Stat(path); statErr == nil && w != nil {
		fmt.Fprintf(w, "cache: %v; recomputing\n", err)
	}
}

// finite refuses backbone outputs holding NaN or infinity (from weights that
// hold them, or an overflow), before they are cached or trained on.
func finite(m *cnn.Model, outs ...[]float32) error {
	for _, x := range outs {
		for i, v := range x {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return fmt.Errorf("cnn %s (weights %s): output %d of image %d is %v: the network produces non-finite values", m.Arch.Name, m.Weights, i%cnn.Classes, i/cnn.Classes, v)
			}
		}
	}
	return nil
}
