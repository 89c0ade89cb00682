package hypothesis

import (
	"context"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
)

// TestPowerGridAndPlot: the grid's rows come models outer, effects inner,
// each equal to Power's for its cell; the plot renders and refuses rows
// that do not fill the grid; a cancelled context stops the grid.
func TestPowerGridAndPlot(t *testing.T) {
	models, effects := []int{10, 20}, []float64{0, 0.5}
	done := 0
	rows, err := PowerGrid(context.Background(), models, effects, 114, 3, 40, 39, 7, func(runs int) { done += runs })
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || done != 160 {
		t.Fatalf("%d rows, %d runs reported", len(rows), done)
	}
	for i, n := range models {
		for k, e := range effects {
			want, _ := Power(e, n, 114, 3, 40, 39, 7)
			if rows[i*len(effects)+k] != want {
				t.Errorf("cell %d models, effect %v: %+v, Power gives %+v", n, e, rows[i*len(effects)+k], want)
			}
		}
	}
	p, err := PowerPlot(models, effects, rows)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := plots.PNG(p, plots.WideW, plots.WideH); err != nil || len(b) < 1000 {
		t.Errorf("power plot: %d bytes, %v", len(b), err)
	}
	if _, err := PowerPlot(models, effects, rows[:3]); err == nil {
		t.Error("3 rows for a 2 x 2 grid were accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := PowerGrid(ctx, models, effects, 114, 3, 40, 39, 7, nil); err == nil {
		t.Error("a cancelled grid ran")
	}
}
