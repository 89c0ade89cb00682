package study

import (
	"math"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
)

// TestCaptionsAndNumbers: figures get words, not file names; undefined
// numbers read "n/a", infinite ones "none", never NaN or +Inf.
func TestCaptionsAndNumbers(t *testing.T) {
	for name, want := range map[string]string{
		"rsm_resnet50":            "resnet50: similarity of the test images' embeddings (images grouped by class)",
		"rsm_class_fmri":          "fMRI decoder: similarity of the class-mean embeddings",
		"rsm_corr_fmri":           "RSM correlation of each CNN with the fMRI decoder: raw and category-controlled measures",
		"distortion_accuracy_box": "balanced accuracy along box",
		"hypothesis":              "brain-likeness against robustness, one point per model, intervals on both axes",
		"depth_cka":               "depth cka",
	} {
		if got := caption(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
	for _, c := range []struct {
		v    any
		want string
	}{{math.NaN(), "n/a"}, {jsonnum.Float(math.NaN()), "n/a"}, {math.Inf(1), "none"}, {jsonnum.Float(0.12345), "0.123"}, {0.5, "0.500"}} {
		if got := num(c.v, "%.3f"); got != c.want {
			t.Errorf("%v: %q, want %q", c.v, got, c.want)
		}
	}
}
