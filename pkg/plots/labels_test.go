package plots

import (
	"slices"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// drawnLabel is a label as the canvas received it: its text and the box
// its glyphs cover.
type drawnLabel struct {
	text string
	box  vg.Rectangle
}

// drawScatter draws p at WideW x WideH onto a recording canvas and returns
// the boxes of the strings in names (as drawn, from the recorded FillString
// calls: the baseline's left end, the font's ascent and descent, the
// string's width), the strokes drawn in the leader line's colour, and the
// data area.
func drawScatter(t *testing.T, p *plot.Plot, names []string) ([]drawnLabel, [][]vg.Point, vg.Rectangle) {
	t.Helper()
	rec := &recorder.Canvas{}
	c := draw.Canvas{Canvas: rec, Rectangle: vg.Rectangle{Max: vg.Point{X: WideW, Y: WideH}}}
	p.Draw(c)
	var labels []drawnLabel
	var leaders [][]vg.Point
	var colour any
	for _, a := range rec.Actions {
		switch a := a.(type) {
		case *recorder.SetColor:
			colour = a.Color
		case *recorder.FillString:
			if !slices.Contains(names, a.String) {
				continue
			}
			face := plot.DefaultTextHandler.Cache().Lookup(a.Font, a.Size)
			e := face.Extents()
			labels = append(labels, drawnLabel{a.String, vg.Rectangle{
				Min: vg.Point{X: a.Point.X, Y: a.Point.Y - e.Descent},
				Max: vg.Point{X: a.Point.X + face.Width(a.String), Y: a.Point.Y + e.Ascent}}})
		case *recorder.Stroke:
			if colour == leaderStyle.Color {
				var pts []vg.Point
				for _, comp := range a.Path {
					pts = append(pts, comp.Pos)
				}
				leaders = append(leaders, pts)
			}
		}
	}
	if len(labels) != len(names) {
		t.Fatalf("%d of the %d labels drawn: %v", len(labels), len(names), labels)
	}
	return labels, leaders, p.DataCanvas(c).Rectangle
}

func overlap(a, b vg.Rectangle) bool {
	return a.Min.X < b.Max.X && b.Min.X < a.Max.X && a.Min.Y < b.Max.Y && b.Min.Y < a.Max.Y
}

// TestScatterLabelsDoNotOverlap: eight models within a few hundredths of
// each other on both axes (the study's CNNs when they agree) and one far
// off. With every label at the same offset from its point they would pile
// up; each label's box must be clear of every other label's box and of
// every point, lie inside the data area, and a label moved away from its
// point must get a leader line.
func TestScatterLabelsDoNotOverlap(t *testing.T) {
	names := []string{"resnet18", "resnet50", "densenet121", "mobilenet_v3_large", "vgg11_bn", "resnext50_32x4d", "alexnet", "squeezenet1_1", "fMRI decoder"}
	x := []float64{0.30, 0.31, 0.305, 0.30, 0.315, 0.31, 0.295, 0.305, 0.6}
	y := []float64{0.50, 0.51, 0.49, 0.52, 0.50, 0.495, 0.505, 0.515, 0.1}
	p, err := Scatter("clustered", "x", "y", x, y, names)
	if err != nil {
		t.Fatal(err)
	}
	labels, leaders, area := drawScatter(t, p, names)
	trX, trY := p.Transforms(&draw.Canvas{Rectangle: area})
	var points []vg.Rectangle
	for i := range x {
		pt := vg.Point{X: trX(x[i]), Y: trY(y[i])}
		r := vg.Points(3) // inside the marker's 4 pt radius: a box touching the rim is not over the point
		points = append(points, vg.Rectangle{Min: pt.Sub(vg.Point{X: r, Y: r}), Max: pt.Add(vg.Point{X: r, Y: r})})
	}
	for i, a := range labels {
		for _, b := range labels[i+1:] {
			if overlap(a.box, b.box) {
				t.Errorf("labels %q %v and %q %v overlap", a.text, a.box, b.text, b.box)
			}
		}
		for j, pt := range points {
			if overlap(a.box, pt) {
				t.Errorf("label %q %v covers the point of %q %v", a.text, a.box, names[j], pt)
			}
		}
		if a.box.Min.X < area.Min.X || a.box.Max.X > area.Max.X || a.box.Min.Y < area.Min.Y || a.box.Max.Y > area.Max.Y {
			t.Errorf("label %q %v leaves the data area %v", a.text, a.box, area)
		}
	}
	// A label whose box is not next to its point is joined to it by a line.
	moved := 0
	for _, l := range labels {
		i := slices.Index(names, l.text)
		c := vg.Point{X: trX(x[i]), Y: trY(y[i])}
		if chebyshev(c, l.box) <= vg.Points(4)+labelGap+leaderSlack {
			continue
		}
		moved++
		found := false
		for _, ld := range leaders {
			if len(ld) == 2 && chebyshev(ld[0], points[i]) < vg.Points(2) && chebyshev(ld[1], l.box) < vg.Points(0.5) {
				found = true
			}
		}
		if !found {
			t.Errorf("label %q %v is %.1f pt from its point %v with no leader line (lines %v)", l.text, l.box, chebyshev(c, l.box), c, leaders)
		}
	}
	if moved == 0 {
		t.Error("eight labels around a cluster all sit next to their points: the cluster is not clustered enough to test the leader lines")
	}
}

// TestScatterLabelsAtTheEdges: points at the data area's corners and edges
// keep their labels inside the data area (not over the axes, not cut off
// at the image border), next to their points.
func TestScatterLabelsAtTheEdges(t *testing.T) {
	names := []string{"top right corner", "right edge", "bottom right", "bottom left", "top left", "top edge"}
	x := []float64{1, 1, 1, 0, 0, 0.5}
	y := []float64{1, 0.5, 0, 0, 1, 1}
	p, err := Scatter("edges", "x", "y", x, y, names)
	if err != nil {
		t.Fatal(err)
	}
	labels, leaders, area := drawScatter(t, p, names)
	trX, trY := p.Transforms(&draw.Canvas{Rectangle: area})
	for _, l := range labels {
		if l.box.Min.X < area.Min.X || l.box.Max.X > area.Max.X || l.box.Min.Y < area.Min.Y || l.box.Max.Y > area.Max.Y {
			t.Errorf("label %q %v leaves the data area %v", l.text, l.box, area)
		}
		i := slices.Index(names, l.text)
		if d := chebyshev(vg.Point{X: trX(x[i]), Y: trY(y[i])}, l.box); d > vg.Points(4)+labelGap+vg.Points(0.5) {
			t.Errorf("label %q is %.1f pt from its point, with room beside it", l.text, d)
		}
	}
	if len(leaders) != 0 {
		t.Errorf("leader lines %v where every label sits next to its point", leaders)
	}
}

// TestPlaceLabelsGeometry checks the placement on its own: a box in the
// preferred place (above right) when nothing is in the way, each box clear
// of the others and of the points for points on top of each other, and a
// box that cannot fit anywhere still returned (least overlap) rather than
// dropped.
func TestPlaceLabelsGeometry(t *testing.T) {
	area := vg.Rectangle{Max: vg.Point{X: 400, Y: 300}}
	size := vg.Point{X: 40, Y: 10}
	boxes := placeLabels([]vg.Point{{X: 200, Y: 150}}, []vg.Point{size}, 4, area, nil)
	if b := boxes[0]; !(b.Min.X > 200 && b.Min.Y > 150) {
		t.Errorf("a lone label at %v, want above right of (200, 150)", b)
	}
	var pts []vg.Point
	var sizes []vg.Point
	for range 12 {
		pts = append(pts, vg.Point{X: 200, Y: 150})
		sizes = append(sizes, size)
	}
	boxes = placeLabels(pts, sizes, 4, area, nil)
	for i, a := range boxes {
		if a.Size() != size {
			t.Errorf("box %d is %v, want the label's size %v", i, a.Size(), size)
		}
		for j, b := range boxes[i+1:] {
			if overlap(a, b) {
				t.Errorf("boxes %d %v and %d %v overlap", i, a, i+1+j, b)
			}
		}
		if overlap(a, vg.Rectangle{Min: vg.Point{X: 197, Y: 147}, Max: vg.Point{X: 203, Y: 153}}) {
			t.Errorf("box %d %v covers the point", i, a)
		}
	}
	tiny := vg.Rectangle{Max: vg.Point{X: 30, Y: 30}}
	boxes = placeLabels([]vg.Point{{X: 15, Y: 15}}, []vg.Point{size}, 4, tiny, nil)
	if len(boxes) != 1 || boxes[0].Size() != size {
		t.Errorf("a label wider than the area: %v", boxes)
	}
}

// TestScatterRefusesMismatchedSlices: labels, x and y must be as long as
// each other.
func TestScatterRefusesMismatchedSlices(t *testing.T) {
	if _, err := Scatter("s", "x", "y", []float64{1, 2}, []float64{1}, []string{"a", "b"}); err == nil {
		t.Error("y shorter than x was accepted")
	}
	if _, err := Scatter("s", "x", "y", []float64{1, 2}, []float64{1, 2}, []string{"a"}); err == nil {
		t.Error("fewer labels than points were accepted")
	}
}
