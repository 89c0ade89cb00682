package study

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/hypothesis"
	"github.com/decodingthoughts/decoding-thoughts/pkg/insilico"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/layers"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/robustness"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/similarity"
)

// Results is results.json: everything the study measured, for re-analysis
// and for the report. Documented field by field in the README.
type Results struct {
	Dataset    DatasetInfo          `json:"dataset"`
	FMRI       FMRIResult           `json:"fmri"`
	CNN        map[string]CNNResult `json:"cnn"`
	Models     []string             `json:"models"` // the CNNs in the study's order
	Measures   []Measure            `json:"measures"`
	ROI        ROIResult            `json:"roi_rsa"`
	Hypothesis Hypothesis           `json:"hypothesis"`
	// Encoding is Kay et al.'s analysis: the Gabor encoding model and the
	// identification of the test images (encoding/encoding.json).
	Encoding *encoding.Result `json:"encoding,omitempty"`
	// VoxelSelection says which voxels the brain's own RSM (the pooled
	// voxel patterns of rsm_corr_voxels) is built from: the voxels of the
	// decoder's areas that are reliable on the training images only.
	VoxelSelection *VoxelSelection `json:"voxel_selection,omitempty"`
	// VoxelSelectionAreas says the same of each visual area's own RSM
	// (rsm_corr_voxels.<area>): the area's voxels reliable on the training
	// images.
	VoxelSelectionAreas map[string]*VoxelSelection `json:"voxel_selection_areas,omitempty"`
	// Layers is the layer-wise comparison: layers.<model>.<layer>.<roi>
	// .{rsa,cka,cka_debiased,encoding,encoding_fraction_of_ceiling}, each
	// CNN's layers and the reference models (gabor, pixels); LayersSummary
	// the best layer per model, measure and ROI and its depth across CNNs.
	Layers layers.Table `json:"layers,omitempty"`
	// BrainRobustness is the brain's robustness in silico: the encoding
	// model's predicted representation of the test images along each
	// distortion, per visual area (brain_robustness.<distortion>.<roi>):
	// model predictions, not measurements.
	BrainRobustness map[string]map[string]insilico.Curve `json:"brain_robustness,omitempty"`
	LayersSummary   *layers.Summary                      `json:"layers_summary,omitempty"`
	Seeds           int                                  `json:"seeds"` // training seeds of the decoder and of each head
	Timings         map[string]float64                   `json:"timings"`
	// PeakMemoryMB is each stage's peak resident memory (MiB; Linux only:
	// the process's VmHWM, reset as the stage starts).
	PeakMemoryMB map[string]float64 `json:"peak_memory_mb,omitempty"`
	// Compilations counts each backbone's graph compilations over the run
	// (features, adaptation, layers, distortions) and their time.
	Compilations map[string]cnn.Compilations `json:"compilations,omitempty"`
	Versions     map[string]string           `json:"versions"`
	Seed         int64                       `json:"seed"`
	Weights      map[string]string           `json:"weights"`
}

// Measure describes one comparison method of rsm_corr_fmri.image.
type Measure struct {
	Method rsa.Method `json:"method"`
	Title  string     `json:"title"`
	// Confounded: both the decoder and the heads were trained on the same
	// labels, so the class structure alone drives this measure up and its
	// free permutation p-value tests a null known to be false.
	Confounded bool `json:"confounded"`
	Stratified bool `json:"stratified_permutation"`
	Tested     bool `json:"tested"`
	// SameTestAs names the method whose test this one's stratified test is
	// (rsa.MethodSpec.SameTestAs): the p-value is reported there only.
	SameTestAs rsa.Method `json:"same_test_as,omitempty"`
}

// DatasetInfo says what the study ran on.
type DatasetInfo struct {
	Name      string   `json:"name"`
	Dir       string   `json:"dir"`
	Synthetic bool     `json:"synthetic"`
	NTrain    int      `json:"n_train"`
	NTest     int      `json:"n_test"`
	Classes   []string `json:"classes"`
	Voxels    int      `json:"voxels"`
}

// FMRIResult is the decoder's test performance, means over training seeds.
// An undefined number (one seed's s.d.) is NaN, null in JSON.
type FMRIResult struct {
	TestAccuracy     float64             `json:"test_accuracy"`
	BalancedAccuracy hypothesis.Interval `json:"balanced_accuracy"` // with a bootstrap interval over test images
	MacroF1          float64             `json:"macro_f1"`
	TestAccuracySD   jsonnum.Float       `json:"test_accuracy_sd"`
	// AtChance flags a decoder whose balanced-accuracy interval includes
	// chance: it learned nothing the test images confirm, so it cannot be
	// the brain side of any test; the comparisons with it are not tested.
	AtChance bool   `json:"at_chance,omitempty"`
	Reason   string `json:"at_chance_reason,omitempty"`
}

// CNNResult is one CNN's row. Accuracies and RSM comparisons are means over
// the heads' training seeds. An undefined number (one seed's s.d., the
// adjusted p of a degenerate model) is NaN, null in JSON; those fields come
// last, in the order results.json has always had.
type CNNResult struct {
	TestAccuracy     float64             `json:"test_accuracy"`
	BalancedAccuracy hypothesis.Interval `json:"balanced_accuracy"`
	MacroF1          float64             `json:"macro_f1"`
	Params           int                 `json:"params"`
	Frobenius        float64             `json:"frobenius_norm"`
	Primary          robustness.Curve    `json:"distortion"`  // the primary distortion (Gaussian blur by default)
	Distortions      []robustness.Curve  `json:"distortions"` // every distortion swept
	AccuracyDrop     float64             `json:"accuracy_drop"`
	// RSMCorrFMRI relates the CNN's RSMs to the fMRI decoder's: every
	// method of the rsa table, keyed by method; spearman,
	// within_class_spearman and partial_spearman_category tested.
	RSMCorrFMRI similarity.Comparison `json:"rsm_corr_fmri"`
	// RSMCorrVoxels relates the CNN's RSMs to the voxels' own, keyed by
	// area ("pooled": the voxels of V1 ... LatOcc, the decoder's input, that
	// are reliable on the training images: Results.VoxelSelection; each
	// visual area's name: its own reliable voxels, VoxelSelectionAreas),
	// tested as RSMCorrFMRI is (stratified permutations, Holm across models
	// in PHolmVoxels): brain-likeness without a decoder in between.
	RSMCorrVoxels map[string]similarity.Comparison `json:"rsm_corr_voxels,omitempty"`
	PHolmVoxels   map[rsa.Method]jsonnum.Float     `json:"p_holm_voxels,omitempty"`
	// PHolmAreas is each area's comparisons' p, Holm-adjusted across the
	// models within the area (p_holm_voxels_areas.<area>.<method>); the
	// areas' comparisons run the area table's resampling (Config.ROITest).
	PHolmAreas map[string]map[rsa.Method]jsonnum.Float `json:"p_holm_voxels_areas,omitempty"`
	Weights    string                                  `json:"weights"`
	Pretrained bool                                    `json:"pretrained"`
	// Architecture is the torchvision architecture (the model's name, or
	// the base of a variant with its own weights).
	Architecture string `json:"architecture"`
	// BatchNorm is the backbone's BatchNorm mode: "adapt (...)" (statistics
	// re-estimated on the clean training images), "frozen" (the
	// checkpoint's) or "none".
	BatchNorm string `json:"batchnorm"`
	// Degenerate flags a model whose numbers are not evidence: its RSM is
	// constant or its balanced accuracy's interval includes chance. It gets
	// no p-values or intervals and is left out of the hypothesis test.
	Degenerate       bool          `json:"degenerate"`
	DegenerateReason string        `json:"degenerate_reason,omitempty"`
	TestAccuracySD   jsonnum.Float `json:"test_accuracy_sd"`
	// PHolm are the tested methods' p-values Holm-adjusted across the
	// models that are not degenerate.
	PHolm map[rsa.Method]jsonnum.Float `json:"p_holm"`
	// RSMCorrFMRIDistorted is the Spearman RSM correlation with the fMRI
	// decoder recomputed on the primary distortion's images, per level
	// (first seeds).
	RSMCorrFMRIDistorted []jsonnum.Float `json:"rsm_corr_fmri_distorted"`
}

// Holm is the Holm-adjusted p-value of a tested method (NaN when not
// tested).
func (c CNNResult) Holm(m rsa.Method) float64 {
	if p, ok := c.PHolm[m]; ok {
		return float64(p)
	}
	return math.NaN()
}

// HolmVoxels is the Holm-adjusted p of the comparison with the voxels'
// own RSM by method: area similarity.PooledName or a visual area's name
// (NaN when there is none).
func (c CNNResult) HolmVoxels(area string, m rsa.Method) float64 {
	ps := c.PHolmVoxels
	if area != similarity.PooledName {
		ps = c.PHolmAreas[area]
	}
	if p, ok := ps[m]; ok {
		return float64(p)
	}
	return math.NaN()
}

// ROIResult is the per-area RSA: each visual area's raw voxel patterns
// against each model, with stratified permutation p-values, bootstrap
// intervals and Benjamini-Hochberg adjustment across the table.
type ROIResult struct {
	ROIs   []string                                 `json:"rois"`
	Models []string                                 `json:"models"` // the models that are not degenerate
	Cells  map[string]map[string]similarity.ROICell `json:"cells"`  // area -> model -> cell
	Test   rsa.TestConfig                           `json:"test"`
	Note   string                                   `json:"note"`
}

// Exclusion is a model left out of the hypothesis test, and why.
type Exclusion struct {
	Model  string `json:"model"`
	Reason string `json:"reason"`
}

// Hypothesis is the test of the study's question across models: is a CNN's
// brain-likeness related to its robustness? The primary test: within-class
// Spearman with the decoder against the normalised drop in balanced
// accuracy under the primary distortion.
//
// An undefined rho or p (too few models, or no variation across them) is
// NaN, null in JSON.
type Hypothesis struct {
	hypothesis.Result
	// Power is the cross-model test's power for this study's design (its
	// test images and seeds) by number of models and planted effect
	// (hypothesis.PowerGrid: 500 simulated studies per row, the models
	// this run tested among the numbers).
	Power []hypothesis.PowerResult `json:"power,omitempty"`
	// Regression is the primary test: the cross-model regression under
	// the primary distortion (one of Regressions), whose verdict the study
	// reports; nil when it was not run (fewer than 3 models, a decoder at
	// chance).
	Regression *hypothesis.Regression `json:"regression"`
	Primary    string                 `json:"primary"` // which test the verdict is about
	NModels    int                    `json:"n_models"`
	Excluded   []Exclusion            `json:"excluded"`
	Verdict    string                 `json:"verdict"`
	Caveats    string                 `json:"caveats"`
	// ByArchitecture repeats the test within each architecture that has
	// at least 3 tested variants in the run (the same architecture trained
	// differently: the comparison that holds architecture fixed).
	ByArchitecture map[string]hypothesis.Result `json:"by_architecture,omitempty"`
	SpearmanRho    jsonnum.Float                `json:"spearman_rho"` // the primary test's rho across models
	PValue         jsonnum.Float                `json:"p_value"`      // and its exact two-sided p
}

// Load reads results.json from a study's output folder.
func Load(dir string) (*Results, error) {
	b, err := os.ReadFile(filepath.Join(dir, ResultsFile))
	if err != nil {
		return nil, err
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, ResultsFile), err)
	}
	return &r, nil
}

// StagesIn returns the stages whose results dir's results.json holds (the
// stages its run timed), in plan order; none when dir holds no results.json.
func StagesIn(dir string) ([]string, error) {
	r, err := Load(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range StageNames() {
		if _, ok := r.Timings[name]; ok {
			out = append(out, name)
		}
	}
	return out, nil
}

// LoadMatrices reads rsm/<model>.npz ("fmri" for the decoder) back into
// similarity matrices.
func LoadMatrices(dir, model string) (similarity.Matrices, error) {
	path := filepath.Join(dir, "rsm", model+".npz")
	z, err := npfile.OpenNPZ(path)
	if err != nil {
		return similarity.Matrices{}, err
	}
	defer z.Close()
	arrays := map[string]npfile.Array{}
	for key, kind := range map[string]string{"image": "f8", "class": "f8", "order": "i8", "label": "i8"} {
		a, err := z.Read(key)
		if err != nil {
			return similarity.Matrices{}, err
		}
		if a.Kind() != kind {
			return similarity.Matrices{}, fmt.Errorf("%s: key %q: want %s, got %s", path, key, kind, a.Describe())
		}
		if err := a.CheckFinite(); err != nil {
			return similarity.Matrices{}, fmt.Errorf("%s: key %q: %w", path, key, err)
		}
		arrays[key] = a
	}
	name := model
	if model == decoder.Name {
		name = decoder.Title
	}
	img, cls := arrays["image"], arrays["class"]
	return similarity.Matrices{Name: name,
		Image:  rsa.Matrix{N: img.Shape[0], Data: img.Data.([]float64), Kind: "cosine similarity", Labels: ints(arrays["label"].Data.([]int64))},
		Class:  rsa.Matrix{N: cls.Shape[0], Data: cls.Data.([]float64), Kind: "cosine similarity"},
		Order:  ints(arrays["order"].Data.([]int64)),
		Labels: ints(arrays["label"].Data.([]int64))}, nil
}

func ints(v []int64) []int {
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

// Summary is the results table as text: one row per CNN.
func (r *Results) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "fMRI decoder (%s): test accuracy %.3f, balanced %s [%s, %s]\n\n", count(r.Seeds, "seed"), r.FMRI.TestAccuracy,
		num(r.FMRI.BalancedAccuracy.Value, "%.3f"), num(r.FMRI.BalancedAccuracy.Low, "%.3f"), num(r.FMRI.BalancedAccuracy.High, "%.3f"))
	fmt.Fprintf(&b, "%-20s %9s %24s %8s %8s %9s %8s %10s %8s\n", "model", "bal. acc", "within-class [95% CI]", "p", "p Holm", "partial", "p", "raw*", "p*")
	for _, n := range r.Models {
		c := r.CNN[n]
		wc, pc, sp := c.RSMCorrFMRI.WithinClass(), c.RSMCorrFMRI.Get(rsa.PartialSpearmanCategory), c.RSMCorrFMRI.Spearman()
		within := num(wc.Value, "%.3f")
		if !math.IsNaN(float64(wc.CILow)) && !math.IsNaN(float64(wc.CIHigh)) {
			within += fmt.Sprintf(" [%.3f, %.3f]", wc.CILow, wc.CIHigh)
		}
		fmt.Fprintf(&b, "%-20s %9s %24s %8s %8s %9s %8s %10s %8s", n, num(c.BalancedAccuracy.Value, "%.3f"),
			within, num(wc.PValue, "%.4f"), num(c.Holm(rsa.WithinClassSpearman), "%.4f"),
			num(pc.Value, "%.3f"), num(pc.PValue, "%.4f"), num(sp.Value, "%.3f"), num(sp.PValue, "%.4f"))
		if c.Degenerate {
			b.WriteString("  degenerate (no interval or p): " + c.DegenerateReason)
		}
		b.WriteString("\n")
	}
	b.WriteString("* raw Spearman over all pairs: its value is confounded by the labels the decoder and the heads share;\n" +
		"  every p comes from permutations within classes (the shared class structure is part of the null); n/a: not computed\n")
	fmt.Fprintf(&b, "hypothesis: %s\n", r.Hypothesis.Verdict)
	return b.String()
}

// ROISummary is the area table as text: raw and within-class Spearman per
// area and model, with Benjamini-Hochberg adjusted p-values, one line per
// area and model (as narrow for 35 models as for 3).
func (r *Results) ROISummary() string {
	var b strings.Builder
	width := len("model")
	for _, m := range r.ROI.Models {
		width = max(width, len(m))
	}
	fmt.Fprintf(&b, "%-8s %-*s %8s %8s %8s %8s\n", "area", width, "model", "raw", "p BH", "within", "p BH")
	for _, roi := range r.ROI.ROIs {
		for _, m := range r.ROI.Models {
			c := r.ROI.Cells[roi][m]
			raw, within := c.Get(rsa.Spearman), c.Get(rsa.WithinClassSpearman)
			fmt.Fprintf(&b, "%-8s %-*s %8s %8s %8s %8s\n", roi, width, m, num(raw.Value, "%.3f"), num(raw.PBH, "%.3f"), num(within.Value, "%.3f"), num(within.PBH, "%.3f"))
		}
	}
	b.WriteString("raw: Spearman over all pairs; within: over within-class pairs; p BH: Benjamini-Hochberg across the table\n")
	b.WriteString(r.ROI.Note + "\n")
	return b.String()
}

// VoxelSummary is each model against the voxels' own RSMs as text: the
// within-class Spearman with its interval, its stratified permutation p
// and the Holm-adjusted p (across models, area by area), pooled over
// V1 ... LatOcc then per area, one line per area and model.
func (r *Results) VoxelSummary() string {
	var b strings.Builder
	width := len("model")
	for _, m := range r.Models {
		width = max(width, len(m))
	}
	fmt.Fprintf(&b, "%-8s %-*s %11s %24s %8s %8s\n", "voxels", width, "model", "kept", "within-class [95% CI]", "p", "p Holm")
	for _, col := range voxelColumns(r) {
		for _, m := range r.Models {
			c := r.CNN[m]
			wc := c.RSMCorrVoxels[col.Name].WithinClass()
			fmt.Fprintf(&b, "%-8s %-*s %11s %24s %8s %8s", col.Name, width, m, fmt.Sprintf("%d/%d", col.Sel.Selected, col.Sel.Of),
				interval(hypothesis.Interval{Value: wc.Value, Low: wc.CILow, High: wc.CIHigh}), num(wc.PValue, "%.4f"), num(c.HolmVoxels(col.Name, rsa.WithinClassSpearman), "%.4f"))
			if c.Degenerate {
				b.WriteString("  degenerate")
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("voxels: reliable on the training images (kept/of the area's); pooled: V1 ... LatOcc, the decoder's input;\n" +
		"  p: permutations within classes; Holm across the models tested, area by area; n/a: not computed\n")
	return b.String()
}

// HypothesisSummary is the cross-model tests, the excluded models and the
// model differences as text.
func (r *Results) HypothesisSummary() string {
	h := r.Hypothesis
	var b strings.Builder
	fmt.Fprintf(&b, "verdict: %s\n\n", h.Verdict)
	if len(h.Regressions) > 0 {
		fmt.Fprintf(&b, "regression across models (%s on %s; covariates %s):\n", hypothesis.WithinClass, h.Regressions[0].RobustnessMeasure, strings.Join(h.Regressions[0].Covariates, ", "))
		fmt.Fprintf(&b, "%-7s %-8s %6s %23s %7s %8s %7s %6s  %s\n", "brain", "blur", "models", "coefficient [95% CI]", "partial", "p (F-L)", "p Holm", "MDE", "verdict")
		var notes []string
		for _, r := range h.Regressions {
			coef := interval(hypothesis.Interval{Value: r.Coef, Low: r.Low, High: r.High})
			fmt.Fprintf(&b, "%-7s %-8s %6d %23s %7s %8s %7s %6s  %s\n", r.BrainSide, r.Distortion, r.Models,
				coef, num(r.Partial, "%.3f"), num(r.P, "%.4f"), num(r.PHolm, "%.4f"), num(r.MDE, "%.3f"), r.Verdict)
			if r.Note != "" && !slices.Contains(notes, r.Note) {
				notes = append(notes, r.Note)
			}
		}
		for _, n := range notes {
			fmt.Fprintf(&b, "n/a: %s\n", n)
		}
		b.WriteString("\n")
	}
	// Narrow enough for a notebook's output (about 95 columns).
	fmt.Fprintf(&b, "%-10s %-22s %-15s %24s %7s %7s\n", "distortion", "brain measure", "robustness", "rho [95% CI]", "exact p", "p Holm")
	for _, t := range h.Tests {
		brain := t.Brain
		if t.Confounded {
			brain += "*"
		}
		fmt.Fprintf(&b, "%-10s %-22s %-15s %24s %7s %7s\n", t.Distortion, brain, t.Robustness, interval(t.Rho), num(t.P, "%.3f"), num(t.PHolm, "%.3f"))
		if p := interval(t.Partial); p != "n/a" {
			fmt.Fprintf(&b, "%-10s %-22s %-15s %24s  (partial rho | clean balanced accuracy)\n", "", "", "", p)
		}
	}
	b.WriteString("* confounded by the labels the decoder and the heads share\n" +
		"n/a: undefined (a side constant across the models, or too few models); no interval: undefined in over a tenth of the bootstrap resamples\n")
	for _, e := range h.Excluded {
		fmt.Fprintf(&b, "excluded %s: %s\n", e.Model, e.Reason)
	}
	if len(h.Differences) > 0 {
		b.WriteString("\nwithin-class Spearman differences between models:\n")
	}
	for _, d := range h.Differences {
		verdict := "not distinguishable"
		if d.Distinguishable {
			verdict = "distinguishable"
		}
		fmt.Fprintf(&b, "  %-20s - %-20s %26s  p Holm %s  %s\n", d.A, d.B, interval(d.Diff), num(d.PHolm, "%.4f"), verdict)
	}
	archs := make([]string, 0, len(h.ByArchitecture))
	for a := range h.ByArchitecture {
		archs = append(archs, a)
	}
	sort.Strings(archs)
	for _, a := range archs {
		fmt.Fprintf(&b, "\nwithin %s (%d variants, architecture held fixed):\n", a, len(h.ByArchitecture[a].Models))
		for _, t := range h.ByArchitecture[a].Tests {
			if t.Confounded {
				continue
			}
			fmt.Fprintf(&b, "  %-10s %-24s %-16s %26s %8s\n", t.Distortion, t.Brain, t.Robustness, interval(t.Rho), num(t.P, "%.3f"))
		}
	}
	fmt.Fprintf(&b, "\ncaveats: %s\n", h.Caveats)
	return b.String()
}

// interval is an estimate with its interval as text: "n/a" when the
// estimate is undefined, "no interval" when the interval is.
func interval(v hypothesis.Interval) string {
	switch {
	case math.IsNaN(float64(v.Value)):
		return "n/a"
	case math.IsNaN(float64(v.Low)) || math.IsNaN(float64(v.High)):
		return fmt.Sprintf("%.3f (no interval)", v.Value)
	}
	return fmt.Sprintf("%.3f [%.3f, %.3f]", v.Value, v.Low, v.High)
}

// VoxelSelection is the choice of the voxels whose patterns are the brain's
// own RSM: those of the decoder's areas (Of) that are reliable on the
// training images (encoding.Reliability: split-half trials where the data
// set has repeats, else the Gabor model's split-half prediction; Benjamini-
// Hochberg at encoding.ReliabilityAlpha). With fewer than
// encoding.MinReliable reliable voxels, the most reliable ones and Fallback
// true; with no reliability (the encoding stage did not run), every voxel
// and Method "none".
type VoxelSelection struct {
	Method   string `json:"method"`
	Selected int    `json:"selected"`
	Of       int    `json:"of"`
	Fallback bool   `json:"fallback"`
}
