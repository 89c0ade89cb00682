package plots

import (
	"cmp"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// labelGap is the space between a point's marker and a label next to it.
const labelGap = vg.Length(2)

// leaderStyle draws the line from a point to a label placed away from it.
var leaderStyle = draw.LineStyle{Color: color.Gray{Y: 90}, Width: vg.Points(0.6)}

// labelBacking is the translucent white under each label.
var labelBacking = color.NRGBA{R: 255, G: 255, B: 255, A: 190}

// placedLabels draws one label per point where placeLabels puts it: next
// to its point where there is room, else further out with a leader line,
// never over another label or point where any place is free, and inside
// the data area.
type placedLabels struct {
	xys    plotter.XYs
	labels []string
	font   font.Font
	radius vg.Length // the markers' radius
	bars   []Point   // intervals drawn as error bars: kept clear where it costs little
}

// Plot implements plot.Plotter.
func (l *placedLabels) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	face := plot.DefaultTextHandler.Cache().Lookup(l.font, l.font.Size)
	e := face.Extents()
	var idx []int
	var pts, sizes []vg.Point
	for i, xy := range l.xys {
		pt := vg.Point{X: trX(xy.X), Y: trY(xy.Y)}
		if math.IsNaN(xy.X) || math.IsNaN(xy.Y) || !c.Contains(pt) || l.labels[i] == "" {
			continue
		}
		idx = append(idx, i)
		pts = append(pts, pt)
		sizes = append(sizes, vg.Point{X: face.Width(l.labels[i]), Y: e.Ascent + e.Descent})
	}
	var segs []segment
	for _, b := range l.bars {
		x, y := trX(b.X), trY(b.Y)
		if !math.IsNaN(b.XLow) && !math.IsNaN(b.XHigh) {
			segs = append(segs, segment{{X: trX(b.XLow), Y: y}, {X: trX(b.XHigh), Y: y}})
		}
		if !math.IsNaN(b.YLow) && !math.IsNaN(b.YHigh) {
			segs = append(segs, segment{{X: x, Y: trY(b.YLow)}, {X: x, Y: trY(b.YHigh)}})
		}
	}
	boxes := placeLabels(pts, sizes, l.radius, c.Rectangle, segs)
	for k, b := range boxes {
		if ld, ok := leader(pts[k], b, l.radius); ok {
			c.StrokeLine2(leaderStyle, ld[0].X, ld[0].Y, ld[1].X, ld[1].Y)
		}
	}
	for k, b := range boxes {
		// A pale backing keeps the text legible over grid lines and bars.
		c.SetColor(labelBacking)
		c.Fill(b.Path())
		c.SetColor(color.Black)
		c.FillString(face, vg.Point{X: b.Min.X, Y: b.Min.Y + e.Descent}, l.labels[idx[k]])
	}
}

// segment is a straight line between two points.
type segment [2]vg.Point

// leaderSlack is how much further than labelGap a label may sit from its
// marker without a leader line: a line shorter than this would read as a
// stray mark, not as a pointer.
const leaderSlack = vg.Length(6)

// leader is the line from the rim of a point's marker to the nearest point
// of its label's box, when the box is not next to the point.
func leader(pt vg.Point, box vg.Rectangle, radius vg.Length) (segment, bool) {
	if chebyshev(pt, box) <= radius+labelGap+leaderSlack {
		return segment{}, false
	}
	q := vg.Point{X: min(max(pt.X, box.Min.X), box.Max.X), Y: min(max(pt.Y, box.Min.Y), box.Max.Y)}
	d := q.Sub(pt)
	n := vg.Length(math.Hypot(float64(d.X), float64(d.Y)))
	return segment{pt.Add(d.Scale(radius / n)), q}, true
}

// chebyshev is the largest of the horizontal and vertical distances from
// pt to box (0 inside it).
func chebyshev(pt vg.Point, box vg.Rectangle) vg.Length {
	dx := max(box.Min.X-pt.X, pt.X-box.Max.X, 0)
	dy := max(box.Min.Y-pt.Y, pt.Y-box.Max.Y, 0)
	return max(dx, dy)
}

// The placement's search: rings of candidate places around each point, one
// step further out each, and the places on a ring.
const (
	rings       = 16
	ringStep    = vg.Length(5)
	ringPlaces  = 24
	labelMargin = vg.Length(1) // kept free around each placed label
)

// placeLabels places a box of sizes[i] for each point pts[i] (canvas
// coordinates; markers of the given radius) inside area and returns the
// boxes. Labels are placed greedily, those with the most points near them
// first, each at the candidate place of least cost: places are tried on
// rings around the point (the first next to the marker, each further ring
// ringStep out), ringPlaces per ring, all around the point. The cost counts,
// heavily, the area over other labels, over any marker and outside area,
// the length of leader lines over labels or markers and leader lines
// crossing; lightly, how far the label is from its point, how far round
// from above right, and the length of soft segments (error bars) under it. A label with no free place still
// gets the place of least overlap.
func placeLabels(pts, sizes []vg.Point, radius vg.Length, area vg.Rectangle, soft []segment) []vg.Rectangle {
	n := len(pts)
	crowd := make([]int, n)
	for i := range pts {
		for j := range pts {
			if i != j && vg.Length(math.Abs(float64(pts[i].X-pts[j].X))) < sizes[i].X+2*radius &&
				vg.Length(math.Abs(float64(pts[i].Y-pts[j].Y))) < 2*(sizes[i].Y+radius) {
				crowd[i]++
			}
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(crowd[b], crowd[a]) })

	boxes := make([]vg.Rectangle, n)
	var placed []vg.Rectangle // grown by labelMargin
	var leaders []segment
	for _, i := range order {
		p, w, h := pts[i], sizes[i].X, sizes[i].Y
		best, bestCost := vg.Rectangle{}, math.Inf(1)
		for k := range rings {
			r := radius + labelGap + vg.Length(k)*ringStep
			for m := range ringPlaces {
				// From above right (45°) round both ways; sx, sy trace a
				// square, so the box is r clear of the point on each ring.
				turn := (m + 1) / 2
				if m%2 == 1 {
					turn = -turn
				}
				theta := math.Pi/4 + float64(turn)*2*math.Pi/ringPlaces
				sx := math.Max(-1, math.Min(1, math.Cos(theta)*math.Sqrt2))
				sy := math.Max(-1, math.Min(1, math.Sin(theta)*math.Sqrt2))
				c := vg.Point{X: p.X + vg.Length(sx)*(w/2+r), Y: p.Y + vg.Length(sy)*(h/2+r)}
				box := vg.Rectangle{Min: vg.Point{X: c.X - w/2, Y: c.Y - h/2}, Max: vg.Point{X: c.X + w/2, Y: c.Y + h/2}}
				cost := labelCost(box, p, pts, radius, area, placed, leaders, soft)
				cost += 12*float64(k) + 0.5*math.Abs(float64(turn))
				if cost < bestCost {
					best, bestCost = box, cost
				}
			}
		}
		boxes[i] = best
		placed = append(placed, vg.Rectangle{Min: best.Min.Sub(vg.Point{X: labelMargin, Y: labelMargin}), Max: best.Max.Add(vg.Point{X: labelMargin, Y: labelMargin})})
		if ld, ok := leader(p, best, radius); ok {
			leaders = append(leaders, ld)
		}
	}
	return boxes
}

// labelCost is what placing box for the point at p costs, before the
// distance and direction terms (see placeLabels).
func labelCost(box vg.Rectangle, p vg.Point, pts []vg.Point, radius vg.Length, area vg.Rectangle, placed []vg.Rectangle, leaders, soft []segment) float64 {
	// Per pt² of a box over a label, a marker or the edge; per pt of a
	// leader line over a label, over a marker; per leader line crossed.
	const hard, overLabel, overMarker, crossed = 100, 100, 30, 200
	cost := hard * (rectArea(box) - overlapArea(box, area))
	for _, b := range placed {
		cost += hard * overlapArea(box, b)
	}
	rim := vg.Point{X: radius, Y: radius}
	for _, q := range pts {
		cost += hard * overlapArea(box, vg.Rectangle{Min: q.Sub(rim), Max: q.Add(rim)})
	}
	for _, l := range leaders {
		cost += overLabel * clippedLength(l, box)
	}
	if ld, ok := leader(p, box, radius); ok {
		for _, b := range placed {
			cost += overLabel * clippedLength(ld, b)
		}
		for _, q := range pts {
			if q != p {
				cost += overMarker * clippedLength(ld, vg.Rectangle{Min: q.Sub(rim), Max: q.Add(rim)})
			}
		}
		for _, l := range leaders {
			if crosses(ld, l) {
				cost += crossed
			}
		}
	}
	for _, s := range soft {
		cost += 3 * clippedLength(s, box)
	}
	return cost
}

// crosses reports whether segments a and b intersect at a point inside
// both.
func crosses(a, b segment) bool {
	side := func(p, q, r vg.Point) float64 {
		return float64((q.X-p.X)*(r.Y-p.Y) - (q.Y-p.Y)*(r.X-p.X))
	}
	d1, d2 := side(b[0], b[1], a[0]), side(b[0], b[1], a[1])
	d3, d4 := side(a[0], a[1], b[0]), side(a[0], a[1], b[1])
	return d1*d2 < 0 && d3*d4 < 0
}

func rectArea(r vg.Rectangle) float64 {
	return float64(max(0, r.Max.X-r.Min.X)) * float64(max(0, r.Max.Y-r.Min.Y))
}

func overlapArea(a, b vg.Rectangle) float64 {
	return rectArea(vg.Rectangle{Min: vg.Point{X: max(a.Min.X, b.Min.X), Y: max(a.Min.Y, b.Min.Y)},
		Max: vg.Point{X: min(a.Max.X, b.Max.X), Y: min(a.Max.Y, b.Max.Y)}})
}

// clippedLength is the length of the part of s inside r (Liang-Barsky).
func clippedLength(s segment, r vg.Rectangle) float64 {
	x0, y0 := float64(s[0].X), float64(s[0].Y)
	dx, dy := float64(s[1].X)-x0, float64(s[1].Y)-y0
	t0, t1 := 0.0, 1.0
	for _, e := range [4][2]float64{
		{-dx, x0 - float64(r.Min.X)}, {dx, float64(r.Max.X) - x0},
		{-dy, y0 - float64(r.Min.Y)}, {dy, float64(r.Max.Y) - y0},
	} {
		pk, qk := e[0], e[1]
		if pk == 0 {
			if qk < 0 {
				return 0
			}
			continue
		}
		t := qk / pk
		if pk < 0 {
			t0 = math.Max(t0, t)
		} else {
			t1 = math.Min(t1, t)
		}
	}
	if t1 <= t0 {
		return 0
	}
	return (t1 - t0) * math.Hypot(dx, dy)
}
