package insilico

import (
	"context"
	"math"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// TestBlurMovesThePredictedRepresentation: on the simulator, the encoding
// model's prediction at a level that leaves the images as they are is the
// clean one (RSM correlation 1, every image identified); blurring moves
// V1's predicted representation away from it, monotonically over a sweep
// of growing sigma, and identification falls; bad inputs are errors.
func TestBlurMovesThePredictedRepresentation(t *testing.T) {
	cfg, _ := synth.Profile("tiny", 3)
	d, _, err := synth.Write(t.TempDir(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	fit, err := encoding.Run(d, encoding.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		t.Fatal(err)
	}
	var areas []Area
	for _, name := range []string{"V1", "LatOcc"} {
		vox, _ := d.ROIVoxels(name)
		areas = append(areas, Area{Name: name, Voxels: vox})
	}
	blur := distortion.Gaussian()
	blur.Levels = []float64{0, 1, 2, 4}
	out, err := Run(context.Background(), d, fit.Model, sel.Test.Index, sel.Test.Y, []distortion.Distortion{blur}, areas,
		Options{Bootstraps: 100, Level: 0.95, Seed: 1, Pool: encoding.DefaultOptions().Pool})
	if err != nil {
		t.Fatal(err)
	}
	v1 := out["gaussian"]["V1"]
	t.Logf("V1: rsm %v [%v, %v], identification %v; LatOcc: %v", v1.RSMCorrClean, v1.Low, v1.High, v1.Identification, out["gaussian"]["LatOcc"].RSMCorrClean)
	if math.Abs(float64(v1.RSMCorrClean[0])-1) > 1e-12 || v1.Identification[0] != 1 {
		t.Errorf("sigma 0: rsm correlation %v, identification %v, want 1 and 1", v1.RSMCorrClean[0], v1.Identification[0])
	}
	for l := 1; l < len(v1.Levels); l++ {
		if !(v1.RSMCorrClean[l] < v1.RSMCorrClean[l-1]) {
			t.Errorf("V1's predicted representation did not move further at sigma %v: %v", v1.Levels[l], v1.RSMCorrClean)
		}
		if !(v1.Low[l] <= v1.RSMCorrClean[l] && v1.RSMCorrClean[l] <= v1.High[l]) {
			t.Errorf("sigma %v: interval [%v, %v] misses %v", v1.Levels[l], v1.Low[l], v1.High[l], v1.RSMCorrClean[l])
		}
	}
	if last := v1.Identification[len(v1.Identification)-1]; !(last < 1) || v1.Chance != 1/float64(len(sel.Test.Index)) {
		t.Errorf("identification at sigma 4: %v (chance %v)", last, v1.Chance)
	}
	if _, err := Run(context.Background(), d, nil, sel.Test.Index, sel.Test.Y, nil, areas, Options{}); err == nil {
		t.Error("no model: accepted")
	}
	if _, err := Run(context.Background(), d, fit.Model, sel.Test.Index[:2], sel.Test.Y[:2], nil, areas, Options{}); err == nil {
		t.Error("two test images: accepted")
	}
}
