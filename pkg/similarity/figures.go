package similarity

import (
	"fmt"

	"gonum.org/v1/plot"

	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
)

// ImagePlot is the per-image RSM with class-grouped ticks.
func (m Matrices) ImagePlot(classes []string) (*plot.Plot, error) {
	sizes := make([]int, len(classes))
	for _, l := range m.Labels {
		sizes[l]++
	}
	return plots.Grouped(fmt.Sprintf("%s: cosine similarity per image", m.Name), m.Image.N, m.Image.Data, classes, sizes, -1, 1)
}

// ClassPlot is the class RSM annotated with its values.
func (m Matrices) ClassPlot(classes []string) (*plot.Plot, error) {
	return plots.Matrix(fmt.Sprintf("%s: cosine similarity of class means", m.Name), "", "", classes, classes, m.Class.Data, -1, 1, "%.2f")
}

// Plot shows the table as an annotated heatmap.
func (t Table) Plot(title string) (*plot.Plot, error) {
	var flat []float64
	for _, r := range t.Values {
		flat = append(flat, r...)
	}
	return plots.Matrix(fmt.Sprintf("%s (%s)", title, t.Method), "model", "region", t.Rows, t.Cols, flat, -1, 1, "%.2f")
}
