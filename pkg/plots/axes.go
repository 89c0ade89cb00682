package plots

import (
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// PlainTicks are gonum's default tick positions with labels written as
// short as the value allows ("75", "0.25", "250"), instead of a fixed
// number of decimals ("75.00").
type PlainTicks struct{}

// Ticks implements plot.Ticker.
func (PlainTicks) Ticks(min, max float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ts {
		if ts[i].Label != "" {
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'g', 10, 64)
		}
	}
	return ts
}

// legendGap is the space kept between a top legend and the data below it:
// a marker (up to 4 points in radius) and a few points of air.
const legendGap = vg.Length(8)

// legendRoom returns p, or, when p has a legend at the top, a copy of p
// whose y axis reaches high enough that the data, drawn at w x h, stay
// below the legend instead of under it (the copy shares p's data; p is
// unchanged). The legend's height is measured, so the room fits its number
// of entries, its font and the figure's size.
func legendRoom(p *plot.Plot, w, h vg.Length) *plot.Plot {
	if !p.Legend.Top || !(p.Y.Max > p.Y.Min) {
		return p
	}
	if _, linear := p.Y.Scale.(plot.LinearScale); !linear {
		return p
	}
	c := draw.Canvas{Rectangle: vg.Rectangle{Max: vg.Point{X: w, Y: h}}}
	legend := p.Legend.Rectangle(c).Size().Y
	if legend == 0 {
		return p
	}
	area := p.DataCanvas(c).Rectangle
	// The legend hangs from the top of the area above the data's padding:
	// from area.Max.Y at the lowest.
	free := (area.Max.Y - legend - legendGap - area.Min.Y) / area.Size().Y
	if free <= 0.2 { // a legend taller than the plot: no room would help
		return p
	}
	q := *p
	q.Y.Max = p.Y.Min + (p.Y.Max-p.Y.Min)/float64(free)
	return &q
}
