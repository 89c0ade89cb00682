package encoding

import (
	"math"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
)

// TestROITableSaysWhy: an area without repeated trials has no noise
// ceiling and one without voxels no median; the table says so instead of
// printing NaN.
func TestROITableSaysWhy(t *testing.T) {
	nan := jsonnum.Float(math.NaN())
	r := Result{ROIs: []ROIAccuracy{
		{ROI: "V1", Voxels: 10, Median: 0.25, NoiseCeiling: 0.5, Identification: Proportion{Value: 0.75}},
		{ROI: "V3B", Voxels: 0, Median: nan, NoiseCeiling: nan, Identification: Proportion{Value: math.NaN()}},
	}}
	got := r.ROITable()
	want := "V1         10 voxels  median r 0.250  noise ceiling 0.500  identification 0.750\n" +
		"V3B         0 voxels  median r n/a (no voxels)  noise ceiling n/a (no repeated trials)  identification n/a (no voxels)\n"
	if got != want || strings.Contains(got, "NaN") {
		t.Errorf("table:\n%s\nwant:\n%s", got, want)
	}
}
