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
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/insilico"
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
	// Distorted are, where Options.InSilico asks for curves, each layer's
	// features of the test images at each level of its distortion
	// (Distorted[level][layer]: NTest x Widths[layer]); nil: no curves for
	// this model.
	Distorted [][][]float32
}

// Options set the analysis.
type Options struct {
	Bootstraps int // resamples of the test images for the intervals (0: 200)
	// Permutations of the test images (within classes) for the RSA
	// measures' p-values (0: 10,000; negative: no p-values).
	Permutations int
	Seed         uint64
	// Ridge sets the encoding score's regression; the zero value is the
	// encoding analysis's own (encoding.DefaultOptions().Ridge: 5 folds),
	// so that both stages score the same features and voxels alike.
	Ridge encoding.RidgeOptions
	// Gabor, when set, are the dataset's Gabor features at the encoding
	// model's default grid (encoding.Result.Gabor, so that a study computes
	// them once); nil: Run computes them.
	Gabor *encoding.ImageFeatures
	// InSilico, when set, has each model's best layer by the encoding score
	// predict its ROI's reliable voxels at every level of a distortion of
	// the test images (Summary.InSilico).
	InSilico *InSilico
}

// InSilico asks the brain's robustness in silico of every model's best
// layer per ROI (by the encoding score, chosen on training images): the
// layer's fitted encoding model predicts the ROI's reliable voxels'
// responses to the test images at each level of Distortion (the model's
// Model.Distorted features), and insilico.Measure compares each level's
// predicted representation with the clean images' prediction. Options
// holds the bootstrap, the seed of the distortion's random draws and, for
// simulated data, the simulated brain's true responses (Options.Truth):
// the true curves over the same voxels (Summary.InSilico.Truth).
type InSilico struct {
	Distortion distortion.Distortion
	Options    insilico.Options
}

// Brain is the selected data the layers are compared with: per ROI its
// reliable voxels' training and test responses (voxels selected on the
// training images only, encoding.TrainingReliability), the held-out
// training images on which the best layer is chosen and, where the data
// have repeats, the noise ceilings.
type Brain struct {
	ROIs    []string
	train   *mat.Dense   // selected training images x the ROIs' reliable voxels
	test    *mat.Dense   // selected test images x the ROIs' reliable voxels
	testT   *mat.Dense   // its transpose: a voxel's test responses contiguous
	cols    [][]int      // per ROI: its reliable voxels' columns in train/test
	voxels  []int        // each column's voxel in the dataset
	rsms    []rsa.Matrix // cosine RSM of each ROI's test patterns
	kernels []rsa.Matrix // linear kernel of each ROI's test patterns
	labels  []int        // each selected test image's class
	// val are the held-out training images (rows of train) the RSA
	// measures choose the best layer on, valRSMs and valKernels each ROI's
	// matrices over them (the encoding score chooses on the ridge fit's
	// cross-validation over all training images).
	val                 []int
	valRSMs, valKernels []rsa.Matrix
	ceilings            []Ceiling
	reliability         string // encoding.Reliability.Method
	// trials are, per ROI, each test trial's ranked RSM upper triangle
	// (trialRanks; nil without two or more test trials): the rsa noise
	// ceiling's subjects, against which PerTrialScore puts a layer.
	trials [][][]float64
}

// Ceiling is an ROI's noise ceilings and voxel counts
// (layers_summary.ceilings.<roi>). RDMLower and RDMUpper are the rsa
// measure's (Spearman of cosine RSMs) noise ceiling as rsatoolbox computes
// it, with the test repeats' trials as its subjects: each trial's RSM of
// the reliable voxels' single-trial patterns, rank-transformed; the upper
// bound is the mean over trials of the Spearman correlation of a trial's
// RSM with the mean of all, the lower bound the same with the mean of the
// others (leave one trial out). They bound a single trial's RSM: the
// layers are compared with the trial means' RSM, which is more reliable, so
// a layer may score above them. Encoding is the median over the reliable
// voxels of their test noise ceiling (encoding.NoiseCeilings), on the
// encoding score's scale. NaN (null) without repeats.
type Ceiling struct {
	RDMLower jsonnum.Float `json:"rdm_lower"`
	RDMUpper jsonnum.Float `json:"rdm_upper"`
	Encoding jsonnum.Float `json:"encoding"`
	Voxels   int           `json:"voxels"`          // the ROI's
	Reliable int           `json:"reliable_voxels"` // those it is scored on
	// Fallback: fewer than encoding.MinReliable voxels were reliable; the
	// most reliable were taken.
	Fallback bool `json:"reliable_fallback,omitempty"`
}

// validationImages is how many held-out training images the RSA measures
// choose the best layer on: half the training images, at most 500 (the
// training responses average fewer trials than the test responses, so
// more images make up for their noise; 500 keeps the matrices small).
func validationImages(ntrain int) int { return min(ntrain/2, 500) }

// NewBrain gathers the ROIs' responses for the selection (V1..LatOcc when
// rois is empty), keeping each ROI's voxels reliable on the training images
// (all of them, as encoding.Run selects them; no test image takes part:
// encoding.TrainingReliability, from the repeats rep where
// it has them, else the split-half prediction of the Gabor model), and
// their noise ceilings from rep (nil: none).
func NewBrain(d *kay.Dataset, sel *kay.Selection, rois []string, rep *kay.Repeats) (*Brain, error) {
	return newBrain(d, sel, rois, rep, nil, 1)
}

// newBrain is NewBrain with the dataset's Gabor features (nil: computed
// when needed) and the seed of the split-half and validation draws.
func newBrain(d *kay.Dataset, sel *kay.Selection, rois []string, rep *kay.Repeats, gabor *encoding.ImageFeatures, seed uint64) (*Brain, error) {
	if len(rois) == 0 {
		if rois = d.Areas(); len(rois) == 0 {
			return nil, fmt.Errorf("layers: no visual area of %v holds voxels", d.ROINames[1:])
		}
	}
	b := &Brain{ROIs: slices.Clone(rois), labels: sel.Test.Y}
	// Reliability from every training image (labels play no part in it),
	// so that the encoding analysis (encoding.Run) selects the same voxels.
	allTrain := identity(d.Train.Stimuli.N)
	ytr := gatherAll(d.Train.Responses, allTrain)
	var x []float32
	var width int
	if rep == nil || rep.Trials[0] < 2 {
		f := gabor
		if f == nil || f.Pool != encoding.DefaultOptions().Pool {
			tr, err := encoding.Features(d.Train.Stimuli, allTrain, encoding.DefaultOptions().Pool)
			if err != nil {
				return nil, err
			}
			f = &encoding.ImageFeatures{Train: tr, Pool: encoding.DefaultOptions().Pool}
		}
		x = f32(f.Train.RawMatrix().Data)
		_, width = f.Train.Dims()
	}
	rel, err := encoding.TrainingReliability(rep, x, width, allTrain, ytr, seed)
	if err != nil {
		return nil, fmt.Errorf("layers: voxel reliability: %w", err)
	}
	b.reliability = rel.Method
	var nc []float64
	if rep != nil {
		nc = encoding.NoiseCeilings(rep, 1, d.Test.Stimuli.N, d.Voxels())
	}
	var all []int
	for _, name := range rois {
		vox, err := d.ROIVoxels(name)
		if err != nil {
			return nil, err
		}
		keep, fallback := rel.ReliableOf(vox, encoding.MinReliable)
		if len(keep) < 2 {
			return nil, fmt.Errorf("layers: ROI %s has %d voxels: want at least 2", name, len(keep))
		}
		c := Ceiling{Voxels: len(vox), Reliable: len(keep), Fallback: fallback, Encoding: jsonnum.Float(math.NaN()),
			RDMLower: jsonnum.Float(math.NaN()), RDMUpper: jsonnum.Float(math.NaN())}
		if nc != nil {
			vals := make([]float64, len(keep))
			for k, v := range keep {
				vals[k] = nc[v]
			}
			c.Encoding = jsonnum.Float(stats.Percentile(vals, 50))
		}
		var ranked [][]float64
		if rep != nil && rep.Trials[1] >= 2 {
			if ranked, err = trialRanks(rep, sel.Test.Index, d.Voxels(), keep); err != nil {
				return nil, fmt.Errorf("layers: ROI %s: %w", name, err)
			}
			lo, hi := ceilingOf(ranked)
			c.RDMLower, c.RDMUpper = jsonnum.Float(lo), jsonnum.Float(hi)
		}
		b.trials = append(b.trials, ranked)
		b.ceilings = append(b.ceilings, c)
		cols := make([]int, len(keep))
		for k, v := range keep {
			cols[k] = len(all)
			all = append(all, v)
		}
		b.cols = append(b.cols, cols)
	}
	b.voxels = all
	b.train, b.test = gather(d.Train.Responses, sel.Train.Index, all), gather(d.Test.Responses, sel.Test.Index, all)
	b.testT = mat.DenseCopyOf(b.test.T())
	ntr := len(sel.Train.Index)
	perm := rand.New(rand.NewPCG(seed, 0x7a1)).Perm(ntr)
	b.val = slices.Sorted(slices.Values(perm[:validationImages(ntr)]))
	valLabels := make([]int, len(b.val))
	for a, i := range b.val {
		valLabels[a] = sel.Train.Y[i]
	}
	for k := range rois {
		for _, split := range []struct {
			p      rsa.Patterns
			labels []int
			rsms   *[]rsa.Matrix
			kerns  *[]rsa.Matrix
		}{{b.patterns(b.test, nil, k), b.labels, &b.rsms, &b.kernels}, {b.patterns(b.train, b.val, k), valLabels, &b.valRSMs, &b.valKernels}} {
			rsm, kern, err := rsa.CosineAndKernel(split.p)
			if err != nil {
				return nil, fmt.Errorf("layers: ROI %s: %w", rois[k], err)
			}
			rsm = rsm.Memo() // ranked against every layer of every model
			rsm.Labels, kern.Labels = split.labels, split.labels
			*split.rsms, *split.kerns = append(*split.rsms, rsm), append(*split.kerns, kern)
		}
	}
	return b, nil
}

// gather is the responses m of the images idx (rows) at the voxels cols.
func gather(m kay.Matrix, idx, cols []int) *mat.Dense {
	out := mat.NewDense(len(idx), len(cols), nil)
	for a, i := range idx {
		row, dst := m.Row(i), out.RawRowView(a)
		for c, v := range cols {
			dst[c] = row[v]
		}
	}
	return out
}

// gatherAll is the responses m of the images idx at every voxel.
func gatherAll(m kay.Matrix, idx []int) *mat.Dense {
	out := mat.NewDense(len(idx), m.Cols, nil)
	for a, i := range idx {
		copy(out.RawRowView(a), m.Row(i))
	}
	return out
}

// RDMCeiling is the noise ceiling (lower, upper) of the rsa measure as
// rsatoolbox's calc_noise_ceiling computes it for the Spearman method,
// with the trials of the test repeats as the subjects: each trial's cosine
// RSM of the voxels vox over the test images idx, its upper triangle
// rank-transformed (rsatoolbox's pool_rdm for rank methods); upper is the
// mean over trials of each one's Spearman correlation with the mean of all
// of them, lower with the mean of the others. NaN with fewer than two
// trials or a constant RSM.
func RDMCeiling(rep *kay.Repeats, idx []int, voxels int, vox []int) (lower, upper float64, err error) {
	if rep.Trials[1] < 2 {
		return math.NaN(), math.NaN(), nil
	}
	ranked, err := trialRanks(rep, idx, voxels, vox)
	if err != nil {
		return 0, 0, err
	}
	lower, upper = ceilingOf(ranked)
	return lower, upper, nil
}

// trialRanks are each test trial's cosine RSM of the voxels vox over the
// test images idx, its upper triangle rank-transformed.
func trialRanks(rep *kay.Repeats, idx []int, voxels int, vox []int) ([][]float64, error) {
	trials := rep.Trials[1]
	ranked := make([][]float64, trials)
	for t := range trials {
		p := rsa.Patterns{N: len(idx), D: len(vox), X: make([]float32, 0, len(idx)*len(vox))}
		for _, i := range idx {
			row := rep.Trial(1, t, i, voxels)
			for _, v := range vox {
				p.X = append(p.X, row[v])
			}
		}
		m, err := rsa.Cosine(p)
		if err != nil {
			return nil, fmt.Errorf("trial %d: %w", t+1, err)
		}
		ranked[t] = stats.Ranks(m.UpperTriangle())
	}
	return ranked, nil
}

// ceilingOf is RDMCeiling's bounds from the ranked trial RSMs.
func ceilingOf(ranked [][]float64) (lower, upper float64) {
	trials := len(ranked)
	sum := make([]float64, len(ranked[0]))
	for _, r := range ranked {
		for j, v := range r {
			sum[j] += v
		}
	}
	others := make([]float64, len(sum))
	for _, r := range ranked {
		for j, v := range r {
			others[j] = sum[j] - v
		}
		upper += stats.Spearman(r, sum) / float64(trials)
		lower += stats.Spearman(r, others) / float64(trials)
	}
	return lower, upper
}

// PerTrialScore is a model RSM's rsa score on the noise ceiling's scale:
// the mean over the test trials of the Spearman correlation between the
// model's RSM upper triangle and each trial's (ranked: trialRanks), as
// rsatoolbox scores a model against its subjects' RDMs. The rsa measure
// compares a layer with the trial means' RSM, which is more reliable than
// any one trial's, so its values may exceed the ceiling; this one cannot
// exceed the upper bound (a model equal to the sum of the ranked trials
// reaches it exactly). NaN without trials.
func PerTrialScore(ranked [][]float64, model []float64) float64 {
	if len(ranked) == 0 {
		return math.NaN()
	}
	var s float64
	for _, r := range ranked {
		s += stats.Spearman(model, r)
	}
	return s / float64(len(ranked))
}

// patterns are ROI k's patterns in responses m (rows: images) over the
// rows idx (nil: all).
func (b *Brain) patterns(m *mat.Dense, idx []int, k int) rsa.Patterns {
	if idx == nil {
		n, _ := m.Dims()
		idx = identity(n)
	}
	p := rsa.Patterns{N: len(idx), D: len(b.cols[k]), X: make([]float32, 0, len(idx)*len(b.cols[k]))}
	for _, i := range idx {
		row := m.RawRowView(i)
		for _, c := range b.cols[k] {
			p.X = append(p.X, float32(row[c]))
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
	// Selection is the measure on held-out training images, on which the
	// best layer is chosen (nested selection; the test images never
	// choose): for the encoding score, the median over the ROI's reliable
	// voxels of the ridge fit's cross-validated correlation on the
	// training images; for the others, the measure over the Brain's
	// validation images (training images none of the test images are).
	Selection jsonnum.Float `json:"selection_value"`
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
	return Score{Value: nan, Low: nan, High: nan, Selection: nan}
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
	cells, _, err := b.compare(m, opt)
	return cells, err
}

// compare is Compare that also returns, for a model with Distorted
// features, each layer's encoding predictions (test images x the brain's
// reliable voxels) of the clean test images and at each distortion level.
func (b *Brain) compare(m Model, opt Options) ([][]Cell, []insilico.Predictions, error) {
	ntr, _ := b.train.Dims()
	nte, _ := b.test.Dims()
	if m.NTrain != ntr || m.NTest != nte {
		return nil, nil, fmt.Errorf("layers: model %s has %d/%d images, the brain %d/%d", m.Name, m.NTrain, m.NTest, ntr, nte)
	}
	for _, lv := range m.Distorted {
		if len(lv) != len(m.Layers) {
			return nil, nil, fmt.Errorf("layers: model %s has distorted features of %d layers, want %d", m.Name, len(lv), len(m.Layers))
		}
		for l, x := range lv {
			if len(x) != nte*m.Widths[l] {
				return nil, nil, fmt.Errorf("layers: model %s layer %s: %d distorted test features, want %d x %d", m.Name, m.Layers[l], len(x), nte, m.Widths[l])
			}
		}
	}
	boots := opt.Bootstraps
	if boots == 0 {
		boots = 200
	}
	if opt.Ridge.Folds == 0 && len(opt.Ridge.Lambdas) == 0 && !opt.Ridge.LeaveOneOut && opt.Ridge.Seed == 0 {
		opt.Ridge = encoding.DefaultOptions().Ridge // the encoding analysis's own
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
	n := len(m.Layers)
	rsms, kerns, valRSMs, valKerns := make([]rsa.Matrix, n), make([]rsa.Matrix, n), make([]rsa.Matrix, n), make([]rsa.Matrix, n)
	preds, cvs, errs := make([]*mat.Dense, n), make([][]float64, n), make([]error, n)
	fits := make([]*encoding.Ridge, n)
	parallel.For(n, func(l int) {
		test := rsa.Patterns{N: nte, D: m.Widths[l], X: m.Test[l]}
		val := rsa.Patterns{N: len(b.val), D: m.Widths[l], X: make([]float32, 0, len(b.val)*m.Widths[l])}
		for _, i := range b.val {
			val.X = append(val.X, m.Train[l][i*m.Widths[l]:(i+1)*m.Widths[l]]...)
		}
		var err error
		for _, c := range []struct {
			p         rsa.Patterns
			rsm, kern *rsa.Matrix
		}{{test, &rsms[l], &kerns[l]}, {val, &valRSMs[l], &valKerns[l]}} {
			if err == nil {
				*c.rsm, *c.kern, err = rsa.CosineAndKernel(c.p)
				*c.rsm = c.rsm.Memo() // ranked against every ROI's
			}
		}
		if err == nil {
			var fit *encoding.Ridge
			if fit, err = encoding.FitFeatures(m.Train[l], ntr, m.Widths[l], b.train, opt.Ridge); err == nil {
				preds[l], cvs[l], fits[l] = fit.PredictFeatures(m.Test[l], nte), fit.CV, fit
			}
		}
		rsms[l].Labels, kerns[l].Labels = b.labels, b.labels
		valRSMs[l].Labels, valKerns[l].Labels = b.valRSMs[0].Labels, b.valRSMs[0].Labels
		if err != nil {
			errs[l] = fmt.Errorf("layers: %s %s: %w", m.Name, m.Layers[l], err)
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	// The encoding score's nested choice value of each layer per ROI: the
	// median over the ROI's voxels of the fit's cross-validated r on the
	// training images (encSel[k][l])
	encSel := make([][]float64, len(b.ROIs))
	for k, cols := range b.cols {
		encSel[k] = make([]float64, n)
		for l := range n {
			v := make([]float64, len(cols))
			for a, col := range cols {
				v[a] = cvs[l][col]
			}
			encSel[k][l] = stats.Percentile(v, 50)
		}
	}
	// The in-silico curves' predictions, of the layers some ROI chooses by
	// the encoding score (as Analysis.Add chooses them)
	var insil []insilico.Predictions
	if m.Distorted != nil {
		insil = make([]insilico.Predictions, n)
		for k := range b.ROIs {
			if l := Select(encSel[k]); l >= 0 && insil[l].Clean == nil {
				insil[l] = insilico.Predictions{Clean: preds[l], Levels: make([]*mat.Dense, len(m.Distorted))}
				parallel.For(len(m.Distorted), func(v int) { insil[l].Levels[v] = fits[l].PredictFeatures(m.Distorted[v][l], nte) })
			}
		}
	}
	clear(fits)
	methods := rsa.LayerMethods()
	cells := make([][]Cell, len(m.Layers))
	for l := range m.Layers {
		rsm, kern, r := rsms[l], kerns[l], mat.DenseCopyOf(preds[l].T())
		cells[l] = make([]Cell, len(b.ROIs))
		parallel.For(len(b.ROIs), func(k int) {
			c := Cell{Scores: make(map[string]Score, len(methods)+1)}
			for _, s := range methods {
				var sc Score
				valLayer, valBrain := valRSMs[l], b.valRSMs[k]
				if s.Kernel {
					sc = jackknife(kern, b.kernels[k], s.Method)
					valLayer, valBrain = valKerns[l], b.valKernels[k]
				} else {
					sc = bootstrap(draws, resampler(rsm, b.rsms[k], s.Method))
				}
				sc.Selection = jsonnum.Float(math.NaN())
				if v, err := rsa.Compare(valLayer, valBrain, s.Method); err == nil {
					sc.Selection = jsonnum.Float(v)
				}
				c.Scores[MeasureName(s.Method)] = sc
			}
			enc := bootstrap(draws, func(idx []int) float64 { return encoding.MedianR(r, b.testT, b.cols[k], idx) })
			enc.Selection = jsonnum.Float(encSel[k][l])
			c.Scores[Encoding] = enc
			c.FractionOfCeiling = jsonnum.Float(math.NaN())
			if ceil := b.ceilings[k].Encoding; ceil > 0 {
				c.FractionOfCeiling = enc.Value / ceil
			}
			cells[l][k] = c
		})
	}
	if err := b.permutationTests(cells, rsms, kerns, opt); err != nil {
		return nil, nil, fmt.Errorf("layers: %s: %w", m.Name, err)
	}
	return cells, insil, nil
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

// jackknife is the kernel method's value with its leave-one-image-out
// jackknife interval (rsa.JackknifeInterval): a bootstrap resample's
// repeated images inflate CKA, so that its percentile interval can miss the
// estimate (seen on the demo: 0.22 with [0.25, 0.48]).
func jackknife(x, y rsa.Matrix, m rsa.Method) Score {
	v, lo, hi, err := rsa.JackknifeInterval(x, y, m, 0.95)
	if err != nil {
		nan := jsonnum.Float(math.NaN())
		return Score{Value: nan, Low: nan, High: nan, Selection: nan}
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
