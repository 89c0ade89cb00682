package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"unicode/utf8"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// Lines draws one line with point markers per series over the shared x
// values (training curves, accuracy against blur level).
func Lines(title, xlabel, ylabel string, x []float64, series ...Series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	for k, s := range series {
		if len(s.Values) != len(x) {
			return nil, fmt.Errorf("%s: series %q has %d values for %d x values", title, s.Label, len(s.Values), len(x))
		}
		pts := make(plotter.XYs, len(x))
		for i := range x {
			pts[i] = plotter.XY{X: x[i], Y: s.Values[i]}
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, fmt.Errorf("%s: series %q: %w", title, s.Label, err)
		}
		l.Color, sc.Color = plotutil.Color(k), plotutil.Color(k)
		l.Dashes = plotutil.Dashes(k)
		sc.Shape = plotutil.Shape(k)
		p.Add(l, sc)
		if s.Label != "" || len(series) > 1 {
			p.Legend.Add(s.Label, l, sc)
		}
	}
	p.Legend.Top = true // PNG keeps the data below it
	p.X.Tick.Marker, p.Y.Tick.Marker = PlainTicks{}, PlainTicks{}
	p.Add(plotter.NewGrid())
	return p, nil
}

// Matrix shows a small labelled matrix (a confusion matrix, a class-by-class
// similarity matrix, ROIs by models) with row 0 at the top, names on both
// axes, and each cell annotated with format (e.g. "%.0f", "%.2f"; "" for
// none). Colours span [lo, hi] on the diverging blue-white-red map.
func Matrix(title, xlabel, ylabel string, rowNames, colNames []string, data []float64, lo, hi float64, format string) (*plot.Plot, error) {
	rows, cols := len(rowNames), len(colNames)
	if len(data) != rows*cols {
		return nil, fmt.Errorf("%s: %d values for %d x %d names", title, len(data), rows, cols)
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewImage(blocks(matrixImage(rows, cols, data, lo, hi, math.MaxInt), cellPixels), 0, 0, float64(cols), float64(rows)))
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, float64(cols), 0, float64(rows)
	p.X.Tick.Marker = nameTicks(colNames, false)
	p.Y.Tick.Marker = nameTicks(rowNames, true)
	if crowded(colNames) {
		p.X.Tick.Label.Rotation = math.Pi / 4
		p.X.Tick.Label.XAlign = -1
		p.X.Tick.Label.YAlign = -0.5
	}
	if format == "" {
		return p, nil
	}
	return Annotate(p, rows, cols, data, format)
}

// Annotate writes each value of a rows x cols matrix drawn by Matrix at the
// centre of its cell, formatted with format.
func Annotate(p *plot.Plot, rows, cols int, data []float64, format string) (*plot.Plot, error) {
	text := make([]string, len(data))
	for i, v := range data {
		text[i] = fmt.Sprintf(format, v)
	}
	return Label(p, rows, cols, text)
}

// Label writes text[r*cols+c] at the centre of cell (r, c) of a rows x cols
// matrix drawn by Matrix.
func Label(p *plot.Plot, rows, cols int, text []string) (*plot.Plot, error) {
	if len(text) != rows*cols {
		return nil, fmt.Errorf("%s: %d labels for %d x %d cells", p.Title.Text, len(text), rows, cols)
	}
	var xys plotter.XYLabels
	for r := range rows {
		for c := range cols {
			xys.XYs = append(xys.XYs, plotter.XY{X: float64(c) + 0.5, Y: float64(rows-r) - 0.5})
			xys.Labels = append(xys.Labels, text[r*cols+c])
		}
	}
	labels, err := plotter.NewLabels(xys)
	if err != nil {
		return nil, err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].XAlign, labels.TextStyle[i].YAlign = -0.5, -0.5
		labels.TextStyle[i].Font.Size = vg.Points(math.Max(6, math.Min(12, 80/float64(max(rows, cols)))))
	}
	p.Add(labels)
	return p, nil
}

// cellPixels is the side of one matrix cell in the rendered image, so cells
// keep sharp edges when the plot scales the image.
const cellPixels = 32

// blocks enlarges img by replicating each pixel k x k times.
func blocks(img image.Image, k int) image.Image {
	r := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, r.Dx()*k, r.Dy()*k))
	for y := range r.Dy() * k {
		for x := range r.Dx() * k {
			out.Set(x, y, img.At(r.Min.X+x/k, r.Min.Y+y/k))
		}
	}
	return out
}

// nameTicks puts one label at the centre of each cell; flipped counts rows
// from the top.
func nameTicks(names []string, flipped bool) plot.ConstantTicks {
	ticks := make(plot.ConstantTicks, len(names))
	for i, n := range names {
		v := float64(i) + 0.5
		if flipped {
			v = float64(len(names)-i) - 0.5
		}
		ticks[i] = plot.Tick{Value: v, Label: n}
	}
	return ticks
}

// Grouped shows an n x n matrix whose rows and columns are ordered in
// consecutive groups (images by class), with each group's name at its
// centre on both axes and row 0 at the top.
func Grouped(title string, n int, data []float64, groups []string, sizes []int, lo, hi float64) (*plot.Plot, error) {
	total := 0
	for _, s := range sizes {
		total += s
	}
	if len(data) != n*n || total != n || len(groups) != len(sizes) {
		return nil, fmt.Errorf("%s: %d values, groups %v of sizes %v for %d rows", title, len(data), groups, sizes, n)
	}
	p := plot.New()
	p.Title.Text = title
	p.Add(plotter.NewImage(blocks(matrixImage(n, n, data, lo, hi, math.MaxInt), max(1, 600/n)), 0, 0, float64(n), float64(n)))
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, float64(n), 0, float64(n)
	var xt, yt plot.ConstantTicks
	start := 0
	for g, name := range groups {
		c := float64(start) + float64(sizes[g])/2
		xt = append(xt, plot.Tick{Value: c, Label: name})
		yt = append(yt, plot.Tick{Value: float64(n) - c, Label: name})
		start += sizes[g]
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = xt, yt
	return p, nil
}

// Scatter draws labelled points (one per model) with axis labels. Each
// label goes next to its point where there is room and further out, with a
// leader line, where points crowd; labels keep clear of each other, of the
// points and of the plot's edges (see placeLabels).
func Scatter(title, xlabel, ylabel string, x, y []float64, labels []string) (*plot.Plot, error) {
	p, l, err := scatter(title, xlabel, ylabel, x, y, labels, nil)
	if err != nil {
		return nil, err
	}
	p.Add(l)
	padRanges(p)
	return p, nil
}

// scatter draws Scatter's grid and points and returns, not yet added, the
// labels' plotter, which also keeps the labels off the error bars of bars.
func scatter(title, xlabel, ylabel string, x, y []float64, labels []string, bars []Point) (*plot.Plot, *placedLabels, error) {
	if len(y) != len(x) || len(labels) != len(x) {
		return nil, nil, fmt.Errorf("plots: %s: %d x values, %d y values and %d labels", title, len(x), len(y), len(labels))
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	xys := make(plotter.XYs, len(x))
	for i := range x {
		xys[i] = plotter.XY{X: x[i], Y: y[i]}
	}
	s, err := plotter.NewScatter(xys)
	if err != nil {
		return nil, nil, fmt.Errorf("plots: %s: %w", title, err)
	}
	s.Color = plotutil.Color(0)
	s.Radius = vg.Points(4)
	l := &placedLabels{xys: xys, labels: labels, font: font.From(plot.DefaultFont, plotter.DefaultFontSize), radius: s.Radius, bars: bars}
	p.Add(plotter.NewGrid(), s)
	p.X.Tick.Marker, p.Y.Tick.Marker = PlainTicks{}, PlainTicks{}
	return p, l, nil
}

// padRanges widens both axes by a twentieth of their range on each side,
// so points at the extremes leave their labels room and their markers clear
// of the axes.
func padRanges(p *plot.Plot) {
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		if d := a.Max - a.Min; d > 0 {
			a.Min, a.Max = a.Min-d/20, a.Max+d/20
		}
	}
}

// Point is a labelled estimate with intervals on both axes (NaN bounds:
// no bar on that axis).
type Point struct {
	Label          string
	X, XLow, XHigh float64
	Y, YLow, YHigh float64
}

// ScatterCI draws labelled points with their intervals as error bars on both
// axes. Points with an undefined coordinate are left out.
func ScatterCI(title, xlabel, ylabel string, points []Point) (*plot.Plot, error) {
	var x, y []float64
	var labels []string
	var bars errorBars
	for _, pt := range points {
		if math.IsNaN(pt.X) || math.IsNaN(pt.Y) {
			continue
		}
		x, y, labels = append(x, pt.X), append(y, pt.Y), append(labels, pt.Label)
		bars = append(bars, pt)
	}
	if len(x) == 0 {
		return nil, fmt.Errorf("plots: %s: no point with both coordinates defined", title)
	}
	p, l, err := scatter(title, xlabel, ylabel, x, y, labels, bars)
	if err != nil {
		return nil, err
	}
	xe, err := plotter.NewXErrorBars(bars)
	if err != nil {
		return nil, err
	}
	ye, err := plotter.NewYErrorBars(bars)
	if err != nil {
		return nil, err
	}
	xe.Color, ye.Color = plotutil.Color(0), plotutil.Color(0)
	if len(bars) > manyIntervals { // a zoo's intervals: faint and thin, so the points and labels stay readable
		r, g, b, _ := plotutil.Color(0).RGBA()
		faint := color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 80}
		xe.Color, ye.Color = faint, faint
		xe.LineStyle.Width, ye.LineStyle.Width = vg.Points(0.5), vg.Points(0.5)
		xe.CapWidth, ye.CapWidth = vg.Points(3), vg.Points(3)
	}
	p.Add(xe, ye, l) // the labels last, over the bars
	padRanges(p)
	return p, nil
}

// manyIntervals is the number of points above which ScatterCI draws the
// intervals faint.
const manyIntervals = 10

// errorBars serves points to gonum's error-bar plotters: an undefined bound
// draws no bar.
type errorBars []Point

func (e errorBars) Len() int                    { return len(e) }
func (e errorBars) XY(i int) (float64, float64) { return e[i].X, e[i].Y }
func (e errorBars) XError(i int) (float64, float64) {
	return orZero(e[i].X - e[i].XLow), orZero(e[i].XHigh - e[i].X)
}
func (e errorBars) YError(i int) (float64, float64) {
	return orZero(e[i].Y - e[i].YLow), orZero(e[i].YHigh - e[i].Y)
}

func orZero(v float64) float64 {
	if math.IsNaN(v) || v < 0 {
		return 0
	}
	return v
}

// crowdedChars is how many characters of column names fit side by side
// under a heatmap at the sizes the project draws (about 330 points of data
// area, 10-point labels).
const crowdedChars = 60

// crowded reports whether a heatmap's column names would run into each
// other unrotated: as many columns as the longest name is wide would not
// fit. Short names ("V1" ... "LatOcc") stay level, where rotated ones
// would cross their ticks.
func crowded(names []string) bool {
	longest := 0
	for _, n := range names {
		longest = max(longest, utf8.RuneCountInString(n))
	}
	return len(names)*longest > crowdedChars
}
