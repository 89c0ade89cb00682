package layers

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// Encoding is the one measure that is not a comparison of two matrices: the
// median over the ROI's voxels of the test prediction r. The others are
// rsa's methods marked for this stage (rsa.MethodSpec.Layers).
const Encoding = "encoding"

// fractionKey is the encoding score's fraction of the noise ceiling in a
// cell's JSON.
const fractionKey = Encoding + "_fraction_of_ceiling"

// MeasureName is method m's name as a measure (results.json's key): its
// rsa.MethodSpec.LayersKey, else the method's own name.
func MeasureName(m rsa.Method) string {
	if s, err := rsa.Spec(m); err == nil && s.LayersKey != "" {
		return s.LayersKey
	}
	return string(m)
}

// Measures lists the measures in report order: rsa's methods for this stage
// (rsa.LayerMethods) in table order by MeasureName, then Encoding.
func Measures() []string {
	var out []string
	for _, s := range rsa.LayerMethods() {
		out = append(out, MeasureName(s.Method))
	}
	return append(out, Encoding)
}

// Model is one model's layers: each image's feature vector per layer, for
// the selected training images (Train[k]: NTrain x Widths[k]) and test
// images (Test[k]), layers in depth order.
type Model struct {
	Name          string
	Layers        []string
	Widths        []int
	Train, Test   [][]float32
	NTrain, NTest int
	// Reference marks a reference model (the Gabor pyramid, raw pixels):
	// reported beside the CNNs, left out of the depth summary.
	Reference bool
}

// Options set the analysis.
type Options struct {
	Bootstraps int // resamples of the test images for the intervals (0: 200)
	// Permutations of the test images (within classes) for the RSA
	// measures' p-values (0: 10,000; negative: no p-values).
	Permutations int
	Seed         uint64
	// Ridge sets the encoding score's regression; without folds or
	// penalties given, each voxel's penalty is chosen by exact
	// leave-one-out (encoding.RidgeOptions.LeaveOneOut).
	Ridge encoding.RidgeOptions
	// Gabor, when set, are the dataset's Gabor features at the encoding
	// model's default grid (encoding.Result.Gabor, so that a study computes
	// them once); nil: Run computes them.
	Gabor *encoding.ImageFeatures
}

// Brain is the selected data the layers are compared with: per ROI its
// voxels' training and test responses and, where the data have repeats,
// their noise ceilings.
type Brain struct {
	ROIs    []string
	train   *mat.Dense   // selected training images x all ROI voxels
	test    *mat.Dense   // selected test images x all ROI voxels
	testT   *mat.Dense   // its transpose: a voxel's test responses contiguous
	cols    [][]int      // per ROI: its columns in train/test
	rsms    []rsa.Matrix // cosine RSM of each ROI's test patterns
	kernels []rsa.Matrix // linear kernel of each ROI's test patterns
	ceiling []float64    // per ROI: its voxels' median noise ceiling (NaN without repeats)
	labels  []int        // each selected test image's class
}

// NewBrain gathers the ROIs' responses for the selection (V1..LatOcc when
// rois is empty) and their test noise ceilings from rep (nil: none).
func NewBrain(d *kay.Dataset, sel *kay.Selection, rois []string, rep *kay.Repeats) (*Brain, error) {
	if len(rois) == 0 {
		rois = d.ROINames[1:]
	}
	b := &Brain{ROIs: slices.Clone(rois), labels: sel.Test.Y}
	var all []int
	for _, name := range rois {
		vox, err := d.ROIVoxels(name)
		if err != nil {
			return nil, err
		}
		cols := make([]int, len(vox))
		for k, v := range vox {
			cols[k] = len(all)
			all = append(all, v)
		}
		b.cols = append(b.cols, cols)
	}
	gather := func(m kay.Matrix, idx []int) *mat.Dense {
		out := mat.NewDense(len(idx), len(all), nil)
		for a, i := range idx {
			row := m.Row(i)
			for c, v := range all {
				out.Set(a, c, row[v])
			}
		}
		return out
	}
	b.train, b.test = gather(d.Train.Responses, sel.Train.Index), gather(d.Test.Responses, sel.Test.Index)
	b.testT = mat.DenseCopyOf(b.test.T())
	var nc []float64
	if rep != nil {
		nc = encoding.NoiseCeilings(rep, 1, d.Test.Stimuli.N, d.Voxels())
	}
	for _, cols := range b.cols {
		ceil := math.NaN()
		if nc != nil {
			var vals []float64
			for _, c := range cols {
				vals = append(vals, nc[all[c]])
			}
			ceil = stats.Percentile(vals, 50)
		}
		b.ceiling = append(b.ceiling, ceil)
	}
	for k := range rois {
		p := b.patterns(k)
		rsm, err := rsa.Cosine(p)
		if err != nil {
			return nil, fmt.Errorf("layers: ROI %s: %w", rois[k], err)
		}
		kern, err := rsa.LinearKernel(p)
		if err != nil {
			return nil, fmt.Errorf("layers: ROI %s: %w", rois[k], err)
		}
		rsm.Labels, kern.Labels = b.labels, b.labels
		b.rsms, b.kernels = append(b.rsms, rsm), append(b.kernels, kern)
	}
	return b, nil
}

// patterns are ROI k's test patterns.
func (b *Brain) patterns(k int) rsa.Patterns {
	n, _ := b.test.Dims()
	p := rsa.Patterns{N: n, D: len(b.cols[k]), X: make([]float32, 0, n*len(b.cols[k]))}
	for i := range n {
		for _, c := range b.cols[k] {
			p.X = append(p.X, float32(b.test.At(i, c)))
		}
	}
	return p
}

// Score is an estimate with its 95% interval over test images (NaN where
// undefined): the percentile bootstrap (images resampled within classes)
// for the RSM methods and the encoding score, the leave-one-image-out
// jackknife for the kernel methods (rsa.MethodSpec.Kernel;
// rsa.JackknifeInterval says why). A tested method's score (rsa.MethodSpec
// .Tested) carries its permutation Test; the others' is nil.
type Score struct {
	Value jsonnum.Float `json:"value"`
	Low   jsonnum.Float `json:"ci_low"`
	High  jsonnum.Float `json:"ci_high"`
	*Test
}

// Test is a score's permutation test: H0, the layer's and the ROI's
// dissimilarities of images of one class are unrelated beyond the class
// structure (the test images' labels permuted within classes, so the class
// blocks both sides may share stay in the null); one-sided, H1 a positive
// relation. P is (1 + #{permuted >= observed}) / (1 + permutations); PBH is
// P adjusted by Benjamini-Hochberg across the model's layer x ROI table of
// the measure. NaN where not computed.
type Test struct {
	P   jsonnum.Float `json:"p"`
	PBH jsonnum.Float `json:"p_bh"`
}

// Cell is one (layer, ROI) comparison: every measure's score by name
// (Measures). In JSON one object, each measure's score under its name and
// the fraction of the ceiling under "encoding_fraction_of_ceiling".
type Cell struct {
	Scores map[string]Score
	// FractionOfCeiling is the encoding score over the ROI's median noise
	// ceiling (NaN without repeated measurements).
	FractionOfCeiling jsonnum.Float
}

// Get returns the measure's score (NaN when the cell has none).
func (c Cell) Get(measure string) Score {
	if s, ok := c.Scores[measure]; ok {
		return s
	}
	nan := jsonnum.Float(math.NaN())
	return Score{Value: nan, Low: nan, High: nan}
}

// Tested returns the measure's permutation test, for the measures that
// have one (rsa.MethodSpec.Tested).
func (c Cell) Tested(measure string) (Test, bool) {
	if s, ok := c.Scores[measure]; ok && s.Test != nil {
		return *s.Test, true
	}
	return Test{}, false
}

// MarshalJSON writes the cell as one object: the scores by measure and
// encoding_fraction_of_ceiling.
func (c Cell) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(c.Scores)+1)
	for m, s := range c.Scores {
		out[m] = s
	}
	out[fractionKey] = c.FractionOfCeiling
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (c *Cell) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*c = Cell{Scores: make(map[string]Score, len(raw)), FractionOfCeiling: jsonnum.Float(math.NaN())}
	for k, v := range raw {
		if k == fractionKey {
			if err := json.Unmarshal(v, &c.FractionOfCeiling); err != nil {
				return fmt.Errorf("layers: cell's %s: %w", k, err)
			}
			continue
		}
		var s Score
		if err := json.Unmarshal(v, &s); err != nil {
			return fmt.Errorf("layers: cell's %s: %w", k, err)
		}
		c.Scores[k] = s
	}
	return nil
}

// Compare computes every (layer, ROI) cell of model m: cells[layer][roi].
func (b *Brain) Compare(m Model, opt Options) ([][]Cell, error) {
	ntr, _ := b.train.Dims()
	nte, _ := b.test.Dims()
	if m.NTrain != ntr || m.NTest != nte {
		return nil, fmt.Errorf("layers: model %s has %d/%d images, the brain %d/%d", m.Name, m.NTrain, m.NTest, ntr, nte)
	}
	boots := opt.Bootstraps
	if boots == 0 {
		boots = 200
	}
	if opt.Ridge.Folds == 0 && len(opt.Ridge.Lambdas) == 0 {
		opt.Ridge.LeaveOneOut = true
	}
	// Test images resampled within classes (keeping the class sizes, as
	// rsa.Test does), the same draws for every measure, layer and ROI.
	draws := make([][]int, boots)
	rng := rand.New(rand.NewPCG(opt.Seed, 0xb007))
	strata := rsa.Strata(b.labels, nte)
	for k := range draws {
		draws[k] = rsa.Draw(strata, nte, rng)
	}
	// Each layer's matrices and encoding fit, two layers at a time (the
	// Gram matrix's tridiagonal reduction is serial).
	rsms, kerns := make([]rsa.Matrix, len(m.Layers)), make([]rsa.Matrix, len(m.Layers))
	preds, errs := make([]*mat.Dense, len(m.Layers)), make([]error, len(m.Layers))
	parallel.For(len(m.Layers), func(l int) {
		test := rsa.Patterns{N: nte, D: m.Widths[l], X: m.Test[l]}
		var err error
		if rsms[l], err = rsa.Cosine(test); err == nil {
			if kerns[l], err = rsa.LinearKernel(test); err == nil {
				preds[l], err = b.encode(m.Train[l], m.Test[l], m.Widths[l], opt.Ridge)
			}
		}
		rsms[l].Labels, kerns[l].Labels = b.labels, b.labels
		if err != nil {
			errs[l] = fmt.Errorf("layers: %s %s: %w", m.Name, m.Layers[l], err)
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	methods := rsa.LayerMethods()
	cells := make([][]Cell, len(m.Layers))
	for l := range m.Layers {
		rsm, kern, r := rsms[l], kerns[l], mat.DenseCopyOf(preds[l].T())
		cells[l] = make([]Cell, len(b.ROIs))
		parallel.For(len(b.ROIs), func(k int) {
			c := Cell{Scores: make(map[string]Score, len(methods)+1)}
			for _, s := range methods {
				if s.Kernel {
					c.Scores[MeasureName(s.Method)] = jackknife(kern, b.kernels[k], s.Method)
				} else {
					c.Scores[MeasureName(s.Method)] = bootstrap(draws, resampler(rsm, b.rsms[k], s.Method))
				}
			}
			enc := bootstrap(draws, func(idx []int) float64 { return b.medianR(r, k, idx) })
			c.Scores[Encoding] = enc
			c.FractionOfCeiling = jsonnum.Float(math.NaN())
			if b.ceiling[k] > 0 {
				c.FractionOfCeiling = enc.Value / jsonnum.Float(b.ceiling[k])
			}
			cells[l][k] = c
		})
	}
	if err := b.permutationTests(cells, rsms, kerns, opt); err != nil {
		return nil, fmt.Errorf("layers: %s: %w", m.Name, err)
	}
	return cells, nil
}

// permutationTests fills the tested methods' p-values (rsa.MethodSpec
// .Tested): every layer against every ROI under the same stratified
// permutations of the test images (rsa.PermutationPValues: each equals
// rsa.Test's for its pair), adjusted by Benjamini-Hochberg across the layer
// x ROI table. rsms and kerns are the layers' matrices (kerns only needed
// for a tested kernel method).
func (b *Brain) permutationTests(cells [][]Cell, rsms, kerns []rsa.Matrix, opt Options) error {
	perms := opt.Permutations
	if perms == 0 {
		perms = 10000
	}
	cfg := rsa.TestConfig{Permutations: max(perms, 0), Seed: opt.Seed, Stratify: true}
	for _, s := range rsa.LayerMethods() {
		if !s.Tested {
			continue
		}
		layer, brain := rsms, b.rsms
		if s.Kernel {
			layer, brain = kerns, b.kernels
		}
		p, err := rsa.PermutationPValues(layer, brain, s.Method, cfg)
		if err != nil {
			return err
		}
		var flat []float64
		for l := range cells {
			flat = append(flat, p[l]...)
		}
		adj := stats.BenjaminiHochberg(flat)
		name := MeasureName(s.Method)
		for l := range cells {
			for k := range cells[l] {
				c := &cells[l][k]
				if c.Scores == nil {
					c.Scores = map[string]Score{}
				}
				sc := c.Scores[name]
				sc.Test = &Test{P: jsonnum.Float(p[l][k]), PBH: jsonnum.Float(adj[l*len(cells[l])+k])}
				c.Scores[name] = sc
			}
		}
	}
	return nil
}

// encode fits the voxel-wise ridge regression (penalty per voxel by
// cross-validation on the training images) and predicts the test images'
// responses of every ROI voxel.
func (b *Brain) encode(train, test []float32, width int, ropt encoding.RidgeOptions) (*mat.Dense, error) {
	ntr, _ := b.train.Dims()
	nte, _ := b.test.Dims()
	k, kt := encoding.StandardGrams(train, test, ntr, nte, width)
	fit, err := encoding.FitRidgeGram(k, b.train, ropt)
	if err != nil {
		return nil, err
	}
	return fit.PredictGram(kt), nil
}

// resampler is rsa's method of two matrices over the test images, stimuli
// renamed by a resample within classes (rsa.Resampler): a repeated image
// gives no pair. NaN where the statistic is undefined.
func resampler(x, y rsa.Matrix, m rsa.Method) func(idx []int) float64 {
	r, err := rsa.NewResampler(x, y, m)
	if err != nil {
		return func([]int) float64 { return math.NaN() }
	}
	return r.Compare
}

// medianR is the median over ROI k's voxels of the correlation between
// predicted and measured responses over the images idx (predT: voxels x
// test images).
func (b *Brain) medianR(predT *mat.Dense, k int, idx []int) float64 {
	x, y := make([]float64, len(idx)), make([]float64, len(idx))
	rs := make([]float64, 0, len(b.cols[k]))
	for _, c := range b.cols[k] {
		p, m := predT.RawRowView(c), b.testT.RawRowView(c)
		for a, i := range idx {
			x[a], y[a] = p[i], m[i]
		}
		rs = append(rs, stats.Pearson(x, y))
	}
	return stats.Percentile(rs, 50)
}

// jackknife is the kernel method's value with its leave-one-image-out
// jackknife interval (rsa.JackknifeInterval): a bootstrap resample's
// repeated images inflate CKA, so that its percentile interval can miss the
// estimate (seen on the demo: 0.22 with [0.25, 0.48]).
func jackknife(x, y rsa.Matrix, m rsa.Method) Score {
	v, lo, hi, err := rsa.JackknifeInterval(x, y, m, 0.95)
	if err != nil {
		nan := jsonnum.Float(math.NaN())
		return Score{Value: nan, Low: nan, High: nan}
	}
	return Score{Value: jsonnum.Float(v), Low: jsonnum.Float(lo), High: jsonnum.Float(hi)}
}

// bootstrap is f over all images with the 2.5 and 97.5 percentiles of f over
// the resamples.
func bootstrap(draws [][]int, f func(idx []int) float64) Score {
	n := len(draws[0])
	vals := make([]float64, len(draws))
	for k, d := range draws {
		vals[k] = f(d)
	}
	return Score{Value: jsonnum.Float(f(identity(n))), Low: jsonnum.Float(stats.Percentile(vals, 2.5)), High: jsonnum.Float(stats.Percentile(vals, 97.5))}
}

func identity(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}
