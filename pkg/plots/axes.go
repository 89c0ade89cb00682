package plots

import (
	"strconv"

	"gonum.org/v1/plot"
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

// LegendRoom raises the top of p's y axis so that a legend of entries rows,
// drawn at the top right, sits above the data instead of over it: each row
// takes about a tenth of the plotted range. Call it after adding the data
// (and after fixing Y.Max, if the plot fixes it).
func LegendRoom(p *plot.Plot, entries int) {
	if entries == 0 || !(p.Y.Max > p.Y.Min) {
		return
	}
	p.Y.Max += (p.Y.Max - p.Y.Min) * 0.1 * float64(entries)
}
