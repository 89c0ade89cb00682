package study

import (
	"fmt"

	"gonum.org/v1/plot"

	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
	"github.com/decodingthoughts/decoding-thoughts/pkg/robustness"
	"github.com/decodingthoughts/decoding-thoughts/pkg/similarity"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
)

// figureSpecs are the analysis figures (notebook 04's), in report order.
func (st *state) figureSpecs() []plots.Spec {
	classes := st.fmri.Meta.Classes
	r := st.res
	var specs []plots.Spec
	for _, m := range append([]similarity.Matrices{st.fmriM}, st.cnnM...) {
		m := m
		name := fileName(m.Name)
		specs = append(specs,
			plots.Spec{Name: "rsm_" + name, Square: true, Draw: func() (*plot.Plot, error) { return m.ImagePlot(classes) }},
			plots.Spec{Name: "rsm_class_" + name, Square: true, Draw: func() (*plot.Plot, error) { return m.ClassPlot(classes) }})
	}
	specs = append(specs,
		plots.Spec{Name: "model_params", Draw: r.ParamsPlot},
		plots.Spec{Name: "model_frobenius", Draw: r.FrobeniusPlot},
		plots.Spec{Name: "rsm_corr_fmri", Draw: r.RSMCorrPlot},
	)
	for k, dist := range st.cfg.Distortions {
		k, dist := k, dist
		specs = append(specs,
			plots.Spec{Name: "distortion_examples_" + dist.Name, Draw: func() (*plot.Plot, error) {
				return DistortionExamples(st.cfg.Data, st.fmri.Sel, dist, st.cfg.Seed)
			}},
			plots.Spec{Name: "distortion_accuracy_" + dist.Name, Draw: func() (*plot.Plot, error) { return r.DistortionPlot(k) }})
	}
	return append(specs,
		plots.Spec{Name: "accuracy_drop", Draw: r.DropPlot},
		plots.Spec{Name: "rsm_corr_fmri_distorted", Draw: r.RSMDistortedPlot},
		plots.Spec{Name: "roi_rsa", Square: true, Draw: r.ROIPlot},
		plots.Spec{Name: "hypothesis", Draw: r.HypothesisPlot},
	)
}

// column collects one number per model, in the study's order.
func (r *Results) column(f func(CNNResult) float64) []float64 {
	var v []float64
	for _, n := range r.Models {
		v = append(v, f(r.CNN[n]))
	}
	return v
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

// RSMCorrPlot: each model's RSM correlation with the fMRI decoder, the
// original's measure next to the sound one.
func (r *Results) RSMCorrPlot() (*plot.Plot, error) {
	return plots.Bars("RSM correlation with the fMRI decoder", "correlation", r.Models,
		plots.Series{Label: "Pearson, full matrices (original)", Values: r.column(func(c CNNResult) float64 { return c.RSMCorrFMRI.PearsonFull() })},
		plots.Series{Label: "Spearman, upper triangle", Values: r.column(func(c CNNResult) float64 { return c.RSMCorrFMRI.Spearman().Value })})
}

// DistortionPlot: test accuracy along distortion k, one line per model.
func (r *Results) DistortionPlot(k int) (*plot.Plot, error) {
	var series []plots.Series
	var c robustness.Curve
	for _, n := range r.Models {
		c = r.CNN[n].Distortions[k]
		series = append(series, plots.Series{Label: n, Values: c.Accuracy})
	}
	d := distortion.Distortion{Name: c.Distortion}
	return plots.Lines("test accuracy under "+d.Title(), d.LevelLabel(), "accuracy", c.Levels, series...)
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
	for _, n := range r.Models {
		series = append(series, plots.Series{Label: n, Values: r.CNN[n].RSMCorrFMRIDistorted})
	}
	c := r.CNN[r.Models[0]].Primary
	d := distortion.Distortion{Name: c.Distortion}
	return plots.Lines("RSM correlation with the fMRI decoder under "+d.Title()+" (Spearman)", d.LevelLabel(), "correlation", c.Levels, series...)
}

// ROIPlot: each visual area's voxel-pattern RSM against each model's.
func (r *Results) ROIPlot() (*plot.Plot, error) {
	cols := append([]string{decoder.Name}, r.Models...)
	var flat []float64
	for _, roi := range r.ROIs {
		for _, m := range cols {
			flat = append(flat, r.ROIRSA[roi][m])
		}
	}
	return plots.Matrix("voxel-pattern RSM of each area vs model RSMs ("+r.ROIMethod+")", "model", "region", r.ROIs, cols, flat, -1, 1, "%.2f")
}

// HypothesisPlot: RSM correlation against accuracy drop, one point per model.
func (r *Results) HypothesisPlot() (*plot.Plot, error) {
	h := r.Hypothesis
	return plots.Scatter(fmt.Sprintf("RSM correlation vs robustness: Spearman rho %.2f, p %.2f (n = %d)", h.SpearmanRho, h.PValue, h.NModels),
		"RSM correlation with the fMRI decoder (Spearman)", "accuracy drop under "+distortion.Distortion{Name: r.CNN[r.Models[0]].Primary.Distortion}.Title(),
		r.column(func(c CNNResult) float64 { return c.RSMCorrFMRI.Spearman().Value }), r.column(func(c CNNResult) float64 { return c.AccuracyDrop }), r.Models)
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
	return plots.Tiles(fmt.Sprintf("test images under %s (%s)", dist.Title(), dist.LevelLabel()), len(picks), len(dist.Levels), im.H, im.W, imgs, cols, rows)
}
