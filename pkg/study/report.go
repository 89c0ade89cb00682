package study

import (
	"bytes"
	"cmp"
	"context"
	"encoding/base64"
	"fmt"
	"html/template"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/hypothesis"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/layers"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/similarity"
)

// ResultsFile and ReportFile are the study's two summary files.
const (
	ResultsFile = "results.json"
	ReportFile  = "report.html"
)

func (st *state) report(context.Context) error {
	if err := st.linkLayers(); err != nil {
		return err
	}
	var specs []plots.Spec
	for _, s := range st.planned() {
		if s.figures != nil {
			specs = append(specs, s.figures(st)...)
		}
	}
	figs, err := plots.RenderAll(specs...)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(st.dir("figures"), 0o755); err != nil {
		return err
	}
	if err := plots.SaveAll(st.dir("figures"), figs); err != nil {
		return err
	}
	// The report's own timing is unknown while it is written; results.json
	// is rewritten by the caller's last step below with every timing.
	if err := writeJSON(st.dir(ResultsFile), st.results()); err != nil {
		return err
	}
	html, err := st.html()
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(st.dir(ReportFile), html)
}

// section is a titled group of figures in the report.
type section struct {
	Title  string
	Text   string
	Images []image
}

type image struct {
	Name string // the caption
	File string // the PNG's name, without .png
	Src  template.URL
}

// pngs embeds the PNG files of a folder, in name order (or the given
// names, in that order).
func pngs(dir string, names ...string) []image {
	if len(names) == 0 {
		files, _ := filepath.Glob(filepath.Join(dir, "*.png"))
		sort.Strings(files)
		for _, f := range files {
			names = append(names, strings.TrimSuffix(filepath.Base(f), ".png"))
		}
	}
	var out []image
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n+".png"))
		if err != nil {
			continue
		}
		text, _ := caption(n)
		out = append(out, image{Name: text, File: n, Src: template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b))})
	}
	return out
}

// captions are the report's words for its figures: an entry matches a
// file name equal to its prefix, or one that starts with its prefix (ends
// with its suffix) where its text takes the rest (a model's, distortion's
// or measure's name) at %s. Prefixes are tried first, in order.
var captions = []struct{ prefix, suffix, text string }{
	{prefix: "class_counts_level", text: "images per class of the level-%s labels, training and test"},
	{prefix: "example_stimulus", text: "an example stimulus and its labels at each level"},
	{prefix: "response_heatmap", text: "every voxel's response (columns) to every training image (rows)"},
	{prefix: "response_histogram", text: "one stimulus's responses over the voxels"},
	{prefix: "unique_labels_per_level", text: "distinct labels at each level of the hierarchy, training and test"},
	{prefix: "voxels_per_roi", text: "voxels per visual area"},
	{prefix: "encoding_identification", text: "test images identified from the measured responses against the number of voxels, with the 95% interval and chance"},
	{prefix: "encoding_rois", text: "the Gabor encoding model per visual area: median prediction r and identification accuracy"},
	{prefix: "brain_robustness_true_", text: "the simulated brain's noise-free responses under %s: each area's RSM against its RSM on the clean images"},
	{prefix: "brain_robustness_", text: "the brain's encoding model under %s: each area's predicted RSM against its prediction for the clean images"},
	{prefix: "rsm_class_", text: "%s: similarity of the class-mean embeddings"},
	{prefix: "rsm_corr_fmri_distorted", text: "RSM correlation with the decoder on distorted test images, per level"},
	{prefix: "rsm_corr_fmri", text: "RSM correlation of each CNN with the fMRI decoder: raw and category-controlled measures"},
	{prefix: "rsm_", text: "%s: similarity of the test images' embeddings (images grouped by class)"},
	{prefix: "roi_rsa_within_class", text: "visual areas against models: within-class Spearman"},
	{prefix: "roi_rsa", text: "visual areas against models: Spearman over all pairs"},
	{prefix: "model_params", text: "parameters of each model"},
	{prefix: "model_frobenius", text: "Frobenius norm of each model's parameters"},
	{prefix: "distortion_examples_", text: "test images under %s, by level"},
	{prefix: "distortion_accuracy_", text: "balanced accuracy along %s"},
	{prefix: "accuracy_drop", text: "accuracy drop from the mildest to the strongest level (the original's measure)"},
	{prefix: "hypothesis", text: "brain-likeness against robustness, one point per model, intervals on both axes"},
	{prefix: "power", text: "power of the cross-model test by number of models, for each planted partial correlation"},
	{prefix: "best_", text: "each model's best layer per area by %s (chosen on training images, test score and interval) beside the noise ceiling"},
	{prefix: "depth_", text: "relative depth of each area's best layer by %s, mean over the CNNs"},
	{prefix: "in_silico_", text: "%s: each model's best layer predicting the area's reliable voxels under the primary distortion, its predicted RSM against its prediction for the clean images"},
	{prefix: "robustness_by_area", text: "best-layer brain-likeness against robustness across the CNNs (Spearman rho), per area and measure"},
	{suffix: "_accuracy", text: "%s: accuracy per epoch, training and validation"},
	{suffix: "_loss", text: "%s: loss per epoch, training and validation"},
	{suffix: "_confusion", text: "%s: confusion matrix on the test images"},
	{suffix: "_encoding", text: "%s: encoding score of each layer in each visual area"},
	{suffix: "_rsa_within_class", text: "%s: within-class RSA of each layer with each visual area"},
	{suffix: "_rsa", text: "%s: RSA of each layer with each visual area"},
	{suffix: "_cka_debiased", text: "%s: debiased CKA of each layer with each visual area"},
	{suffix: "_cka", text: "%s: CKA of each layer with each visual area"},
}

// captionWords are the words for the names a caption takes.
var captionWords = map[string]string{"fmri": "fMRI decoder", "gabor": "Gabor wavelet pyramid", "pixels": "raw pixels",
	"gaussian": "Gaussian blur", "box": "box blur", "rsa": "RSA", "rsa_within_class": "within-class RSA", "cka": "CKA",
	"cka_debiased": "debiased CKA", "encoding": "encoding score"}

// caption is the figure's caption from the captions table, and whether
// the table has it; else the file name with underscores as spaces.
func caption(name string) (string, bool) {
	fill := func(text, rest string) (string, bool) {
		if !strings.Contains(text, "%s") {
			return text, rest == ""
		}
		if rest == "" {
			return "", false
		}
		return fmt.Sprintf(text, cmp.Or(captionWords[rest], rest)), true
	}
	for _, c := range captions {
		if c.prefix == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(name, c.prefix); ok {
			if text, ok := fill(c.text, rest); ok {
				return text, true
			}
		}
	}
	for _, c := range captions {
		if c.suffix == "" {
			continue
		}
		if rest, ok := strings.CutSuffix(name, c.suffix); ok {
			if text, ok := fill(c.text, rest); ok {
				return text, true
			}
		}
	}
	return strings.ReplaceAll(name, "_", " "), false
}

func (st *state) html() ([]byte, error) {
	r := st.results()
	var sections []section
	for _, s := range st.planned() {
		if s.sections != nil {
			sections = append(sections, s.sections(st)...)
		}
	}
	for i := range sections {
		sections[i].Title = fmt.Sprintf("%d · %s", i+1, sections[i].Title)
	}
	rows, notes := regressionTable(r.Hypothesis.Regressions)
	var buf bytes.Buffer
	err := reportTemplate.Execute(&buf, map[string]any{"R": r, "Sections": sections, "RegressionRows": rows, "RegressionNotes": notes, "Models": st.cfg.Models, "Tested": rsa.StudyMethods(), "ROIMethods": rsa.ROIMethods(),
		"VoxelColumns": voxelColumns(r), "VoxelFallbacks": voxelFallbacks(r), "ROIPerms": st.cfg.ROITest.Permutations,
		"Random": !allPretrained(r.CNN), "Perms": st.cfg.Test.Permutations, "Boots": st.cfg.Test.Bootstraps})
	return buf.Bytes(), err
}

// The stages' report sections.

func exploreSections(st *state) []section {
	return []section{{Title: "The data (notebook 01)", Images: pngs(st.dir("explore"))}}
}

func encodingSections(st *state) []section {
	return []section{{Title: "Kay et al. 2008: Gabor encoding model and image identification", Text: encodingText(st.results()), Images: pngs(st.dir("encoding"))}}
}

func fmriSections(st *state) []section {
	return []section{{Title: "fMRI decoder (notebook 03)", Images: pngs(st.dir("fmri"))}}
}

func cnnSections(st *state) []section {
	return []section{{Title: "Stimulus CNNs (notebook 02)", Text: "Training curves and test confusion matrices of each CNN head.", Images: cnnImages(st)}}
}

func layersSections(st *state) []section {
	out := []section{{Title: "Layer-wise comparison: every layer with every visual area", Text: layersText(st.results()), Images: layerImages(st)}}
	if s := st.results().LayersSummary; s != nil && s.InSilico != nil && len(s.ROIs) > 0 {
		first, last := s.ROIs[0], s.ROIs[len(s.ROIs)-1]
		out = append(out, section{Title: "The brain's robustness in silico, from each model's best layer", Text: inSilicoLayersText(s),
			Images: pngs(st.dir("layers"), "in_silico_"+first, "in_silico_"+last)})
	}
	return out
}

// inSilicoLayersText says what the best layers' in-silico curves are and
// where they end.
func inSilicoLayersText(s *layers.Summary) string {
	ins := s.InSilico
	last := len(ins.Levels) - 1
	var parts []string
	for _, roi := range s.ROIs {
		var vals []string
		for _, name := range s.InSilicoModels() {
			if c, ok := ins.Models[name][roi]; ok {
				vals = append(vals, fmt.Sprintf("%s %s", name, num(c.RSMCorrClean[last], "%.2f")))
			}
		}
		if tr, ok := ins.Truth[roi]; ok {
			vals = append(vals, "true "+num(tr.RSMCorrClean[last], "%.2f"))
		}
		parts = append(parts, roi+": "+strings.Join(vals, ", "))
	}
	text := fmt.Sprintf("The brain's robustness asked of every model: each model's best layer per area by the encoding score (chosen on the "+
		"training images) predicts the area's reliable voxels' responses to the test images at each level of %s, and each level's predicted "+
		"RSM is compared with the clean images' prediction (Spearman; 1: unchanged; intervals and identification in results.json "+
		"layers_summary.in_silico; one figure per area in layers/). These are model predictions, not measurements. At the last level "+
		"(%s %g): %s.", distortionTitle(ins.Distortion), distortionLabel(ins.Distortion), ins.Levels[last], strings.Join(parts, "; "))
	if len(ins.Truth) > 0 {
		text += " On simulated data the black line is the simulated brain's true curve over the same voxels. A fitted model predicts the " +
			"distorted images through what went with each voxel's response on the clean training images, which blur separates: even a " +
			"model holding the simulated brain's own noise-free responses misses the true curve in several areas (docs/encoding-and-layers.md)."
	}
	return text
}

func rsaSections(st *state) []section {
	var names []string
	for _, n := range append([]string{"fmri"}, st.cfg.Models...) {
		names = append(names, "rsm_"+n, "rsm_class_"+n)
	}
	return []section{{Title: "Representational similarity (notebook 04)", Text: "Cosine similarity of the 100-d test embeddings, images grouped by class, and of the class means.",
		Images: pngs(st.dir("figures"), append(names, "rsm_corr_fmri")...)}}
}

func roiSections(st *state) []section {
	return []section{{Title: "Visual areas against each model", Images: pngs(st.dir("figures"), "roi_rsa", "roi_rsa_within_class")}}
}

func robustnessSections(st *state) []section {
	var dist []string
	for _, d := range st.cfg.Distortions {
		dist = append(dist, "distortion_examples_"+d.Name, "distortion_accuracy_"+d.Name)
	}
	fig := st.dir("figures")
	return []section{
		{Title: "Model characteristics", Images: pngs(fig, "model_params", "model_frobenius")},
		{Title: "Robustness to distortions", Images: pngs(fig, append(dist, "accuracy_drop", "rsm_corr_fmri_distorted")...)}}
}

func hypothesisSections(st *state) []section {
	return []section{{Title: "The hypothesis", Text: powerText(st.results()), Images: pngs(st.dir("figures"), "hypothesis", "power")}}
}

// powerText says, from the power table, how many models this design needs.
func powerText(r *Results) string {
	h := r.Hypothesis
	if len(h.Power) == 0 {
		return ""
	}
	var parts []string
	for _, e := range powerEffects {
		need := "more than the table's largest number of models"
		for _, p := range h.Power {
			if p.Effect == e && p.Power >= 0.8 {
				need = fmt.Sprintf("%d models", p.Models)
				break
			}
		}
		parts = append(parts, fmt.Sprintf("a partial correlation of %.1f needs %s", e, need))
	}
	return fmt.Sprintf("Power of the cross-model test for this design (%s, %s; %s tested): "+
		"the share of 500 simulated studies in which the Freedman-Lane test finds a planted effect (figure). "+
		"For 80%% power, %s. results.json: hypothesis.power.", count(h.Power[0].Images, "test image"), count(h.Power[0].Seeds, "seed"), count(h.NModels, "model"), strings.Join(parts, "; "))
}

// encodingText summarises the encoding stage for the report.
func encodingText(r *Results) string {
	e := r.Encoding
	if e == nil {
		return "Not run."
	}
	id := e.Identification
	return fmt.Sprintf("A Gabor-wavelet-pyramid model (%d features: 1-32 cycles per image, 8 orientations, an 8 x 8 grid of positions) "+
		"fitted to every voxel by ridge regression on the %d training images (penalty per voxel by %d-fold cross-validation). "+
		"The %d test images were identified from the measured responses of the %d voxels best by cross-validation: "+
		"%d of %d (%.3f, 95%% interval %.3f-%.3f; chance %.4f). Median test prediction correlation over all voxels: %.3f. "+
		"Kay et al. (2008) report 92%% (subject S1) and 72%% (S2) of 120 images with 500 voxels.",
		e.Features, e.TrainImages, e.Folds, e.TestImages, e.NVoxels, id.Correct, id.N, id.Value, id.Low, id.High, id.Chance, e.MedianR) +
		ceilingText(e)
}

// linkLayers revisits the hypothesis per area: each CNN's best-layer value
// per measure and area against its half level (robustness) under the
// primary distortion (layers_summary.robustness and its figure in layers/).
func (st *state) linkLayers() error {
	s := st.results().LayersSummary
	if s == nil || len(st.cfg.Distortions) == 0 {
		return nil
	}
	primary := st.cfg.Distortions[0].Name
	robust := map[string]float64{}
	for _, m := range st.results().Hypothesis.Models {
		if r, ok := m.Robustness[primary][hypothesis.HalfLevel]; ok {
			robust[m.Name] = float64(r.Value)
		}
	}
	if len(robust) == 0 {
		return nil
	}
	s.LinkRobustness(hypothesis.HalfLevel+" under "+primary, robust)
	// the layers stage wrote the other figures: only the new one, and the
	// summary that now holds the link
	return layers.WriteWith(st.dir("layers"), st.results().Layers, s, layers.RobustnessFigure(s))
}

// layersText summarises the layers stage for the report.
func layersText(r *Results) string {
	s := r.LayersSummary
	if s == nil {
		return "Not run."
	}
	var parts []string
	for _, meas := range s.Measures {
		var roi []string
		for _, name := range s.ROIs {
			roi = append(roi, name+" "+s.DepthText(meas, name))
		}
		parts = append(parts, fmt.Sprintf("%s: %s (%s)", meas, strings.Join(roi, ", "), s.TrendText(meas)))
	}
	return fmt.Sprintf("Each CNN's layers (the end of each block group, the penultimate features, the logits; intermediate layers "+
		"averaged on a %s grid) and two reference models (the Gabor wavelet pyramid, raw pixels) against each visual area's voxels "+
		"reliable on the training images (%s; Benjamini-Hochberg at 5%%): "+
		"the Spearman correlation of their test-image RSMs (rsa), linear CKA of the test patterns (cka, and debiased), and an "+
		"encoding score (ridge regression from the layer to each voxel, fitted on the training images as the encoding stage fits "+
		"the Gabor model; median test r over the area's reliable voxels), each with a 95%% bootstrap interval over test images in "+
		"results.json (layers). Each model's best layer per area is chosen on held-out training images (the encoding fit's "+
		"cross-validation; a validation half of the training images for the matrix measures) and scored on the test images. "+
		"Relative depth of the best layer per area, mean over the CNNs (0 first layer, 1 the logits), and its rank correlation "+
		"with the areas' order V1 to LatOcc (95%% bootstrap interval over the CNNs): %s.%s%s%s", "4 x 4", s.ReliabilityMethod,
		strings.Join(parts, "; "), layerCeilingText(s), significanceText(s), robustnessText(s))
}

// layerCeilingText lists each area's reliable voxels and noise ceilings
// (layers_summary.ceilings).
func layerCeilingText(s *layers.Summary) string {
	var parts []string
	for _, roi := range s.ROIs {
		c := s.Ceilings[roi]
		part := fmt.Sprintf("%s %d of %d voxels", roi, c.Reliable, c.Voxels)
		if c.Fallback {
			part += " (too few reliable: the most reliable taken)"
		}
		if !math.IsNaN(float64(c.Encoding)) {
			part += fmt.Sprintf(", encoding ceiling %.2f", float64(c.Encoding))
		}
		if !math.IsNaN(float64(c.RDMLower)) {
			part += fmt.Sprintf(", rsa ceiling %.2f-%.2f", float64(c.RDMLower), float64(c.RDMUpper))
		}
		parts = append(parts, part)
	}
	text := " Reliable voxels and noise ceilings (the rsa band from single test trials, as rsatoolbox computes it; drawn in the " +
		"best-layer figures): " + strings.Join(parts, "; ") + "."
	if pt := perTrialText(s); pt != "" {
		text += pt
	}
	return text
}

// perTrialText gives, per area, the range over the CNNs of the best rsa
// layer's score per trial (layers.Best.PerTrial), the scale the rsa ceiling
// is on; empty without repeated test trials.
func perTrialText(s *layers.Summary) string {
	rsaName := layers.MeasureName(rsa.Spearman)
	var parts []string
	for _, roi := range s.ROIs {
		lo, hi, n := math.Inf(1), math.Inf(-1), 0
		for _, name := range slices.Sorted(maps.Keys(s.Best)) {
			if slices.Contains(s.References, name) {
				continue
			}
			if b, ok := s.Best[name][rsaName][roi]; ok && b.PerTrial != nil && !math.IsNaN(float64(*b.PerTrial)) {
				v := float64(*b.PerTrial)
				lo, hi, n = math.Min(lo, v), math.Max(hi, v), n+1
			}
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s %.2f to %.2f", roi, lo, hi))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " The rsa score compares a layer with the trial means' RSM, more reliable than one trial's, so it may pass the ceiling; " +
		"the best rsa layers scored against each trial's RSM instead (the ceiling's scale; the crosses in best_rsa), range over the CNNs: " +
		strings.Join(parts, "; ") + "."
}

// significanceText counts, per model, the layer x area cells whose RSA
// rejects the stratified permutation null after adjustment.
func significanceText(s *layers.Summary) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(s.Significant)) {
		raw, within := s.Significant[name][layers.MeasureName(rsa.Spearman)], s.Significant[name][layers.MeasureName(rsa.WithinClassSpearman)]
		if raw.Cells == 0 && within.Cells == 0 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d/%d (within classes %d/%d)", name, raw.Rejected, raw.Cells, within.Rejected, within.Cells))
	}
	if len(parts) == 0 {
		return ""
	}
	return " RSA cells rejecting the null of no relation beyond the class structure (test images permuted within classes; " +
		"Benjamini-Hochberg across each model's layer x area table, 0.05; starred in the heatmaps): " + strings.Join(parts, ", ") + "."
}

// robustnessText is the per-area hypothesis in words.
func robustnessText(s *layers.Summary) string {
	if s.Robustness == nil {
		return ""
	}
	var parts []string
	undefined := false
	for _, roi := range s.ROIs {
		l := s.Robustness[layers.Encoding][roi]
		parts = append(parts, roi+" "+num(l.Rho, "%.2f"))
		if math.IsNaN(float64(l.Rho)) {
			undefined = true
		}
	}
	if undefined {
		parts = append(parts, "n/a where the best layer's score or the robustness does not vary across the CNNs, or under 3 CNNs")
	}
	return fmt.Sprintf(" The hypothesis per area: Spearman rho across the CNNs between the best layer's encoding score and the %s "+
		"(positive: more brain-like, more robust), %s (descriptive: with %s; every measure in results.json, layers_summary.robustness).",
		s.RobustnessMeasure, strings.Join(parts, ", "), count(s.Robustness[layers.Encoding][s.ROIs[0]].Models, "model"))
}

// layerImages are the depth summaries and each model's encoding heatmap.
func layerImages(st *state) []image {
	names := []string{"best_encoding", "best_rsa", "depth_encoding", "depth_rsa", "depth_rsa_within_class", "depth_cka", "robustness_by_area",
		"gabor_encoding", "pixels_encoding"}
	for _, m := range st.cfg.Models {
		names = append(names, m+"_encoding", m+"_rsa")
	}
	return pngs(st.dir("layers"), names...)
}

// ceilingText lists each area's median prediction r next to its noise
// ceiling where the data have repeated measurements.
func ceilingText(e *encoding.Result) string {
	var parts []string
	for _, a := range e.ROIs {
		switch {
		case math.IsNaN(float64(a.NoiseCeiling)):
		case math.IsNaN(float64(a.FractionOfCeiling)):
			parts = append(parts, fmt.Sprintf("%s %.3f of %.3f", a.ROI, a.Median, a.NoiseCeiling))
		default:
			parts = append(parts, fmt.Sprintf("%s %.3f of %.3f (%.0f%%)", a.ROI, a.Median, a.NoiseCeiling, 100*a.FractionOfCeiling))
		}
	}
	if len(parts) == 0 {
		return " Noise ceilings: none (the data have no repeated measurements, " + kay.RepeatsFile + ")."
	}
	return " Median prediction r against the median noise ceiling of the test responses (from their repeated trials), per area: " +
		strings.Join(parts, ", ") + "."
}

func cnnImages(st *state) []image {
	var out []image
	for _, m := range st.cfg.Models {
		out = append(out, pngs(st.dir("cnn", m), m+"_accuracy", m+"_confusion")...)
	}
	return out
}

// num formats a number of the report, an undefined one (NaN: not
// computed, degenerate, too few models; the table's notes say which) as
// "n/a" and an infinite one as "none" (no effect is detectable).
func num(v any, format string) string {
	var x float64
	switch t := v.(type) {
	case float64:
		x = t
	case jsonnum.Float:
		x = float64(t)
	default:
		return fmt.Sprint(v)
	}
	switch {
	case math.IsNaN(x):
		return "n/a"
	case math.IsInf(x, 0):
		return "none"
	}
	return fmt.Sprintf(format, x)
}

// withInterval is an estimate with its interval (the interval kept on one
// line), or why either is missing.
func withInterval(v hypothesis.Interval, why string) template.HTML {
	if math.IsNaN(float64(v.Value)) {
		return template.HTML("n/a (" + template.HTMLEscapeString(why) + ")")
	}
	if math.IsNaN(float64(v.Low)) || math.IsNaN(float64(v.High)) {
		return template.HTML(fmt.Sprintf("%.3f (no interval†)", v.Value))
	}
	return template.HTML(fmt.Sprintf(`%.3f <span class="n">[%.3f, %.3f]</span>`, v.Value, v.Low, v.High))
}

// count is n with its noun, plural unless n is 1 ("1 seed", "5 seeds").
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// estimate is an RSM comparison's value (± its s.d. over seeds) over its
// interval, or why it has none.
func estimate(inf rsa.Inference, degenerate bool) template.HTML {
	v := num(inf.Value, "%.3f")
	if !math.IsNaN(float64(inf.Value)) && !math.IsNaN(float64(inf.SeedSD)) {
		v += " ± " + num(inf.SeedSD, "%.3f")
	}
	v = `<span class="n">` + v + `</span>`
	switch {
	case math.IsNaN(float64(inf.Value)):
		return template.HTML(v + " (not computed)")
	case degenerate:
		return template.HTML(v + "<br>no interval (degenerate)")
	case math.IsNaN(float64(inf.CILow)) || math.IsNaN(float64(inf.CIHigh)):
		if inf.Bootstraps == 0 {
			return template.HTML(v + "<br>no interval (no bootstrap)")
		}
		return template.HTML(v + "<br>no interval†")
	}
	return template.HTML(fmt.Sprintf(`%s<br><span class="n">[%.3f, %.3f]</span>`, v, inf.CILow, inf.CIHigh))
}

// voxelColumn is a column of the report's table of the models against the
// voxels' own RSMs: the pooled voxels or an area, and the voxels kept.
type voxelColumn struct {
	Name string
	Sel  *VoxelSelection
}

// voxelColumns is the pooled voxels, then each area compared (in the real
// data set's order of areas, any other name after them, sorted), whether
// or not the area table ran.
func voxelColumns(r *Results) []voxelColumn {
	var out []voxelColumn
	if r.VoxelSelection != nil {
		out = append(out, voxelColumn{Name: similarity.PooledName, Sel: r.VoxelSelection})
	}
	areas := slices.Collect(maps.Keys(r.VoxelSelectionAreas))
	slices.SortFunc(areas, func(a, b string) int {
		ia, ib := slices.Index(kay.ROINames, a), slices.Index(kay.ROINames, b)
		if ia < 0 {
			ia = len(kay.ROINames)
		}
		if ib < 0 {
			ib = len(kay.ROINames)
		}
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	for _, a := range areas {
		out = append(out, voxelColumn{Name: a, Sel: r.VoxelSelectionAreas[a]})
	}
	return out
}

// voxelFallbacks names the columns whose voxels fell back to the most
// reliable ones, in one phrase ("" when none did).
func voxelFallbacks(r *Results) string {
	var names []string
	for _, c := range voxelColumns(r) {
		if c.Sel.Fallback {
			names = append(names, c.Name)
		}
	}
	return strings.Join(names, ", ")
}

// pTest is a comparison's permutation p with its Holm adjustment, or why
// there is none.
func pTest(inf rsa.Inference, holm float64, degenerate bool) template.HTML {
	switch {
	case degenerate:
		return "not tested (degenerate)"
	case math.IsNaN(float64(inf.PValue)):
		return "n/a (no permutations)"
	}
	return template.HTML(fmt.Sprintf(`<span class="n">%.4f</span> <span class="n">(%s)</span>`, inf.PValue, num(holm, "%.4f")))
}

// regressionRow is a row of the report's regression table: numbers as
// text, and the footnote that says why the verdict is what it is and why
// a number is missing.
type regressionRow struct {
	Side, Distortion, Robustness, Covariates string
	Models                                   int
	Coef, Partial, P, MDE, Verdict           string
	Note                                     int // 1-based into regressionTable's notes; 0: none
}

// regressionTable is the rows of the regressions and their distinct
// footnotes.
func regressionTable(rs []hypothesis.Regression) ([]regressionRow, []string) {
	var rows []regressionRow
	var notes []string
	for _, r := range rs {
		row := regressionRow{Side: r.BrainSide, Distortion: r.Distortion, Robustness: strings.ReplaceAll(r.RobustnessMeasure, "_", " "),
			Covariates: strings.ReplaceAll(cmp.Or(strings.Join(r.Covariates, ", "), "none"), "_", " "), Models: r.Models,
			Partial: num(r.Partial, "%.3f"), MDE: num(r.MDE, "%.3f"), Verdict: r.Verdict}
		row.Coef = num(r.Coef, "%.3f")
		if !math.IsNaN(float64(r.Coef)) {
			row.Coef += " [" + num(r.Low, "%.3f") + ", " + num(r.High, "%.3f") + "]"
			if math.IsNaN(float64(r.Low)) || math.IsNaN(float64(r.High)) {
				row.Coef = num(r.Coef, "%.3f") + " (no interval)"
			}
		}
		row.P = "n/a"
		if !math.IsNaN(float64(r.P)) {
			row.P = fmt.Sprintf("%.4f (Holm %s)", r.P, num(r.PHolm, "%.4f"))
		}
		var why []string
		if r.Reason != "" {
			why = append(why, r.Verdict+": "+r.Reason)
		}
		if r.Note != "" {
			why = append(why, "no numbers where n/a: "+strings.TrimPrefix(r.Note, hypothesis.ErrDegenerate.Error()+": "))
		} else if math.IsNaN(float64(r.P)) && r.Permutations == 0 {
			why = append(why, "no p: no permutations")
		}
		if len(why) > 0 {
			note := strings.Join(why, "; ")
			k := slices.Index(notes, note)
			if k < 0 {
				notes = append(notes, note)
				k = len(notes) - 1
			}
			row.Note = k + 1
		}
		rows = append(rows, row)
	}
	return rows, notes
}

var reportTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	// v is a float64 or a jsonnum.Float (a template does not convert one to
	// the other); fmt prints both as the float they are.
	"f3": func(v any) string { return num(v, "%.3f") },
	"f4": func(v any) string { return num(v, "%.4f") },
	"ci": func(v hypothesis.Interval) template.HTML { return withInterval(v, "undefined") },
	// rho is a rank correlation across models with its interval, or why
	// it is undefined.
	"rho":      withInterval,
	"est":      estimate,
	"ptest":    pTest,
	"millions": func(n int) string { return fmt.Sprintf("%.1f M", float64(n)/1e6) },
	// or is num's text, with why after an undefined number.
	"or": func(v any, format, why string) string {
		if t := num(v, format); t != "n/a" {
			return t
		}
		return "n/a (" + why + ")"
	},
	"inc":   func(i int) int { return i + 1 },
	"count": count,
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>decoding-thoughts: study report</title>
<style>
body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;display:block;overflow-x:auto;max-width:100%;font-size:.92em}td,th{border:1px solid #bbb;padding:.3em .6em;text-align:right}.n{white-space:nowrap}td.l,th.l{text-align:left}
th{background:#eee}td:first-child,th:first-child{text-align:left}
.warn{background:#fff3cd;border:1px solid #e0c060;padding:.7em 1em}
.verdict{background:#eef5ff;border:1px solid #8ab;padding:.7em 1em}
img{max-width:100%;margin:.5em 0;border:1px solid #eee}figure{display:inline-block;margin:.3em;max-width:48%}
figcaption{font-size:.8em;color:#666}
</style></head><body>
<h1>Is the brain's representation of natural images closer to blur-robust CNNs?</h1>
<p>This report was written by <code>decoding-thoughts study</code>. It compares the representation an fMRI decoder learns from
visual cortex responses with the representations of {{count (len .Models) "ImageNet CNN"}}, measures how each CNN's accuracy falls as the
images are blurred, and tests whether the two are related across models.</p>

<h2>What was run</h2>
<table>
<tr><th>dataset</th><td>{{.R.Dataset.Name}}<br><code>{{.R.Dataset.Dir}}</code></td></tr>
<tr><th>images</th><td>{{.R.Dataset.NTrain}} training, {{.R.Dataset.NTest}} test; classes {{range $i, $c := .R.Dataset.Classes}}{{if $i}}, {{end}}{{$c}}{{end}}</td></tr>
<tr><th>voxels</th><td>{{.R.Dataset.Voxels}} (V1 … LatOcc)</td></tr>
<tr><th>seed</th><td>{{.R.Seed}}</td></tr>
<tr><th>software</th><td>{{range $k, $v := .R.Versions}}{{$k}} {{$v}}<br>{{end}}</td></tr>
</table>
{{if .R.Dataset.Synthetic}}<p class="warn">The data are <b>simulated</b> (the embedded default dataset): they show that the
pipeline works end to end, not what the brain does. Run with the real Kay data (<code>decoding-thoughts download</code>,
then <code>--data-dir</code>) for scientific conclusions.</p>{{end}}
{{if .Random}}<p class="warn">Some CNNs ran with <b>random weights</b> (the untrained-network control), because ImageNet
weights were not available offline. Download them with <code>--weights download</code>.</p>{{end}}
<p>BatchNorm: the backbones' BatchNorm layers normalise with statistics <b>adapted</b> to the clean training images (one
training-mode pass, as torch would leave them with momentum 1) unless the table says <b>frozen</b> (the checkpoint's
ImageNet statistics, <code>--bn frozen</code>). The original trained its heads with the backbone in training mode, so its
BatchNorm statistics drifted to the Kay images over about 390 steps (momentum 0.1); <b>adapt</b> is the closest
deterministic equivalent. Dropout inside the backbones' classifiers (VGG, MobileNet) is off in both modes: the heads
here learn from cached features, while the original's dropout was active during head training.</p>

<h2>Results</h2>
<p>fMRI decoder ({{count .R.Seeds "training seed"}}): test accuracy <b>{{f3 .R.FMRI.TestAccuracy}}</b> (s.d. {{f3 .R.FMRI.TestAccuracySD}}),
balanced accuracy {{ci .R.FMRI.BalancedAccuracy}}, macro F1 {{f3 .R.FMRI.MacroF1}}.</p>
<table>
<tr><th>model</th><th class="l">weights</th><th class="l">BatchNorm</th><th>parameters</th><th>balanced accuracy [95% CI]</th><th class="l">status</th></tr>
{{range $m := .Models}}{{with index $.R.CNN $m}}<tr><td>{{$m}}</td><td class="l">{{.Weights}}</td><td class="l">{{.BatchNorm}}</td><td>{{millions .Params}}</td>
<td>{{ci .BalancedAccuracy}}</td><td class="l">{{if .Degenerate}}<b>degenerate</b>: {{.DegenerateReason}}{{else}}tested{{end}}</td></tr>
{{end}}{{end}}
</table>
<p>Each CNN's RSM against the fMRI decoder's: the value (± its s.d. over the seeds) over its 95% interval, and its
stratified permutation p with the Holm-adjusted p in brackets.</p>
<table>
<tr><th>model</th>{{range .Tested}}<th>{{.Title}}{{if .Confounded}}*{{end}}</th><th>p (Holm)</th>{{end}}<th>original's Pearson*</th></tr>
{{range $m := .Models}}{{with index $.R.CNN $m}}{{$c := .}}
<tr><td>{{$m}}</td>
{{range $t := $.Tested}}{{$inf := $c.RSMCorrFMRI.Get $t.Method}}<td>{{est $inf $c.Degenerate}}</td>
<td>{{if and $t.SameTestAs (eq $.R.Seeds 1) (not $c.Degenerate)}}the {{$t.SameTestAs}} test{{else}}{{ptest $inf ($c.Holm $t.Method) $c.Degenerate}}{{end}}</td>{{end}}
<td>{{f3 .RSMCorrFMRI.PearsonFull}}</td></tr>
{{end}}{{end}}
</table>
<p>RSM correlations compare the cosine-similarity matrices of the 100-d test embeddings with the fMRI decoder's, seed with
seed (values: mean ± s.d. over the {{count .R.Seeds "seed"}}). <b>*</b> The decoder and every CNN head were trained on the same
three labels, so both matrices have the class-block structure by construction: the raw Spearman and the original's
full-matrix Pearson are <b>confounded</b> by it (with free permutations every model, even a collapsed one, would get
p at its floor). The <b>within-class Spearman</b> is Spearman's rho within each class (pairs of images of one class,
ranked within the class), averaged over the classes weighted by their pair counts; the <b>partial Spearman</b> controls
one indicator per class pair (every block of the matrix). Every p-value here comes from <b>stratified</b> permutations
(images permuted within their class; {{.Perms}} relabellings), so the shared class structure is part of the null: p asks
whether anything beyond the labels is shared. For one pair of matrices the raw Spearman's stratified test is the partial
Spearman's test (a within-class permutation keeps every block's entries in the block, where the partial statistic is
monotone in the raw one): with one training seed its p is given once, under the partial Spearman; over several seeds
the statistics are means over seeds and the two tests differ slightly, so both are given. Intervals: {{count .Boots "bootstrap resample"}} of the test images within classes.
Holm: adjusted across the models tested. A <b>degenerate</b> model (constant RSM, or balanced
accuracy whose interval includes chance) gets no p-values or intervals and is left out of the hypothesis test.
† No interval: the statistic is undefined in more than a tenth of the bootstrap resamples.</p>

<h3>Visual areas</h3>
<p>{{.R.ROI.Note}} ({{count .R.ROI.Test.Permutations "permutation"}}, {{count .R.ROI.Test.Bootstraps "bootstrap resample"}}.)</p>
<p>Rows: models; columns: areas. Each cell: {{range $i, $t := .ROIMethods}}{{if $i}}, then {{end}}{{$t.Title}}{{end}}, one per line, each with its Benjamini-Hochberg adjusted p.</p>
<table><tr><th>model</th>{{range .R.ROI.ROIs}}<th>{{.}}</th>{{end}}</tr>
{{range $m := .R.ROI.Models}}<tr><td>{{$m}}</td>{{range $roi := $.R.ROI.ROIs}}<td>{{with index (index $.R.ROI.Cells $roi) $m}}{{$cell := .}}{{range $i, $t := $.ROIMethods}}{{if $i}}<br>{{end}}{{with $cell.Get $t.Method}}<span class="n">{{f3 .Value}} ({{f3 .PBH}})</span>{{end}}{{end}}{{end}}</td>{{end}}</tr>
{{end}}</table>

<h3>Against the voxels' own RSMs</h3>
<p>Each CNN's RSM against the voxels' own: the test images' raw patterns over the voxels reliable on the training images
(split-half or repeat reliability, never the test images), pooled over V1 … LatOcc (the decoder's input) and each
area's own. No trained network stands between the brain and the comparison. Each cell: the within-class Spearman
(± its s.d. over the seeds) over its 95% interval, then its stratified permutation p with the Holm-adjusted p (across
the models tested, column by column) in brackets; pooled: {{.Perms}} permutations, areas: {{.ROIPerms}}. Headers: voxels
kept of the area's voxels{{with .VoxelFallbacks}}; too few reliable in {{.}}: the most reliable kept{{end}}.</p>
<table><tr><th>model</th>{{range .VoxelColumns}}<th>{{.Name}}<br><span class="n">{{.Sel.Selected}} of {{.Sel.Of}}</span></th>{{end}}</tr>
{{range $m := .Models}}{{with index $.R.CNN $m}}{{$c := .}}<tr><td>{{$m}}</td>{{range $.VoxelColumns}}{{$inf := (index $c.RSMCorrVoxels .Name).WithinClass}}<td>{{est $inf $c.Degenerate}}<br>{{ptest $inf ($c.HolmVoxels .Name "within_class_spearman") $c.Degenerate}}</td>{{end}}</tr>
{{end}}{{end}}</table>

<h2>The hypothesis</h2>
<div class="verdict"><p><b>{{.R.Hypothesis.Verdict}}</b></p>
<p>Primary test: {{.R.Hypothesis.Primary}}. Models are the sampling unit: each model's brain-likeness (its within-class
Spearman with the fMRI decoder) is regressed on its robustness, the <b>half level</b> (the distortion level at which its
balanced accuracy has fallen halfway from clean to chance, interpolated between the levels swept; a model that never
falls halfway is censored at the last level), with its clean balanced accuracy and log10 parameter count as covariates.
The coefficient is standardised; its p comes from Freedman-Lane permutations (residuals of the covariates-only model
permuted), its interval from a bootstrap over models, and within each replicate over test images and training seeds.
"Supported" needs p &lt; 0.05 after Holm across the distortions, an interval excluding 0 and the predicted (positive)
sign; a design that cannot detect a partial correlation of 0.5 with 80% power is "underpowered", whatever its p.
The verdict is the decoder side's under the primary distortion (the original study's brain side). The <b>voxels</b> side
asks the same of the voxels' own RSM (the voxels of V1 … LatOcc, the decoder's input, that are reliable on the
training images{{with .R.VoxelSelection}}: {{.Selected}} of {{.Of}}, by {{.Method}}{{if .Fallback}}, too few reliable: the most reliable{{end}}{{end}};
their patterns over the test images): no trained network between the brain and the comparison. Holm runs across the distortions within each brain side.</p>
{{if .R.FMRI.AtChance}}<p class="warn">{{.R.FMRI.Reason}}</p>{{end}}
{{with .RegressionRows}}<p>The regressions ({{(index . 0).Robustness}} as robustness, {{count (index . 0).Models "model"}}):</p>{{end}}
<table><tr><th>brain side</th><th>distortion</th><th>covariates</th><th>coefficient [95% CI]</th><th>partial r</th>
<th>Freedman-Lane p</th><th>smallest detectable r</th><th class="l">verdict</th></tr>
{{range .RegressionRows}}<tr><td>{{.Side}}</td><td>{{.Distortion}}</td><td>{{.Covariates}}</td><td>{{.Coef}}</td><td>{{.Partial}}</td><td>{{.P}}</td><td>{{.MDE}}</td><td class="l">{{.Verdict}}{{if .Note}} ({{.Note}}){{end}}</td></tr>{{end}}
</table>
{{range $i, $n := .RegressionNotes}}<p>({{inc $i}}) {{$n}}.</p>{{end}}
<p>Rank correlations across models, as the first versions of this study reported them (no covariates; Holm across all
of them). The normalised drop is the fall in balanced accuracy from clean to the strongest level over the clean
accuracy's distance from chance; it saturates at 1 when models end at chance. A negative rho with the drop (positive
with the area and the half level) means that models closer to the brain lose less.</p>
<table><tr><th>distortion</th><th>brain measure</th><th>robustness</th><th>rho [95% CI]</th><th>exact p</th><th>p Holm</th><th>partial rho | clean balanced accuracy [95% CI]</th></tr>
{{range .R.Hypothesis.Tests}}<tr><td>{{.Distortion}}</td><td>{{.Brain}}{{if .Confounded}}*{{end}}</td><td>{{.Robustness}}</td>
<td>{{rho .Rho "a side is constant, or under 3 models"}}</td><td>{{or .P "%.3f" "under 3 models"}}</td><td>{{or .PHolm "%.3f" "under 3 models"}}</td>
<td>{{rho .Partial "nothing varies beyond clean accuracy, or under 4 models"}}</td></tr>{{end}}
</table>
<p>† No interval: the statistic is undefined in more than a tenth of the bootstrap resamples of the models (a resample
that repeats models can leave nothing to rank).</p>
{{if .R.Hypothesis.Excluded}}<p>Excluded: {{range .R.Hypothesis.Excluded}}<b>{{.Model}}</b> ({{.Reason}}). {{end}}</p>{{end}}
<h3>Which models can be told apart?</h3>
<table><tr><th>models</th><th>difference in within-class Spearman [95% CI]</th><th>bootstrap p</th><th>p Holm</th><th>distinguishable (Holm p &lt; 0.05)</th></tr>
{{range .R.Hypothesis.Differences}}<tr><td>{{.A}} − {{.B}}</td><td>{{ci .Diff}}</td><td>{{or .P "%.4f" "no bootstrap"}}</td><td>{{or .PHolm "%.4f" "no bootstrap"}}</td><td>{{if .Distinguishable}}yes{{else}}no{{end}}</td></tr>{{end}}
</table>
<p>Caveats: {{.R.Hypothesis.Caveats}}</p></div>

{{range .Sections}}<h2>{{.Title}}</h2>{{if .Text}}<p>{{.Text}}</p>{{end}}
{{range .Images}}<figure data-file="{{.File}}"><img src="{{.Src}}" alt="{{.Name}}"><figcaption>{{.Name}}</figcaption></figure>{{end}}
{{end}}
<h2>Timings (seconds)</h2>
<table>{{range $k, $v := .R.Timings}}<tr><td>{{$k}}</td><td>{{printf "%.1f" $v}}</td></tr>{{end}}</table>
</body></html>
`))
