package encoding

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
)

// ResultFile is the analysis' summary in its output folder.
const ResultFile = "encoding.json"

// Figures are the analysis' figures: identification accuracy against the
// number of voxels (with chance), and per area the median prediction
// correlation and the identification accuracy from its voxels alone.
func (r *Result) Figures() []plots.Spec {
	return []plots.Spec{
		{Name: "encoding_identification", Draw: r.IdentificationPlot},
		{Name: "encoding_rois", Draw: r.ROIPlot},
	}
}

// IdentificationPlot: accuracy (and its 95% interval) against the number of
// voxels used, with chance.
func (r *Result) IdentificationPlot() (*plot.Plot, error) {
	var x, acc, lo, hi, chance []float64
	for _, c := range r.Curve {
		x = append(x, float64(c.Voxels))
		acc, lo, hi = append(acc, c.Identification.Value), append(lo, c.Identification.Low), append(hi, c.Identification.High)
		chance = append(chance, c.Identification.Chance)
	}
	if len(x) == 0 {
		return nil, fmt.Errorf("no identification curve")
	}
	return plots.Lines(fmt.Sprintf("image identification from measured responses (%d test images)", r.TestImages),
		"voxels (best by training cross-validation)", "fraction identified", x,
		plots.Series{Label: "accuracy", Values: acc}, plots.Series{Label: "95% interval, low", Values: lo},
		plots.Series{Label: "95% interval, high", Values: hi}, plots.Series{Label: "chance", Values: chance})
}

// ROIPlot: per area, the median test correlation of its voxels and the
// identification accuracy from them.
func (r *Result) ROIPlot() (*plot.Plot, error) {
	var names []string
	var med, id []float64
	for _, a := range r.ROIs {
		names = append(names, a.ROI)
		m := float64(a.Median)
		if math.IsNaN(m) {
			m = 0
		}
		med, id = append(med, m), append(id, a.Identification.Value)
	}
	return plots.Bars("Gabor encoding model by visual area", "", names,
		plots.Series{Label: "median prediction r (test images)", Values: med},
		plots.Series{Label: "identification accuracy", Values: id})
}

// ROITable is the areas as text, one line each: voxels, median prediction
// r, noise ceiling and identification accuracy; an undefined number reads
// "n/a" with its reason.
func (r *Result) ROITable() string {
	var b strings.Builder
	for _, a := range r.ROIs {
		med, ceil := "n/a (no voxels)", "n/a (no repeated trials)"
		if !math.IsNaN(float64(a.Median)) {
			med = fmt.Sprintf("%.3f", float64(a.Median))
		}
		if !math.IsNaN(float64(a.NoiseCeiling)) {
			ceil = fmt.Sprintf("%.3f", float64(a.NoiseCeiling))
		}
		id := "n/a (no voxels)"
		if !math.IsNaN(a.Identification.Value) {
			id = fmt.Sprintf("%.3f", a.Identification.Value)
		}
		fmt.Fprintf(&b, "%-7s %5d voxels  median r %s  noise ceiling %s  identification %s\n", a.ROI, a.Voxels, med, ceil, id)
	}
	return b.String()
}

// Write saves encoding.json and the figures into dir.
func (r *Result) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, ResultFile), append(js, '\n')); err != nil {
		return err
	}
	figs, err := plots.RenderAll(r.Figures()...)
	if err != nil {
		return err
	}
	return plots.SaveAll(dir, figs)
}
