package layers

import (
	"encoding/json"
	"fmt"
	"image/color"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
)

// Figures are the stage's plots: per model and measure a layer x ROI
// heatmap (<model>_<measure>.png; a tested cell whose adjusted p-value is
// below 0.05 is marked *), per measure the best layer's mean relative depth
// per ROI across the CNNs (depth_<measure>.png), and for the encoding score
// and rsa each model's best layer's test score per ROI beside the noise
// ceilings (best_<measure>.png, BestFigure).
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
	for _, meas := range []string{Encoding, MeasureName(rsa.Spearman)} {
		if slices.Contains(sum.Measures, meas) {
			specs = append(specs, BestFigure(sum, meas))
		}
	}
	if sum.Robustness != nil {
		specs = append(specs, RobustnessFigure(sum))
	}
	return append(specs, InSilicoFigures(sum)...)
}

// BestFigure is best_<measure>.png: per visual area, each model's best
// layer's test score (the layer chosen on held-out training images) with
// its 95% interval, beside the area's noise ceiling where the data have
// repeated trials (Summary.Ceilings): for the rsa measure the shaded band
// between the lower and upper bound, for the encoding score the ceiling as
// a dashed line. The ceiling bounds single trials' RSMs while the rsa score
// compares with the trial means' RSM, so with repeats each best rsa layer
// is also drawn per trial (Best.PerTrial, black crosses), on the ceiling's
// own scale. Points that are undefined are left out.
func BestFigure(sum *Summary, meas string) plots.Spec {
	return plots.Spec{Name: "best_" + meas, Draw: func() (*plot.Plot, error) {
		p := plot.New()
		p.Title.Text = "best layers by " + meas + " (chosen on training images; test score)"
		p.X.Label.Text = "visual area"
		p.Y.Label.Text = meas
		var ticks []plot.Tick
		for k, roi := range sum.ROIs {
			ticks = append(ticks, plot.Tick{Value: float64(k), Label: roi})
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.X.Min, p.X.Max = -0.5, float64(len(sum.ROIs))-0.5
		ylo, yhi := math.Inf(1), math.Inf(-1)
		track := func(ys ...float64) {
			for _, y := range ys {
				if !math.IsNaN(y) {
					ylo, yhi = math.Min(ylo, y), math.Max(yhi, y)
				}
			}
		}
		var lower, upper, enc plotter.XYs
		for k, roi := range sum.ROIs {
			c := sum.Ceilings[roi]
			if lo, hi := float64(c.RDMLower), float64(c.RDMUpper); !math.IsNaN(lo) && !math.IsNaN(hi) {
				lower, upper = append(lower, plotter.XY{X: float64(k), Y: lo}), append(upper, plotter.XY{X: float64(k), Y: hi})
				if meas == MeasureName(rsa.Spearman) {
					track(lo, hi)
				}
			}
			if e := float64(c.Encoding); !math.IsNaN(e) {
				enc = append(enc, plotter.XY{X: float64(k), Y: e})
				if meas == Encoding {
					track(e)
				}
			}
		}
		grey := color.RGBA{R: 200, G: 200, B: 200, A: 255}
		switch {
		case meas == MeasureName(rsa.Spearman) && len(lower) > 1:
			band := slices.Clone(lower)
			for i := len(upper) - 1; i >= 0; i-- {
				band = append(band, upper[i])
			}
			poly, err := plotter.NewPolygon(band)
			if err != nil {
				return nil, err
			}
			poly.Color, poly.LineStyle.Width = grey, 0
			p.Add(poly)
			p.Legend.Add("noise ceiling (lower-upper, single trials)", poly)
		case meas == Encoding && len(enc) > 1:
			l, err := plotter.NewLine(enc)
			if err != nil {
				return nil, err
			}
			l.Color, l.Dashes, l.Width = color.Black, []vg.Length{vg.Points(4), vg.Points(3)}, vg.Points(1.5)
			p.Add(l)
			p.Legend.Add("noise ceiling", l)
		}
		names := slices.Sorted(maps.Keys(sum.Best))
		var perTrial plotter.XYs // rsa: each best layer on the ceiling's scale
		for i, name := range names {
			var pts plotter.XYs
			var bars yErrors
			off := 0.3 * (float64(i)/math.Max(1, float64(len(names)-1)) - 0.5)
			for k, roi := range sum.ROIs {
				b, ok := sum.Best[name][meas][roi]
				if !ok || math.IsNaN(float64(b.Value)) {
					continue
				}
				pts = append(pts, plotter.XY{X: float64(k) + off, Y: float64(b.Value)})
				track(float64(b.Value), float64(b.Low), float64(b.High))
				if b.PerTrial != nil && !math.IsNaN(float64(*b.PerTrial)) {
					perTrial = append(perTrial, plotter.XY{X: float64(k) + off, Y: float64(*b.PerTrial)})
					track(float64(*b.PerTrial))
				}
				if lo, hi := float64(b.Low), float64(b.High); !math.IsNaN(lo) && !math.IsNaN(hi) {
					bars = append(bars, yError{x: float64(k) + off, y: float64(b.Value), lo: lo, hi: hi})
				}
			}
			if len(pts) == 0 {
				continue
			}
			l, sc, err := plotter.NewLinePoints(pts)
			if err != nil {
				return nil, err
			}
			l.Color, sc.Color, sc.Shape = plotutil.Color(i), plotutil.Color(i), plotutil.Shape(i)
			l.Dashes = plotutil.Dashes(i)
			p.Add(l, sc)
			if len(bars) > 0 {
				eb, err := plotter.NewYErrorBars(bars)
				if err != nil {
					return nil, err
				}
				eb.Color = plotutil.Color(i)
				p.Add(eb)
			}
			p.Legend.Add(name, l, sc)
		}
		if len(perTrial) > 0 {
			sc, err := plotter.NewScatter(perTrial)
			if err != nil {
				return nil, err
			}
			sc.Shape, sc.Color, sc.Radius = draw.CrossGlyph{}, color.Black, vg.Points(3)
			p.Add(sc)
			p.Legend.Add("the same layer per trial (the ceiling's scale)", sc)
		}
		if lo, hi := ylo, yhi; lo < hi {
			p.Y.Min, p.Y.Max = lo, hi
		}
		p.Legend.Top = true // plots.PNG keeps the data below it
		p.Add(plotter.NewGrid())
		return p, nil
	}}
}

// yErrors serve points with an interval to gonum's error-bar plotter.
type yErrors []yError

type yError struct{ x, y, lo, hi float64 }

func (e yErrors) Len() int                    { return len(e) }
func (e yErrors) XY(i int) (float64, float64) { return e[i].x, e[i].y }
func (e yErrors) YError(i int) (float64, float64) {
	return math.Max(e[i].y-e[i].lo, 0), math.Max(e[i].hi-e[i].y, 0)
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

// InSilicoFigures draw, per ROI, each model's in-silico curve from its best
// layer (Summary.InSilico; in_silico_<roi>.png) and, on simulated data, the
// simulated brain's true curve (thick, black); none without curves.
func InSilicoFigures(sum *Summary) []plots.Spec {
	ins := sum.InSilico
	if ins == nil {
		return nil
	}
	names := sum.InSilicoModels()
	finite := func(v []float64) bool { return !slices.ContainsFunc(v, math.IsNaN) }
	var specs []plots.Spec
	for _, roi := range sum.ROIs {
		// a curve with an undefined level (an RSM constant over the images)
		// is left out of the figure (results.json has it); an area without
		// a drawable curve has no figure
		var series []plots.Series
		for _, name := range names {
			if c, ok := ins.Models[name][roi]; ok && finite(jsonnum.Floats(c.RSMCorrClean)) {
				series = append(series, plots.Series{Label: name + " (" + c.Layer + ")", Values: jsonnum.Floats(c.RSMCorrClean)})
			}
		}
		if len(series) == 0 {
			continue
		}
		specs = append(specs, plots.Spec{Name: "in_silico_" + roi, Draw: func() (*plot.Plot, error) {
			dist := distortion.Distortion{Name: ins.Distortion}
			p, err := plots.Lines(roi+" under "+dist.Title()+": each model's best layer (predictions)", dist.LevelLabel(),
				"predicted RSM vs the clean images' (Spearman)", ins.Levels, series...)
			if err != nil {
				return nil, err
			}
			if tr, ok := ins.Truth[roi]; ok && finite(jsonnum.Floats(tr.RSMCorrClean)) {
				pts := make(plotter.XYs, len(ins.Levels))
				for i, x := range ins.Levels {
					pts[i] = plotter.XY{X: x, Y: float64(tr.RSMCorrClean[i])}
				}
				l, err := plotter.NewLine(pts)
				if err != nil {
					return nil, err
				}
				l.Color, l.Width = color.Black, vg.Points(2.5)
				p.Add(l)
				p.Legend.Add("simulated brain (true)", l)
			}
			return p, nil
		}})
	}
	return specs
}

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
