package plots

import (
	"bytes"
	"fmt"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

func TestFiguresRenderAsPNG(t *testing.T) {
	bars, err := Bars("counts", "images", []string{"a", "b", "c"}, Series{"train", []float64{3, 1, 2}}, Series{"test", []float64{1, 0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	hist, err := Histogram("h", "x", []float64{1, 2, 2, 3, 3, 3}, 3)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]float64, 30*2000)
	for i := range data {
		data[i] = float64(i%7) - 3
	}
	figs := map[string]*plot.Plot{"bars": bars, "hist": hist,
		"heat": Heatmap("m", "voxel", "stimulus", 30, 2000, data, -1, 1),
		"gray": Gray("img", 4, 3, []float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})}
	for name, p := range figs {
		f, err := Render(name, p, 4*vg.Inch, 3*vg.Inch)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(f.PNG))
		if err != nil {
			t.Fatalf("%s: not a PNG: %v", name, err)
		}
		if b := img.Bounds(); b.Dx() != 384 || b.Dy() != 288 {
			t.Errorf("%s: %v, want 384x288 (4x3 in at 96 dpi)", name, b)
		}
	}
}

// TestHeatmapBlockAverage checks the reduction: a 2 x 4 matrix shown in 2 x 2
// pixels averages column pairs, and clipping happens after averaging.
func TestHeatmapBlockAverage(t *testing.T) {
	data := []float64{-1, -1, 5, -3, 1, 1, 0, 0}
	img := matrixImage(2, 4, data, -1, 1, 2)
	// (5 + -3)/2 = 1 -> the top of the map (red); (-1-1)/2 = -1 -> blue; 0 -> white-ish.
	r, _, b, _ := img.At(1, 0).RGBA()
	if r <= b {
		t.Errorf("mean +1 should be red, got r=%d b=%d", r, b)
	}
	r, _, b, _ = img.At(0, 0).RGBA()
	if b <= r {
		t.Errorf("mean -1 should be blue, got r=%d b=%d", r, b)
	}
	r, g, b, _ := img.At(1, 1).RGBA()
	if r < 0xc000 || g < 0xc000 || b < 0xc000 {
		t.Errorf("mean 0 should be near white, got %d %d %d", r, g, b)
	}
}

// TestNewFiguresRenderAndRefuseBadShapes: the study's matrix, grouped,
// lines, scatter and tile figures render to PNG, and sizes that do not fit
// are errors naming the figure.
func TestNewFiguresRenderAndRefuseBadShapes(t *testing.T) {
	good := []func() (*plot.Plot, error){
		func() (*plot.Plot, error) {
			return Matrix("m", "x", "y", []string{"a", "b"}, []string{"c", "d", "e"}, []float64{1, 2, 3, 4, 5, 6}, 0, 6, "%.0f")
		},
		func() (*plot.Plot, error) {
			return Grouped("g", 3, []float64{1, 0, 0, 0, 1, 1, 0, 1, 1}, []string{"p", "q"}, []int{1, 2}, -1, 1)
		},
		func() (*plot.Plot, error) {
			return Lines("l", "x", "y", []float64{0, 1}, Series{Label: "s", Values: []float64{1, 2}})
		},
		func() (*plot.Plot, error) {
			return Scatter("s", "x", "y", []float64{1, 2}, []float64{3, 4}, []string{"a", "b"})
		},
		func() (*plot.Plot, error) {
			return Tiles("t", 1, 2, 2, 2, [][]float32{{0, 1, 2, 3}, {3, 2, 1, 0}}, []string{"0", "1"}, []string{"r"})
		},
	}
	for i, f := range good {
		p, err := f()
		if err != nil {
			t.Fatalf("figure %d: %v", i, err)
		}
		b, err := PNG(p, WideW, WideH)
		if err != nil || len(b) < 100 || string(b[1:4]) != "PNG" {
			t.Errorf("figure %d: %d bytes, %v", i, len(b), err)
		}
	}
	if _, err := Matrix("bad", "", "", []string{"a"}, []string{"b"}, []float64{1, 2}, 0, 1, ""); err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("matrix of the wrong size: %v", err)
	}
	if _, err := Grouped("bad", 2, make([]float64, 4), []string{"a"}, []int{3}, 0, 1); err == nil {
		t.Error("groups that do not add up were accepted")
	}
	if _, err := Lines("bad", "", "", []float64{1, 2}, Series{Values: []float64{1}}); err == nil {
		t.Error("a series shorter than x was accepted")
	}
}

// TestPlainTicks: tick labels carry no padding decimals.
func TestPlainTicks(t *testing.T) {
	for _, tk := range (PlainTicks{}).Ticks(0, 75) {
		if strings.Contains(tk.Label, ".") {
			t.Errorf("tick %v labelled %q", tk.Value, tk.Label)
		}
	}
	labels := map[string]bool{}
	for _, tk := range (PlainTicks{}).Ticks(0, 1) {
		labels[tk.Label] = true
	}
	if !labels["0.5"] && !labels["0.4"] {
		t.Errorf("ticks over [0, 1]: %v", labels)
	}
}

// TestLegendKeepsOffTheData: a top legend of many entries over lines that
// end at their highest under it, and over bars, is drawn above the data at
// the project's sizes; the plot passed in keeps its axis.
func TestLegendKeepsOffTheData(t *testing.T) {
	x := []float64{0, 1, 2, 3}
	var series []Series
	var names []string
	for k := range 8 {
		names = append(names, fmt.Sprintf("series %d", k))
		series = append(series, Series{Label: names[k], Values: []float64{0, 0.2, 0.5, 1 - 0.01*float64(k)}})
	}
	lines, err := Lines("lines", "x", "y", x, series...)
	if err != nil {
		t.Fatal(err)
	}
	bars, err := Bars("bars", "n", []string{"a", "b", "c"}, Series{"train", []float64{10, 20, 60}}, Series{"test", []float64{5, 20, 58}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		p     *plot.Plot
		top   float64 // the highest data value
		names []string
		w, h  vg.Length
	}{{"lines", lines, 1, names, WideW, WideH}, {"lines, square", lines, 1, names, SquareW, SquareH}, {"bars", bars, 60, []string{"train", "test"}, WideW, WideH}} {
		before := c.p.Y.Max
		q := legendRoom(c.p, c.w, c.h)
		if c.p.Y.Max != before {
			t.Errorf("%s: the plot's own axis changed from %v to %v", c.name, before, c.p.Y.Max)
		}
		rec := &recorder.Canvas{}
		canvas := draw.Canvas{Canvas: rec, Rectangle: vg.Rectangle{Max: vg.Point{X: c.w, Y: c.h}}}
		q.Draw(canvas)
		legendBottom := vg.Length(math.Inf(1))
		for _, a := range rec.Actions {
			if f, ok := a.(*recorder.FillString); ok && slices.Contains(c.names, f.String) {
				face := plot.DefaultTextHandler.Cache().Lookup(f.Font, f.Size)
				e := face.Extents()
				legendBottom = min(legendBottom, f.Point.Y-e.Descent)
			}
		}
		area := q.DataCanvas(canvas)
		_, trY := q.Transforms(&area)
		if top := trY(c.top); !(top < legendBottom) {
			t.Errorf("%s: the data reach %.1f pt, the legend's lowest entry starts at %.1f pt", c.name, top, legendBottom)
		}
	}
}

// A matrix's column names are rotated only when they would run into each
// other: the seven areas stay level, five long model names turn.
func TestMatrixRotatesOnlyCrowdedNames(t *testing.T) {
	areas := []string{"V1", "V2", "V3", "V3A", "V3B", "V4", "LatOcc"}
	models := []string{"vgg11_bn", "resnet50", "resnext50_32x4d", "densenet121", "mobilenet_v3_large"}
	for _, c := range []struct {
		cols    []string
		rotated bool
	}{{areas, false}, {models[:3], false}, {models, true}} {
		p, err := Matrix("m", "x", "y", []string{"a", "b"}, c.cols, make([]float64, 2*len(c.cols)), -1, 1, "%.2f")
		if err != nil {
			t.Fatal(err)
		}
		if got := p.X.Tick.Label.Rotation != 0; got != c.rotated {
			t.Errorf("columns %v: rotated %v, want %v", c.cols, got, c.rotated)
		}
	}
}
