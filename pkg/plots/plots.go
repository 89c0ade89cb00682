package plots

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
)

// Figure is a rendered figure with a file-friendly name.
type Figure struct {
	Name string // e.g. "class_counts_level1"; the PNG is Name+".png"
	PNG  []byte
}

// PNG renders p at w x h. A legend at the top gets room above the data:
// the y axis of the rendered plot reaches as high as the legend needs at
// this size (p itself is not changed).
func PNG(p *plot.Plot, w, h vg.Length) ([]byte, error) {
	wt, err := legendRoom(p, w, h).WriterTo(w, h, "png")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Render is PNG wrapped into a named Figure.
func Render(name string, p *plot.Plot, w, h vg.Length) (Figure, error) {
	b, err := PNG(p, w, h)
	if err != nil {
		return Figure{}, fmt.Errorf("figure %s: %w", name, err)
	}
	return Figure{Name: name, PNG: b}, nil
}

// Save writes a figure to dir/Name.png atomically.
func (f Figure) Save(dir string) error {
	return atomicfile.WriteBytes(dir+"/"+f.Name+".png", f.PNG)
}

// Series is one coloured group of bars.
type Series struct {
	Label  string
	Values []float64
}

// Bars is a grouped bar chart: one group per name, one bar per series.
func Bars(title, ylabel string, names []string, series ...Series) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.Y.Label.Text = ylabel
	w := vg.Points(math.Max(3, math.Min(20, 360/float64(len(names)*len(series)+1))))
	for k, s := range series {
		b, err := plotter.NewBarChart(plotter.Values(s.Values), w)
		if err != nil {
			return nil, fmt.Errorf("%s: series %q: %w", title, s.Label, err)
		}
		b.Color = plotutil.Color(k)
		b.LineStyle.Width = 0
		b.Offset = w * vg.Length(float64(k)-float64(len(series)-1)/2)
		p.Add(b)
		if len(series) > 1 {
			p.Legend.Add(s.Label, b)
		}
	}
	p.Legend.Top = true // PNG keeps the data below it
	p.Y.Tick.Marker = PlainTicks{}
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.5, float64(len(names))-0.5 // room for the outer groups' offset bars
	if len(names) > 8 {
		p.X.Tick.Label.Rotation = math.Pi / 3
		p.X.Tick.Label.XAlign = -1 // draw.XRight
		p.X.Tick.Label.YAlign = -0.5
	}
	return p, nil
}

// Histogram of values in bins equal-width bins.
func Histogram(title, xlabel string, values []float64, bins int) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = "count"
	h, err := plotter.NewHist(plotter.Values(values), bins)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", title, err)
	}
	h.FillColor = plotutil.Color(0)
	p.Add(h)
	p.X.Tick.Marker, p.Y.Tick.Marker = PlainTicks{}, PlainTicks{}
	return p, nil
}

// Heatmap shows a rows x cols row-major matrix with a diverging blue-white-red
// map over [lo, hi] (values outside are clipped). Large matrices are reduced
// by block averaging to at most maxPixels per side, so a 1750 x 8428 response
// matrix renders in milliseconds.
func Heatmap(title, xlabel, ylabel string, rows, cols int, data []float64, lo, hi float64) *plot.Plot {
	const maxPixels = 1000
	img := matrixImage(rows, cols, data, lo, hi, maxPixels)
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s (blue %.3g .. red %.3g)", title, lo, hi)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	// Row 0 at the top, as imshow shows matrices.
	p.Add(plotter.NewImage(img, 0, 0, float64(cols), float64(rows)))
	p.Y.Scale = plot.LinearScale{}
	p.Y.Min, p.Y.Max = 0, float64(rows)
	p.Y.Tick.Marker = flippedTicks{rows: float64(rows)}
	p.X.Tick.Marker = PlainTicks{}
	return p
}

// flippedTicks labels a y axis whose image row 0 is drawn at the top.
type flippedTicks struct{ rows float64 }

func (f flippedTicks) Ticks(min, max float64) []plot.Tick {
	// Nice row numbers, each placed where that row is drawn.
	ticks := PlainTicks{}.Ticks(min, max)
	for i := range ticks {
		ticks[i].Value = f.rows - ticks[i].Value
	}
	return ticks
}

func matrixImage(rows, cols int, data []float64, lo, hi float64, maxPixels int) image.Image {
	pr, pc := min(rows, maxPixels), min(cols, maxPixels)
	sum := make([]float64, pr*pc)
	cnt := make([]float64, pr*pc)
	for r := range rows {
		ir := r * pr / rows
		for c := range cols {
			k := ir*pc + c*pc/cols
			sum[k] += data[r*cols+c]
			cnt[k]++
		}
	}
	cm := moreland.SmoothBlueRed()
	cm.SetMin(lo)
	cm.SetMax(hi)
	img := image.NewRGBA(image.Rect(0, 0, pc, pr))
	for k := range sum {
		v := math.Max(lo, math.Min(hi, sum[k]/cnt[k]))
		col, err := cm.At(v)
		if err != nil {
			col = color.Black
		}
		img.Set(k%pc, k/pc, col)
	}
	return img
}

// Gray shows an h x w grayscale image, scaled so its min is black and max white.
func Gray(title string, h, w int, pix []float32) *plot.Plot {
	lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
	for _, v := range pix {
		lo, hi = min(lo, v), max(hi, v)
	}
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i, v := range pix {
		g := uint8(0)
		if hi > lo {
			g = uint8(math.Round(float64((v - lo) / (hi - lo) * 255)))
		}
		img.Pix[i] = g
	}
	p := plot.New()
	p.Title.Text = title
	p.Add(plotter.NewImage(img, 0, 0, float64(w), float64(h)))
	p.HideAxes()
	return p
}

// The project's two figure sizes: wide (plots over an axis) and square
// (images and matrices).
const (
	WideW, WideH     = 7 * vg.Inch, 4.5 * vg.Inch
	SquareW, SquareH = 5 * vg.Inch, 5 * vg.Inch
)

// Spec is a figure to draw: its file name, how to draw it, and its shape.
type Spec struct {
	Name   string
	Draw   func() (*plot.Plot, error)
	Square bool
}

// RenderAll draws and renders every spec in order; the error names the
// figure that failed.
func RenderAll(specs ...Spec) ([]Figure, error) {
	out := make([]Figure, 0, len(specs))
	for _, s := range specs {
		p, err := s.Draw()
		if err != nil {
			return nil, fmt.Errorf("figure %s: %w", s.Name, err)
		}
		w, h := WideW, WideH
		if s.Square {
			w, h = SquareW, SquareH
		}
		f, err := Render(s.Name, p, w, h)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// SaveAll writes every figure into dir.
func SaveAll(dir string, figs []Figure) error {
	for _, f := range figs {
		if err := f.Save(dir); err != nil {
			return err
		}
	}
	return nil
}

// Tiles lays out rows x cols grayscale h x w images (row-major in imgs, each
// scaled to its own range) in one figure with a small gap, labelling columns
// and rows at their centres: blurred examples by level.
func Tiles(title string, rows, cols, h, w int, imgs [][]float32, colLabels, rowLabels []string) (*plot.Plot, error) {
	if len(imgs) != rows*cols || len(colLabels) != cols || len(rowLabels) != rows {
		return nil, fmt.Errorf("%s: %d images, %d column and %d row labels for %d x %d tiles", title, len(imgs), len(colLabels), len(rowLabels), rows, cols)
	}
	const gap = 4
	W, H := cols*(w+gap)-gap, rows*(h+gap)-gap
	img := image.NewGray(image.Rect(0, 0, W, H))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for t, pix := range imgs {
		r, c := t/cols, t%cols
		lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
		for _, v := range pix {
			lo, hi = min(lo, v), max(hi, v)
		}
		for y := range h {
			for x := range w {
				g := uint8(0)
				if hi > lo {
					g = uint8(math.Round(float64((pix[y*w+x] - lo) / (hi - lo) * 255)))
				}
				img.Pix[(r*(h+gap)+y)*W+c*(w+gap)+x] = g
			}
		}
	}
	p := plot.New()
	p.Title.Text = title
	p.Add(plotter.NewImage(img, 0, 0, float64(W), float64(H)))
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, float64(W), 0, float64(H)
	var xt, yt plot.ConstantTicks
	for c, l := range colLabels {
		xt = append(xt, plot.Tick{Value: float64(c*(w+gap) + w/2), Label: l})
	}
	for r, l := range rowLabels {
		yt = append(yt, plot.Tick{Value: float64(H - r*(h+gap) - h/2), Label: l})
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = xt, yt
	return p, nil
}
