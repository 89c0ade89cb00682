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
// of growing sigma, and identification falls. The simulated brain's true
// responses to the same images (synth.Truth.Signal, on the measured
// responses' scale: synth.Truth.NoiseSD) give the curves a perfect model
// would give; measured here (tiny profile, seed 3) the fitted model is
// biased: V1's true curve falls faster (sigma 1/2/4: 0.91, 0.66, 0.48
// against the model's 0.92, 0.80, 0.62), LatOcc's slower (1.00, 0.99,
// 0.95 against 0.91, 0.81, 0.62: its category component ignores blur,
// which the Gabor model cannot know). Bad inputs are errors.
func TestBlurMovesThePredictedRepresentation(t *testing.T) {
	cfg, _ := synth.Profile("tiny", 3)
	dir := t.TempDir()
	d, _, err := synth.Write(dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := synth.ReadTruth(dir)
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
	signal, err := truth.TestSignal(d.Train.Stimuli, sel.Test.Index)
	if err != nil {
		t.Fatal(err)
	}
	noise, err := truth.NoiseSD(1)
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
		Options{Bootstraps: 100, Level: 0.95, Seed: 1, Pool: encoding.DefaultOptions().Pool,
			Truth: signal, TruthNoise: noise})
	if err != nil {
		t.Fatal(err)
	}
	v1 := out["gaussian"]["V1"]
	t.Logf("V1: rsm %v [%v, %v], identification %v; LatOcc: %v", v1.RSMCorrClean, v1.Low, v1.High, v1.Identification, out["gaussian"]["LatOcc"].RSMCorrClean)
	for _, roi := range []string{"V1", "LatOcc"} {
		c := out["gaussian"][roi]
		t.Logf("%s truth: rsm %v [%v, %v], identification %v", roi, c.Truth.RSMCorrClean, c.Truth.Low, c.Truth.High, c.Truth.Identification)
	}
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
	// the simulated brain's own curves: 1 where nothing changes, V1's falling
	// with blur, LatOcc's (category-driven) holding up better than V1's
	tv1, tlo := v1.Truth, out["gaussian"]["LatOcc"].Truth
	if tv1 == nil || tlo == nil || tv1.RSMCorrClean[0] != 1 {
		t.Fatalf("no true curves: %+v", v1.Truth)
	}
	for l := 1; l < len(tv1.Levels); l++ {
		if !(tv1.RSMCorrClean[l] < tv1.RSMCorrClean[l-1]) {
			t.Errorf("the true V1 representation did not move further at sigma %v: %v", tv1.Levels[l], tv1.RSMCorrClean)
		}
	}
	if last := len(tv1.Levels) - 1; !(tlo.RSMCorrClean[last] > tv1.RSMCorrClean[last]) {
		t.Errorf("true LatOcc %v not above true V1 %v at sigma 4", tlo.RSMCorrClean[last], tv1.RSMCorrClean[last])
	}
	if _, err := Run(context.Background(), d, fit.Model, sel.Test.Index, sel.Test.Y, []distortion.Distortion{blur}, areas,
		Options{Pool: encoding.DefaultOptions().Pool, TruthNoise: noise[:3], Truth: signal}); err == nil {
		t.Error("noise s.d. of 3 voxels: accepted")
	}
	if _, err := Run(context.Background(), d, nil, sel.Test.Index, sel.Test.Y, nil, areas, Options{}); err == nil {
		t.Error("no model: accepted")
	}
	if _, err := Run(context.Background(), d, fit.Model, sel.Test.Index[:2], sel.Test.Y[:2], nil, areas, Options{}); err == nil {
		t.Error("two test images: accepted")
	}
}
