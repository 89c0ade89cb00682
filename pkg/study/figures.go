package study

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot"

	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/hypothesis"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
	"github.com/decodingthoughts/decoding-thoughts/pkg/robustness"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/similarity"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
)

// rsaFigures are each model's matrices and the comparison with the
// decoder.
func rsaFigures(st *state) []plots.Spec {
	classes := st.fmri.first().Meta.Classes
	rsms := []similarity.Matrices{st.fmri.rsms[0]}
	for _, m := range st.models {
		rsms = append(rsms, m.rsms[0])
	}
	var specs []plots.Spec
	for _, m := range rsms {
		name := fileName(m.Name)
		specs = append(specs,
			plots.Spec{Name: "rsm_" + name, Square: true, Draw: func() (*plot.Plot, error) { return m.ImagePlot(classes) }},
			plots.Spec{Name: "rsm_class_" + name, Square: true, Draw: func() (*plot.Plot, error) { return m.ClassPlot(classes) }})
	}
	if len(st.tested()) > 0 {
		specs = append(specs, plots.Spec{Name: "rsm_corr_fmri", Draw: st.results().RSMCorrPlot})
	}
	return specs
}

// roiFigures are the per-area tables as heatmaps.
func roiFigures(st *state) []plots.Spec {
	r := st.results()
	if len(r.ROI.Models) == 0 { // every model is degenerate: nothing to compare
		return nil
	}
	return []plots.Spec{
		{Name: "roi_rsa", Square: true, Draw: func() (*plot.Plot, error) { return r.ROIPlot(false) }},
		{Name: "roi_rsa_within_class", Square: true, Draw: func() (*plot.Plot, error) { return r.ROIPlot(true) }}}
}

// robustnessFigures are the model characteristics and the sweeps.
func robustnessFigures(st *state) []plots.Spec {
	r := st.results()
	specs := []plots.Spec{{Name: "model_params", Draw: r.ParamsPlot}, {Name: "model_frobenius", Draw: r.FrobeniusPlot}}
	for k, dist := range st.cfg.Distortions {
		specs = append(specs,
			plots.Spec{Name: "distortion_examples_" + dist.Name, Draw: func() (*plot.Plot, error) {
				return DistortionExamples(st.cfg.Data, st.fmri.first().Sel, dist, st.cfg.Seed)
			}},
			plots.Spec{Name: "distortion_accuracy_" + dist.Name, Draw: func() (*plot.Plot, error) { return r.DistortionPlot(k) }})
	}
	specs = append(specs, plots.Spec{Name: "accuracy_drop", Draw: r.DropPlot})
	if len(st.tested()) > 0 {
		specs = append(specs, plots.Spec{Name: "rsm_corr_fmri_distorted", Draw: r.RSMDistortedPlot})
	}
	return specs
}

// hypothesisFigures is brain-likeness against robustness across models.
func hypothesisFigures(st *state) []plots.Spec {
	r := st.results()
	if len(r.Hypothesis.Models) == 0 {
		return nil
	}
	specs := []plots.Spec{{Name: "hypothesis", Draw: r.HypothesisPlot}}
	if len(r.Hypothesis.Power) > 0 {
		specs = append(specs, plots.Spec{Name: "power", Draw: r.PowerPlot})
	}
	return specs
}

// PowerPlot draws the power table of the study's design (Hypothesis.Power).
func (r *Results) PowerPlot() (*plot.Plot, error) {
	var models []int
	var effects []float64
	for _, p := range r.Hypothesis.Power {
		if !slices.Contains(models, p.Models) {
			models = append(models, p.Models)
		}
		if !slices.Contains(effects, p.Effect) {
			effects = append(effects, p.Effect)
		}
	}
	return hypothesis.PowerPlot(models, effects, r.Hypothesis.Power)
}

// column collects one number per model, in the study's order.
func (r *Results) column(f func(CNNResult) float64) []float64 { return r.columnOf(r.Models, f) }

func (r *Results) columnOf(names []string, f func(CNNResult) float64) []float64 {
	var v []float64
	for _, n := range names {
		v = append(v, f(r.CNN[n]))
	}
	return v
}

// tested lists the models that are not degenerate, in the study's order.
func (r *Results) tested() []string {
	var out []string
	for _, n := range r.Models {
		if !r.CNN[n].Degenerate {
			out = append(out, n)
		}
	}
	return out
}

// ParamsPlot: learned parameters per model.
func (r *Results) ParamsPlot() (*plot.Plot, error) {
	return plots.Bars("learned parameters (millions)", "millions", r.Models,
		plots.Series{Values: r.column(func(c CNNResult) float64 { return float64(c.Params) / 1e6 })})
}

// FrobeniusPlot: Frobenius norm of all parameters per model.
func (r *Results) FrobeniusPlot() (*plot.Plot, error) {
	return plots.Bars("Frobenius norm of the parameters", "norm", r.Models,
		plots.Series{Values: r.column(func(c CNNResult) float64 { return c.Frobenius })})
}

// RSMCorrPlot: each model's RSM correlation with the fMRI decoder: the raw
// measures (confounded by the labels both were trained on) next to the
// category-controlled ones.
func (r *Results) RSMCorrPlot() (*plot.Plot, error) {
	names := r.tested()
	get := func(m rsa.Method) []float64 {
		return r.columnOf(names, func(c CNNResult) float64 { return float64(c.RSMCorrFMRI.Get(m).Value) })
	}
	return plots.Bars("RSM correlation with the fMRI decoder: raw vs category-controlled (models not degenerate)", "correlation", names,
		plots.Series{Label: "Pearson, full matrices (original; confounded)", Values: get(rsa.PearsonFull)},
		plots.Series{Label: "Spearman, all pairs (confounded)", Values: get(rsa.Spearman)},
		plots.Series{Label: "Spearman, within-class pairs", Values: get(rsa.WithinClassSpearman)},
		plots.Series{Label: "partial Spearman | category", Values: get(rsa.PartialSpearmanCategory)})
}

// DistortionPlot: test accuracy along distortion k, one line per model.
func (r *Results) DistortionPlot(k int) (*plot.Plot, error) {
	var series []plots.Series
	var c robustness.Curve
	for _, n := range r.Models {
		c = r.CNN[n].Distortions[k]
		series = append(series, plots.Series{Label: n, Values: c.BalancedAccuracy})
	}
	d := distortion.Distortion{Name: c.Distortion}
	return plots.Lines("balanced test accuracy under "+d.Title()+" (chance 1/classes)", d.LevelLabel(), "balanced accuracy", c.Levels, series...)
}

// DropPlot: accuracy drop per model and distortion.
func (r *Results) DropPlot() (*plot.Plot, error) {
	var series []plots.Series
	for k, c := range r.CNN[r.Models[0]].Distortions {
		series = append(series, plots.Series{Label: c.Distortion, Values: r.column(func(c CNNResult) float64 { return c.Distortions[k].Drop })})
	}
	return plots.Bars("accuracy drop, mildest to strongest level", "accuracy drop", r.Models, series...)
}

// RSMDistortedPlot: the RSM correlation with the decoder recomputed on
// distorted images, per level of the primary distortion.
func (r *Results) RSMDistortedPlot() (*plot.Plot, error) {
	var series []plots.Series
	for _, n := range r.tested() {
		var vals []float64
		for _, v := range r.CNN[n].RSMCorrFMRIDistorted {
			vals = append(vals, float64(v))
		}
		series = append(series, plots.Series{Label: n, Values: vals})
	}
	c := r.CNN[r.Models[0]].Primary
	d := distortion.Distortion{Name: c.Distortion}
	return plots.Lines("RSM correlation with the fMRI decoder under "+d.Title()+" (Spearman)", d.LevelLabel(), "correlation", c.Levels, series...)
}

// ROIPlot: each visual area's voxel-pattern RSM against each model's, by
// the given cell measure.
func (r *Results) ROIPlot(within bool) (*plot.Plot, error) {
	var flat []float64
	for _, roi := range r.ROI.ROIs {
		for _, m := range r.ROI.Models {
			c := r.ROI.Cells[roi][m]
			v := c.Get(rsa.Spearman).Value
			if within {
				v = c.Get(rsa.WithinClassSpearman).Value
			}
			flat = append(flat, float64(v))
		}
	}
	if len(flat) == 0 {
		return nil, fmt.Errorf("no model that is not degenerate to compare with the areas")
	}
	title := "areas vs models: Spearman, all pairs"
	if within {
		title = "areas vs models: Spearman, within-class pairs"
	}
	return plots.Matrix(title, "model", "region", r.ROI.ROIs, r.ROI.Models, flat, -1, 1, "%.2f")
}

// HypothesisPlot: within-class RSM correlation with the decoder against
// the half level (robustness) under the primary distortion, one point per
// model that is not degenerate, joint-bootstrap intervals on both axes;
// the title gives the primary regression.
func (r *Results) HypothesisPlot() (*plot.Plot, error) {
	h := r.Hypothesis
	primary := r.CNN[r.Models[0]].Primary.Distortion
	var pts []plots.Point
	for _, m := range h.Models {
		y := m.Robustness[primary][hypothesis.HalfLevel]
		pts = append(pts, plots.Point{Label: m.Name, X: float64(m.WithinClass.Value), XLow: float64(m.WithinClass.Low), XHigh: float64(m.WithinClass.High),
			Y: float64(y.Value), YLow: float64(y.Low), YHigh: float64(y.High)})
	}
	title := fmt.Sprintf("brain-likeness vs robustness (n = %d)", h.NModels)
	if g := h.Regression; g != nil {
		title = fmt.Sprintf("brain-likeness vs robustness: %s, %s (n = %d)", plotNumbers(g), g.Verdict, g.Models)
	}
	d := distortion.Distortion{Name: primary}
	return plots.ScatterCI(title, "within-class Spearman with the fMRI decoder", fmt.Sprintf("half level (%s at half the loss to chance)", d.Title()), pts)
}

// plotNumbers is the regression's coefficient, interval and p for a
// figure's title, with what is undefined named as such.
func plotNumbers(g *hypothesis.Regression) string {
	if math.IsNaN(float64(g.Coef)) {
		return "no coefficient (the regression cannot be fit)"
	}
	s := fmt.Sprintf("coefficient %.2f", g.Coef)
	if !math.IsNaN(float64(g.Low)) && !math.IsNaN(float64(g.High)) {
		s += fmt.Sprintf(" [%.2f, %.2f]", g.Low, g.High)
	}
	if !math.IsNaN(float64(g.P)) {
		s += fmt.Sprintf(", p %.3f", g.P)
	}
	return s
}

func fileName(model string) string {
	if model == decoder.Title {
		return "fmri"
	}
	return model
}

// DistortionExamples is the original's figure: a few test images (the
// first of each class) at every level of dist.
func DistortionExamples(d *kay.Dataset, sel *kay.Selection, dist distortion.Distortion, seed int64) (*plot.Plot, error) {
	var picks []int
	seen := map[int]bool{}
	for k, y := range sel.Test.Y {
		if !seen[y] {
			seen[y] = true
			picks = append(picks, k)
		}
	}
	im := d.Test.Stimuli
	var imgs [][]float32
	var rows, cols []string
	for _, level := range dist.Levels {
		cols = append(cols, fmt.Sprintf("%g", level))
	}
	for _, k := range picks {
		rows = append(rows, sel.Classes[sel.Test.Y[k]])
		for _, level := range dist.Levels {
			f, err := dist.Func(level, seed)
			if err != nil {
				return nil, err
			}
			imgs = append(imgs, f(k, stimulus.Quantize(im.At(sel.Test.Index[k])), im.H, im.W))
		}
	}
	return plots.Tiles(fmt.Sprintf("test images under %s, by %s", dist.Title(), dist.LevelLabel()), len(picks), len(dist.Levels), im.H, im.W, imgs, cols, rows)
}
