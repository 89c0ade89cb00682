package study

import (
	"fmt"

	"gonum.org/v1/plot"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
	"github.com/decodingthoughts/decoding-thoughts/pkg/robustness"
	"github.com/decodingthoughts/decoding-thoughts/pkg/similarity"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
)

// figureSpecs are the analysis figures (notebook 04's), in report order.
func (st *state) figureSpecs() []plots.Spec {
	classes := st.fmri.Meta.Classes
	var specs []plots.Spec
	for _, m := range append([]similarity.Matrices{st.fmriM}, st.cnnM...) {
		m := m
		name := fileName(m.Name)
		specs = append(specs,
			plots.Spec{Name: "rsm_" + name, Square: true, Draw: func() (*plot.Plot, error) { return m.ImagePlot(classes) }},
			plots.Spec{Name: "rsm_class_" + name, Square: true, Draw: func() (*plot.Plot, error) { return m.ClassPlot(classes) }})
	}
	models := st.cfg.Models
	col := func(f func(CNNResult) float64) []float64 {
		var v []float64
		for _, n := range models {
			v = append(v, f(st.res.CNN[n]))
		}
		return v
	}
	specs = append(specs,
		plots.Spec{Name: "model_params", Draw: func() (*plot.Plot, error) {
			return plots.Bars("learned parameters (millions)", "millions", models,
				plots.Series{Values: col(func(c CNNResult) float64 { return float64(c.Params) / 1e6 })})
		}},
		plots.Spec{Name: "model_frobenius", Draw: func() (*plot.Plot, error) {
			return plots.Bars("Frobenius norm of the parameters", "norm", models,
				plots.Series{Values: col(func(c CNNResult) float64 { return c.Frobenius })})
		}},
		plots.Spec{Name: "rsm_corr_fmri", Draw: func() (*plot.Plot, error) {
			return plots.Bars("RSM correlation with the fMRI decoder", "correlation", models,
				plots.Series{Label: "Pearson, full matrices (original)", Values: col(func(c CNNResult) float64 { return c.RSMCorrFMRI.PearsonFull })},
				plots.Series{Label: "Spearman, upper triangle", Values: col(func(c CNNResult) float64 { return c.RSMCorrFMRI.Spearman })})
		}},
	)
	for k, dist := range st.cfg.Distortions {
		k, dist := k, dist
		specs = append(specs,
			plots.Spec{Name: "blur_examples_" + dist.Name, Draw: func() (*plot.Plot, error) { return st.blurExamples(dist) }},
			plots.Spec{Name: "blur_accuracy_" + dist.Name, Draw: func() (*plot.Plot, error) {
				var series []plots.Series
				for _, n := range models {
					series = append(series, plots.Series{Label: n, Values: st.res.CNN[n].BlurAll[k].Accuracy})
				}
				return plots.Lines("test accuracy under "+dist.Name+" blur", levelName(dist), "accuracy", dist.Levels, series...)
			}})
	}
	specs = append(specs,
		plots.Spec{Name: "accuracy_drop", Draw: func() (*plot.Plot, error) {
			var series []plots.Series
			for k, dist := range st.cfg.Distortions {
				series = append(series, plots.Series{Label: dist.Name, Values: col(func(c CNNResult) float64 { return c.BlurAll[k].Drop })})
			}
			return plots.Bars("accuracy drop, mildest to strongest blur", "accuracy drop", models, series...)
		}},
		plots.Spec{Name: "rsm_corr_fmri_blur", Draw: func() (*plot.Plot, error) {
			var series []plots.Series
			for _, n := range models {
				series = append(series, plots.Series{Label: n, Values: st.res.CNN[n].RSMCorrFMRIBlur})
			}
			d := st.cfg.Distortions[0]
			return plots.Lines("RSM correlation with the fMRI decoder on blurred images (Spearman)", levelName(d), "correlation", d.Levels, series...)
		}},
		plots.Spec{Name: "roi_rsa", Square: true, Draw: func() (*plot.Plot, error) {
			tab, err := similarity.CrossTable(st.roiM, append([]similarity.Matrices{st.fmriM}, st.cnnM...), "spearman")
			if err != nil {
				return nil, err
			}
			return tab.Plot("voxel-pattern RSM of each area vs model RSMs")
		}},
		plots.Spec{Name: "hypothesis", Draw: func() (*plot.Plot, error) {
			h := st.res.Hypothesis
			return plots.Scatter(fmt.Sprintf("RSM correlation vs robustness: Spearman rho %.2f, p %.2f (n = %d)", h.SpearmanRho, h.PValue, h.NModels),
				"RSM correlation with the fMRI decoder (Spearman)", "accuracy drop under "+st.cfg.Distortions[0].Name+" blur",
				col(func(c CNNResult) float64 { return c.RSMCorrFMRI.Spearman }), col(func(c CNNResult) float64 { return c.AccuracyDrop }), models)
		}},
	)
	return specs
}

func fileName(model string) string {
	if model == "fMRI decoder" {
		return "fmri"
	}
	return model
}

func levelName(d robustness.Distortion) string {
	if d.Name == "gaussian" {
		return "sigma (pixels)"
	}
	return "blur_limit (box kernel up to this size)"
}

// blurExamples shows three test images (one per class where possible) at
// every level, quantized as the networks see them.
func (st *state) blurExamples(dist robustness.Distortion) (*plot.Plot, error) {
	return BlurExamples(st.cfg.Data, st.fmri.Sel, dist, st.cfg.Seed)
}

// BlurExamples is the original's figure: a few test images (the first of
// each class) blurred at every level of dist.
func BlurExamples(d *kay.Dataset, sel *kay.Selection, dist robustness.Distortion, seed int64) (*plot.Plot, error) {
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
	return plots.Tiles(fmt.Sprintf("test images under %s blur (%s)", dist.Name, levelName(dist)), len(picks), len(dist.Levels), im.H, im.W, imgs, cols, rows)
}
