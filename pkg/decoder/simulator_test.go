package decoder

import (
	"context"
	"math"
	"os"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// balancedAccuracy is the mean per-class recall (macro recall), whose chance
// level is 1/classes whatever the class proportions.
func balancedAccuracy(r *Result) float64 { return r.Report.Macro.Recall }

// TestDecoderOnSimulator is the known-answer test: on the full synthetic
// profile (category signal planted in V4 and LatOcc) the original recipe must
// decode the class well above chance; on the null dataset (labels
// independent of the responses) it must not. Chance is 1/3 balanced accuracy.
// With 114 test images the null's standard error is about 0.045, so the null
// must stay below 1/3 + 0.15 (3.3 standard errors). The planted data gives
// 1.00 (seed 11); its floor is 0.90, under that by more than 3 standard
// errors of a balanced accuracy of 0.97 on these classes (about 0.02).
func TestDecoderOnSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("generates two full-profile datasets (~1 min)")
	}
	b, c, err := backend.FromEnv(os.Getenv).New("", backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(backend.Describe(b, c))
	for _, null := range []bool{false, true} {
		cfg, err := synth.Profile("full", 11)
		if err != nil {
			t.Fatal(err)
		}
		cfg = cfg.Clean(1) // the planted signal well above the noise (TestCalibrationFull runs the calibrated profile)
		cfg.Null = null
		d, _, err := synth.Generate(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Run(context.Background(), b, d, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		ba := balancedAccuracy(r)
		t.Logf("null=%v: test accuracy %.3f, balanced accuracy %.3f, macro F1 %.3f", null, r.Report.Accuracy, ba, r.Report.Macro.F1)
		if !null && ba < 0.9 {
			t.Errorf("planted signal: balanced accuracy %.3f, want >= 0.9 (chance 0.333)", ba)
		}
		if null && math.Abs(ba-1.0/3) > 0.15 {
			t.Errorf("null data: balanced accuracy %.3f, want within 0.15 of chance 0.333", ba)
		}
		if r.Test.N != 114 || r.Test.E != 100 || len(r.Sel.Voxels) == 0 {
			t.Errorf("test outputs: %d images, %d-d embedding", r.Test.N, r.Test.E)
		}
	}
}
