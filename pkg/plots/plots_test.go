package plots

import (
	"bytes"
	"image/png"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
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
