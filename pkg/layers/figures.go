package layers

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
)

// Figures are the stage's plots: per model and measure a layer x ROI
// heatmap (<model>_<measure>.png; a tested cell whose adjusted p-value is
// below 0.05 is marked *), and per measure the best layer's mean relative
// depth per ROI across the CNNs (depth_<measure>.png).
func Figures(tab Table, sum *Summary) []plots.Spec {
	var specs []plots.Spec
	for name, order := range sum.Order {
		for _, meas := range sum.Measures {
			data := make([]float64, 0, len(order)*len(sum.ROIs))
			text := make([]string, 0, len(order)*len(sum.ROIs))
			marked := false
			for _, l := range order {
				for _, roi := range sum.ROIs {
					c := tab[name][l][roi]
					data = append(data, float64(c.Get(meas).Value))
					text = append(text, fmt.Sprintf("%.2f", float64(c.Get(meas).Value)))
					if t, ok := c.Tested(meas); ok && !math.IsNaN(float64(t.PBH)) {
						marked = true
						if t.PBH < 0.05 {
							text[len(text)-1] += "*"
						}
					}
				}
			}
			lo, hi := -1.0, 1.0
			if top := maxAbs(data); top > 0 && top < 1 {
				lo, hi = -top, top
			}
			title := name + ": " + meas + " per layer and area"
			if marked {
				title += " (* p_BH < 0.05)"
			}
			specs = append(specs, plots.Spec{Name: name + "_" + meas, Draw: func() (*plot.Plot, error) {
				p, err := plots.Matrix(title, "visual area", "layer", order, sum.ROIs, data, lo, hi, "")
				if err != nil {
					return nil, err
				}
				return plots.Label(p, len(order), len(sum.ROIs), text)
			}})
		}
	}
	for _, meas := range sum.Measures {
		var mean []float64
		for _, roi := range sum.ROIs {
			mean = append(mean, float64(sum.Depth[meas][roi].Mean))
		}
		specs = append(specs, plots.Spec{Name: "depth_" + meas, Draw: func() (*plot.Plot, error) {
			return plots.Bars("relative depth of the best layer ("+meas+"), mean over models", "depth (0 first layer, 1 last)", sum.ROIs,
				plots.Series{Label: meas, Values: mean})
		}})
	}
	if sum.Robustness != nil {
		specs = append(specs, RobustnessFigure(sum))
	}
	return specs
}

// RobustnessFigure is robustness_by_area.png: per measure and area, the
// Spearman rho across CNNs of best-layer brain-likeness with robustness
// (Summary.LinkRobustness).
func RobustnessFigure(sum *Summary) plots.Spec {
	var data []float64
	for _, meas := range sum.Measures {
		for _, roi := range sum.ROIs {
			data = append(data, float64(sum.Robustness[meas][roi].Rho))
		}
	}
	return plots.Spec{Name: "robustness_by_area", Draw: func() (*plot.Plot, error) {
		return plots.Matrix("best-layer brain-likeness vs "+sum.RobustnessMeasure+": Spearman rho across CNNs", "visual area", "measure",
			sum.Measures, sum.ROIs, data, -1, 1, "%.2f")
	}}
}

func maxAbs(x []float64) float64 {
	m := 0.0
	for _, v := range x {
		if !math.IsNaN(v) {
			m = math.Max(m, math.Abs(v))
		}
	}
	return m
}

// ResultFile is what Write writes: the summary and every comparison.
const ResultFile = "layers.json"

// Write saves the comparisons and summary (ResultFile) and the figures
// into dir.
func Write(dir string, tab Table, sum *Summary) error {
	return WriteWith(dir, tab, sum, Figures(tab, sum)...)
}

// WriteWith saves the comparisons and summary (ResultFile) and the given
// figures into dir.
func WriteWith(dir string, tab Table, sum *Summary, specs ...plots.Spec) error {
	figs, err := plots.RenderAll(specs...)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(struct {
		Summary *Summary `json:"summary"`
		Layers  Table    `json:"layers"`
	}{sum, tab}, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, ResultFile), append(js, '\n')); err != nil {
		return err
	}
	return plots.SaveAll(dir, figs)
}
