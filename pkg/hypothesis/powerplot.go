package hypothesis

import (
	"context"
	"fmt"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
)

// PowerGrid runs Power for every number of models and every effect (rows
// in that order: models outer, effects inner), calling done with each
// cell's runs as it finishes (nil: no progress). It stops between cells
// when ctx is cancelled.
func PowerGrid(ctx context.Context, models []int, effects []float64, images, seeds, runs, permutations int, seed uint64, done func(runs int)) ([]PowerResult, error) {
	var rows []PowerResult
	for _, n := range models {
		for _, e := range effects {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			r, err := Power(e, n, images, seeds, runs, permutations, seed)
			if err != nil {
				return nil, err
			}
			rows = append(rows, r)
			if done != nil {
				done(runs)
			}
		}
	}
	return rows, nil
}

// PowerPlot draws PowerGrid's rows: power against the number of models, one
// line per effect, with dashed lines at 0.8 (the power to aim for) and 0.05
// (the test's level).
func PowerPlot(models []int, effects []float64, rows []PowerResult) (*plot.Plot, error) {
	if len(models) == 0 || len(rows) != len(models)*len(effects) {
		return nil, fmt.Errorf("hypothesis: %d power rows for %d numbers of models and %d effects", len(rows), len(models), len(effects))
	}
	x := make([]float64, len(models))
	for i, n := range models {
		x[i] = float64(n)
	}
	var series []plots.Series
	for k, e := range effects {
		s := plots.Series{Label: fmt.Sprintf("r = %g", e)}
		for i := range models {
			s.Values = append(s.Values, rows[i*len(effects)+k].Power)
		}
		series = append(series, s)
	}
	p, err := plots.Lines("Power of the cross-model test (Freedman-Lane, 2 covariates)", "models (dashed: power 0.8, level 0.05)", "power", x, series...)
	if err != nil {
		return nil, err
	}
	lo, hi := x[0], x[0]
	for _, v := range x {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	for _, level := range []float64{0.8, Alpha} {
		l, err := plotter.NewLine(plotter.XYs{{X: lo, Y: level}, {X: hi, Y: level}})
		if err != nil {
			return nil, err
		}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
	}
	p.Legend.Left = true // the lines rise to the right
	p.Y.Min, p.Y.Max = 0, 1
	return p, nil
}

// WritePowerTable prints PowerGrid's rows as a table.
func WritePowerTable(w io.Writer, rows []PowerResult) {
	fmt.Fprintf(w, "%7s %7s %6s %7s %7s %17s %10s\n", "models", "images", "seeds", "effect", "power", "95% interval", "rejection")
	for _, r := range rows {
		fmt.Fprintf(w, "%7d %7d %6d %7.2f %7.3f   [%5.3f, %5.3f] %10.3f\n", r.Models, r.Images, r.Seeds, r.Effect, r.Power, r.Low, r.High, r.Rejections)
	}
}
