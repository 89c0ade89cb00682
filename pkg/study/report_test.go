package study

import (
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/hypothesis"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
)

// TestCaptionsAndNumbers: figures get words, not file names; undefined
// numbers read "n/a", infinite ones "none", never NaN or +Inf.
func TestCaptionsAndNumbers(t *testing.T) {
	for name, want := range map[string]string{
		"rsm_resnet50":              "resnet50: similarity of the test images' embeddings (images grouped by class)",
		"rsm_class_fmri":            "fMRI decoder: similarity of the class-mean embeddings",
		"rsm_corr_fmri":             "RSM correlation of each CNN with the fMRI decoder: raw and category-controlled measures",
		"distortion_accuracy_box":   "balanced accuracy along box blur",
		"hypothesis":                "brain-likeness against robustness, one point per model, intervals on both axes",
		"depth_cka":                 "relative depth of each area's best layer by CKA, mean over the CNNs",
		"class_counts_level2":       "images per class of the level-2 labels, training and test",
		"fmri_accuracy":             "fMRI decoder: accuracy per epoch, training and validation",
		"vgg11_bn_confusion":        "vgg11_bn: confusion matrix on the test images",
		"resnet50_rsa_within_class": "resnet50: within-class RSA of each layer with each visual area",
		"gabor_cka_debiased":        "Gabor wavelet pyramid: debiased CKA of each layer with each visual area",
		"brain_robustness_true_box": "the simulated brain's noise-free responses under box blur: each area's RSM against its RSM on the clean images",
	} {
		if got, ok := caption(name); got != want || !ok {
			t.Errorf("%s: %q (from the table: %v), want %q", name, got, ok, want)
		}
	}
	for _, name := range []string{"something_new", "rsm_", "hypothesis_extra"} {
		if got, ok := caption(name); ok || got != strings.ReplaceAll(name, "_", " ") {
			t.Errorf("%s: %q (from the table: %v), want the file name's words, not from the table", name, got, ok)
		}
	}
	for n, want := range map[int]string{0: "0 seeds", 1: "1 seed", 2: "2 seeds"} {
		if got := count(n, "seed"); got != want {
			t.Errorf("count(%d): %q, want %q", n, got, want)
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

// tags are the HTML tags of a cell but its line breaks.
var tags = regexp.MustCompile(`<[^b/][^>]*>|</[^>]*>`)

// TestUndefinedNumbersSayWhy: the report's cells and the verdict's words
// never show NaN; an undefined estimate, p or interval says why.
func TestUndefinedNumbersSayWhy(t *testing.T) {
	nan := jsonnum.Float(math.NaN())
	inf := rsa.Inference{Value: 0.2, SeedSD: 0.01, CILow: nan, CIHigh: nan, PValue: nan, Bootstraps: 100}
	for _, c := range []struct {
		got, want string
	}{
		{string(estimate(inf, true)), "0.200 ± 0.010<br>no interval (degenerate)"},
		{string(estimate(inf, false)), "0.200 ± 0.010<br>no interval†"},
		{string(estimate(rsa.Inference{Value: 0.2, SeedSD: nan, CILow: 0.1, CIHigh: 0.3}, false)), "0.200<br>[0.100, 0.300]"},
		{string(pTest(inf, math.NaN(), true)), "not tested (degenerate)"},
		{string(pTest(inf, math.NaN(), false)), "n/a (no permutations)"},
		{string(pTest(rsa.Inference{PValue: 0.01}, 0.04, false)), "0.0100 (0.0400)"},
	} {
		if got := tags.ReplaceAllString(c.got, ""); got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
	r := hypothesis.Regression{BrainSide: "decoder", Distortion: "gaussian", RobustnessMeasure: "half_level", Covariates: []string{"clean_balanced_accuracy"},
		Models: 4, Coef: nan, Low: nan, High: nan, Partial: nan, P: nan, PHolm: nan, MDE: jsonnum.Float(math.Inf(1)), Verdict: hypothesis.Underpowered,
		Reason: "4 models with 1 covariate leave no degrees of freedom", Note: "degenerate regression: 4 models for 3 parameters"}
	rows, notes := regressionTable([]hypothesis.Regression{r, r})
	if len(rows) != 2 || len(notes) != 1 || rows[0].Note != 1 || rows[1].Note != 1 || rows[0].Coef != "n/a" || rows[0].MDE != "none" ||
		rows[0].Covariates != "clean balanced accuracy" {
		t.Errorf("regression rows %+v, notes %q", rows, notes)
	}
	if want := "underpowered: 4 models with 1 covariate leave no degrees of freedom; no numbers where n/a: 4 models for 3 parameters"; notes[0] != want {
		t.Errorf("note %q, want %q", notes[0], want)
	}
	words := regressionVerdict(&r, "Gaussian blur", "none")
	if strings.Contains(words, "NaN") || !strings.Contains(words, "no coefficient, interval or p: 4 models for 3 parameters") {
		t.Errorf("verdict: %q", words)
	}
	r.Coef, r.Partial, r.P, r.PHolm, r.Note = 0.5, 0.4, 0.02, 0.04, ""
	if words := regressionVerdict(&r, "Gaussian blur", "none"); strings.Contains(words, "NaN") ||
		!strings.Contains(words, "standardised coefficient 0.50, 95% interval n/a (no bootstrap), partial r 0.40, Freedman-Lane p = 0.0200 (Holm 0.0400)") {
		t.Errorf("verdict without an interval: %q", words)
	}
}

// TestSummariesShowNoNaN: the text summaries a notebook prints say n/a, no
// interval and why, never NaN, for a hypothesis whose regression could not
// be fit and whose tests have undefined numbers.
func TestSummariesShowNoNaN(t *testing.T) {
	nan := jsonnum.Float(math.NaN())
	var r Results
	h := &r.Hypothesis
	h.Verdict = "underpowered"
	h.Regressions = []hypothesis.Regression{{BrainSide: "decoder", Distortion: "gaussian", RobustnessMeasure: hypothesis.HalfLevel, Models: 4,
		Coef: nan, Low: nan, High: nan, Partial: nan, P: nan, PHolm: nan, MDE: jsonnum.Float(math.Inf(1)), Verdict: hypothesis.Underpowered,
		Note: "degenerate regression: 4 models for 4 parameters"}}
	h.Tests = []hypothesis.Test{{Distortion: "box", Brain: hypothesis.WithinClass, Robustness: hypothesis.AUC,
		Rho: hypothesis.Interval{Value: 0.8, Low: nan, High: nan}, P: 0.33, PHolm: nan, Partial: hypothesis.Interval{Value: nan, Low: nan, High: nan}}}
	h.Differences = []hypothesis.Difference{{A: "a", B: "b", Diff: hypothesis.Interval{Value: 0.1, Low: nan, High: nan}, P: nan, PHolm: nan}}
	text := r.HypothesisSummary()
	if strings.Contains(text, "NaN") {
		t.Errorf("hypothesis summary shows NaN:\n%s", text)
	}
	for _, want := range []string{"0.800 (no interval)", "n/a: degenerate regression: 4 models for 4 parameters", "p Holm n/a"} {
		if !strings.Contains(text, want) {
			t.Errorf("hypothesis summary lacks %q:\n%s", want, text)
		}
	}
}
