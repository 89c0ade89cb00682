package encoding

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// Options set the encoding analysis.
type Options struct {
	Ridge RidgeOptions
	// Voxels is the number of voxels, best by training cross-validation,
	// whose patterns identify the test images; 0: AutoVoxels (500, Kay et
	// al.'s number, for the real data's 8,428 voxels, the same share of a
	// dataset with fewer).
	// whose patterns identify the test images (Kay et al. used 500).
	Voxels int
	// Pool is the side of the grid the Gabor energy is averaged on (the
	// pyramid's 16 x 16 cells pooled to Pool x Pool; 8: 3,072 features for
	// 128-pixel images).
	Pool int
	// Pyramid is the Gabor pyramid the features come from (zero:
	// synth.DefaultPyramid, the simulator's own). Another one fits the
	// simulated brain without sharing its generator's channels: the
	// recovery test's non-circular case.
	Pyramid synth.PyramidSpec
	// Curve lists the voxel counts of the identification curve.
	Curve []int
	// Repeats are the per-trial responses for noise ceilings and voxel
	// reliability; nil: read kay.RepeatsFile from the dataset's folder
	// where there is one.
	Repeats *kay.Repeats `json:"-"`
	// Bootstraps are the resamples of the test images for the interval of
	// each area's score over its reliable voxels (0: 200).
	Bootstraps int
}

// DefaultOptions: 5 folds, AutoVoxels, an 8 x 8 grid.
func DefaultOptions() Options {
	return Options{Ridge: RidgeOptions{Folds: 5, Seed: 1}, Pool: 8, Curve: []int{25, 50, 100, 200, 500, 1000, 2000}}
}

// Features are the Gabor-wavelet-pyramid features of images (rows): the
// square-root contrast energy of every channel (spatial frequencies from 1
// to 32 cycles per image in octaves, 8 orientations, quadrature pairs) on a
// pool x pool grid of positions (the simulator's pyramid, synth.GaborEnergy,
// whose 16 x 16 cells are averaged in blocks).
func Features(im kay.Images, idx []int, pool int) (*mat.Dense, error) {
	return FeaturesOf(im, idx, pool, synth.DefaultPyramid)
}

// FeaturesOf is Features through the Gabor pyramid ps.
func FeaturesOf(im kay.Images, idx []int, pool int, ps synth.PyramidSpec) (*mat.Dense, error) {
	if pool < 1 || synth.Grid%pool != 0 {
		return nil, fmt.Errorf("encoding: grid %d: want a divisor of %d", pool, synth.Grid)
	}
	if err := ps.Validate(); err != nil {
		return nil, fmt.Errorf("encoding: %w", err)
	}
	imgs := make([][]float32, len(idx))
	for k, i := range idx {
		imgs[k] = im.At(i)
	}
	energy := synth.GaborEnergyOf(imgs, im.H, ps)
	channels := len(energy[0]) / (synth.Grid * synth.Grid)
	block := synth.Grid / pool
	out := mat.NewDense(len(idx), channels*pool*pool, nil)
	for k, e := range energy {
		row := out.RawRowView(k)
		for ch := range channels {
			for gy := range synth.Grid {
				for gx := range synth.Grid {
					cell := ch*pool*pool + (gy/block)*pool + gx/block
					row[cell] += float64(e[ch*synth.Grid*synth.Grid+gy*synth.Grid+gx]) / float64(block*block)
				}
			}
		}
	}
	return out, nil
}

// AutoVoxels is the identification's default voxel count for a dataset of n
// voxels: Kay et al.'s 500 for the real data's 8,428 and the same share
// (5.9%) of smaller ones (63 of the quick simulator's 1,054), at least 10.
func AutoVoxels(n int) int {
	return max(10, min(500, int(math.Round(500*float64(n)/8428))))
}

// Proportion is an accuracy with its exact (Clopper-Pearson) 95% interval
// and chance level.
type Proportion struct {
	Correct int     `json:"correct"`
	N       int     `json:"n"`
	Value   float64 `json:"value"`
	Low     float64 `json:"ci_low"`
	High    float64 `json:"ci_high"`
	Chance  float64 `json:"chance"`
}

// NewProportion is k of n with its Clopper-Pearson interval at 95%.
func NewProportion(k, n int, chance float64) Proportion {
	p := Proportion{Correct: k, N: n, Value: float64(k) / float64(n), Chance: chance, Low: 0, High: 1}
	if k > 0 {
		p.Low = distuv.Beta{Alpha: float64(k), Beta: float64(n - k + 1)}.Quantile(0.025)
	}
	if k < n {
		p.High = distuv.Beta{Alpha: float64(k + 1), Beta: float64(n - k)}.Quantile(0.975)
	}
	return p
}

// Identify is Kay et al.'s identification: for each test image, the
// correlation (over the given voxels) of its measured pattern with every
// test image's predicted pattern; the image is identified when its own
// prediction correlates best. It returns how many were identified.
func Identify(measured, predicted *mat.Dense, voxels []int) int {
	n, _ := measured.Dims()
	m := make([][]float64, n)
	p := make([][]float64, n)
	for i := range n {
		m[i], p[i] = make([]float64, len(voxels)), make([]float64, len(voxels))
		for k, v := range voxels {
			m[i][k], p[i][k] = measured.At(i, v), predicted.At(i, v)
		}
	}
	correct := 0
	for i := range n {
		bestJ, bestR := -1, math.Inf(-1)
		for j := range n {
			if r := stats.Pearson(m[i], p[j]); r > bestR {
				bestJ, bestR = j, r
			}
		}
		if bestJ == i {
			correct++
		}
	}
	return correct
}

// ROIAccuracy is the prediction accuracy of one area's voxels.
type ROIAccuracy struct {
	ROI    string        `json:"roi"`
	Voxels int           `json:"voxels"`
	Median jsonnum.Float `json:"median_r"` // median over voxels of the test prediction correlation (null: undefined)
	// Identification uses this area's voxels alone (its best by
	// cross-validation, up to Options.Voxels).
	Identification Proportion `json:"identification"`
	// NoiseCeiling is the median over the area's voxels of the test
	// responses' noise ceiling (NoiseCeilings; NaN, null in JSON, without
	// repeated measurements) and FractionOfCeiling the median prediction r
	// over that.
	NoiseCeiling      jsonnum.Float `json:"noise_ceiling"`
	FractionOfCeiling jsonnum.Float `json:"fraction_of_ceiling"`
	// Reliable is the area's encoding score as the layer-wise comparison
	// computes it (the same fit, voxels and median, MedianR): the median
	// test r over the area's voxels reliable on the training images
	// (Result.ReliabilityMethod; ReliableVoxels of them, Fallback when fewer
	// than MinReliable passed and the most reliable were taken), with a 95%
	// percentile bootstrap interval over test images, and the median noise
	// ceiling of those voxels.
	ReliableVoxels  int           `json:"reliable_voxels"`
	Fallback        bool          `json:"reliable_fallback,omitempty"`
	Reliable        jsonnum.Float `json:"median_r_reliable"`
	ReliableLow     jsonnum.Float `json:"median_r_reliable_ci_low"`
	ReliableHigh    jsonnum.Float `json:"median_r_reliable_ci_high"`
	ReliableCeiling jsonnum.Float `json:"noise_ceiling_reliable"`
}

// CurvePoint is the identification accuracy with the n best voxels.
type CurvePoint struct {
	Voxels         int        `json:"voxels"`
	Identification Proportion `json:"identification"`
}

// Result is encoding.json.
type Result struct {
	Features       int           `json:"features"`
	TrainImages    int           `json:"train_images"`
	TestImages     int           `json:"test_images"`
	NVoxels        int           `json:"n_voxels"` // used for identification
	Identification Proportion    `json:"identification"`
	Curve          []CurvePoint  `json:"identification_curve"`
	ROIs           []ROIAccuracy `json:"rois"`
	MedianR        jsonnum.Float `json:"median_r"` // over every voxel (null: undefined)
	Folds          int           `json:"folds"`
	Lambdas        []float64     `json:"lambdas"` // the relative penalties tried
	// ReliabilityMethod says how the voxels' reliability on the training
	// images was measured (ReliabilityRepeats or ReliabilityModel).
	ReliabilityMethod string `json:"reliability_method"`
	// Reliability is every voxel's (not in encoding.json).
	Reliability *Reliability `json:"-"`
	// TestR and CVR are every voxel's test and cross-validated
	// correlations, Ceiling its test noise ceiling (NaN without repeats;
	// none of them in encoding.json: figures use them).
	TestR, CVR, Ceiling []float64 `json:"-"`
	// Model is the fitted ridge regression (not in encoding.json).
	Model *Ridge `json:"-"`
	// Gabor are the features it was fitted on (not in encoding.json), for
	// analyses of the same images (the layers stage's Gabor reference).
	Gabor *ImageFeatures `json:"-"`
}

// ImageFeatures are the Gabor features (Features) of every training and
// test image of a dataset, rows in the dataset's order, at grid Pool.
type ImageFeatures struct {
	Train, Test *mat.Dense
	Pool        int
}

// Rows returns the training rows train and the test rows test.
func (f *ImageFeatures) Rows(train, test []int) (*mat.Dense, *mat.Dense) {
	return rows(f.Train, train), rows(f.Test, test)
}

// Run fits the GWP encoding model on the training images and evaluates it on
// the test images: prediction accuracy per voxel and area, and
// identification of the test images from the measured responses.
func Run(d *kay.Dataset, opt Options, progress io.Writer) (*Result, error) {
	if err := opt.Ridge.Validate(); err != nil {
		return nil, err
	}
	if opt.Voxels < 0 {
		return nil, fmt.Errorf("encoding: %d voxels for identification: want at least 1 (0: automatic)", opt.Voxels)
	}
	if opt.Voxels == 0 {
		opt.Voxels = AutoVoxels(d.Voxels())
	}
	logf := func(format string, args ...any) {
		if progress != nil {
			fmt.Fprintf(progress, format+"\n", args...)
		}
	}
	all := func(n int) []int {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	ps := opt.Pyramid
	if ps == (synth.PyramidSpec{}) {
		ps = synth.DefaultPyramid
	}
	xtr, err := FeaturesOf(d.Train.Stimuli, all(d.Train.Stimuli.N), opt.Pool, ps)
	if err != nil {
		return nil, err
	}
	xte, err := FeaturesOf(d.Test.Stimuli, all(d.Test.Stimuli.N), opt.Pool, ps)
	if err != nil {
		return nil, err
	}
	_, nf := xtr.Dims()
	logf("encoding: Gabor features %d per image, %d training and %d test images, %d voxels", nf, d.Train.Stimuli.N, d.Test.Stimuli.N, d.Voxels())
	ytr := mat.NewDense(d.Train.Responses.Rows, d.Train.Responses.Cols, d.Train.Responses.Data)
	yte := mat.NewDense(d.Test.Responses.Rows, d.Test.Responses.Cols, d.Test.Responses.Data)
	// the encoding score's one fit (FitFeatures), as the layer-wise
	// comparison fits every layer
	x32 := f32(xtr)
	fit, err := FitFeatures(x32, d.Train.Stimuli.N, nf, ytr, opt.Ridge)
	if err != nil {
		return nil, err
	}
	pred := fit.PredictFeatures(f32(xte), d.Test.Stimuli.N)
	res := &Result{Features: nf, TrainImages: d.Train.Stimuli.N, TestImages: d.Test.Stimuli.N, Folds: max(opt.Ridge.Folds, 5),
		Lambdas: opt.Ridge.lambdas(), CVR: fit.CV, TestR: columnCorrelations(pred, yte), Model: fit,
		Gabor: &ImageFeatures{Train: xtr, Test: xte, Pool: opt.Pool}}
	if opt.Ridge.Folds != 0 {
		res.Folds = opt.Ridge.Folds
	}
	res.MedianR = jsonnum.Float(median(res.TestR))
	rep := opt.Repeats
	if rep == nil && d.Dir != "" {
		if rep, err = d.LoadRepeats(); err != nil {
			return nil, err
		}
	}
	res.Ceiling = make([]float64, d.Voxels())
	if rep != nil {
		res.Ceiling = NoiseCeilings(rep, 1, d.Test.Stimuli.N, d.Voxels())
	} else {
		for v := range res.Ceiling {
			res.Ceiling[v] = math.NaN()
		}
	}
	if res.Reliability, err = TrainingReliability(rep, x32, nf, all(d.Train.Stimuli.N), ytr, opt.Ridge.Seed); err != nil {
		return nil, err
	}
	res.ReliabilityMethod = res.Reliability.Method
	predT, measT := mat.DenseCopyOf(pred.T()), mat.DenseCopyOf(yte.T())
	boots := opt.Bootstraps
	if boots == 0 {
		boots = 200
	}
	draws := make([][]int, boots)
	rng := rand.New(rand.NewPCG(opt.Ridge.Seed, 0xb007))
	for k := range draws {
		draws[k] = make([]int, d.Test.Stimuli.N)
		for i := range draws[k] {
			draws[k][i] = rng.IntN(d.Test.Stimuli.N)
		}
	}
	chance := 1 / float64(d.Test.Stimuli.N)
	sel := best(fit.CV, opt.Voxels)
	res.NVoxels = len(sel)
	res.Identification = NewProportion(Identify(yte, pred, sel), d.Test.Stimuli.N, chance)
	for _, k := range opt.Curve {
		if k > len(fit.CV) {
			continue
		}
		res.Curve = append(res.Curve, CurvePoint{Voxels: k, Identification: NewProportion(Identify(yte, pred, best(fit.CV, k)), d.Test.Stimuli.N, chance)})
	}
	for r, name := range d.ROINames {
		if r == 0 {
			continue
		}
		vox, err := d.VoxelsOf([]int{r})
		if err != nil || len(vox) == 0 {
			continue
		}
		rs, nc, cvs := make([]float64, len(vox)), make([]float64, len(vox)), make([]float64, len(fit.CV))
		for i := range cvs {
			cvs[i] = math.NaN()
		}
		for k, v := range vox {
			rs[k], nc[k], cvs[v] = res.TestR[v], res.Ceiling[v], fit.CV[v]
		}
		ra := ROIAccuracy{ROI: name, Voxels: len(vox), Median: jsonnum.Float(median(rs)), NoiseCeiling: jsonnum.Float(median(nc)),
			Identification: NewProportion(Identify(yte, pred, best(cvs, opt.Voxels)), d.Test.Stimuli.N, chance)}
		ra.FractionOfCeiling = jsonnum.Float(math.NaN())
		if ra.NoiseCeiling > 0 {
			ra.FractionOfCeiling = ra.Median / ra.NoiseCeiling
		}
		rel, fallback := res.Reliability.ReliableOf(vox, MinReliable)
		ra.ReliableVoxels, ra.Fallback = len(rel), fallback
		ra.Reliable = jsonnum.Float(MedianR(predT, measT, rel, all(d.Test.Stimuli.N)))
		vals := make([]float64, len(draws))
		for k, dr := range draws {
			vals[k] = MedianR(predT, measT, rel, dr)
		}
		ra.ReliableLow, ra.ReliableHigh = jsonnum.Float(stats.Percentile(vals, 2.5)), jsonnum.Float(stats.Percentile(vals, 97.5))
		ra.ReliableCeiling = jsonnum.Float(medianAt(res.Ceiling, rel))
		res.ROIs = append(res.ROIs, ra)
	}
	logf("encoding: identification %d/%d = %.3f [%.3f, %.3f] with the %d best voxels (chance %.4f); median test r %.3f",
		res.Identification.Correct, res.Identification.N, res.Identification.Value, res.Identification.Low, res.Identification.High,
		res.NVoxels, chance, res.MedianR)
	return res, nil
}

// TrainingReliability is every voxel's reliability on the training images
// idx (rows of y, the voxels' training responses; indices into the
// dataset's training images for rep): from the repeated trials where rep
// has two or more per training image (HalvesReliability), else the
// split-half prediction of the reference features x (n x width float32,
// rows as y's; ModelReliability, halves drawn with seed).
func TrainingReliability(rep *kay.Repeats, x []float32, width int, idx []int, y *mat.Dense, seed uint64) (*Reliability, error) {
	_, voxels := y.Dims()
	if rep != nil && rep.Trials[0] >= 2 {
		even, odd, err := TrialHalves(rep, 0, idx, voxels)
		if err != nil {
			return nil, err
		}
		return HalvesReliability(even, odd), nil
	}
	return ModelReliability(x, len(idx), width, y, seed)
}

// medianAt is the median of x at the indices idx (NaNs ignored).
func medianAt(x []float64, idx []int) float64 {
	vals := make([]float64, len(idx))
	for k, i := range idx {
		vals[k] = x[i]
	}
	return median(vals)
}

// f32 is a dense matrix's values (row-major) in float32.
func f32(m *mat.Dense) []float32 {
	r, c := m.Dims()
	out := make([]float32, 0, r*c)
	for i := range r {
		for _, v := range m.RawRowView(i) {
			out = append(out, float32(v))
		}
	}
	return out
}

// median ignores NaNs (NaN when none is left).
func median(x []float64) float64 { return stats.Percentile(x, 50) }
