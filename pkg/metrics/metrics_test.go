package metrics

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// The worked example: 10 samples, 3 classes, counted by hand.
//
//	true:  0 0 0 0 1 1 1 2 2 2
//	pred:  0 0 1 2 1 1 0 2 2 1
//
// confusion [[2 1 1] [1 2 0] [0 1 2]]
// class 0: P = 2/3, R = 2/4, F1 = 2PR/(P+R) = 4/7
// class 1: P = 2/4, R = 2/3, F1 = 4/7
// class 2: P = 2/3, R = 2/3, F1 = 2/3
// accuracy 6/10
func TestWorkedExample(t *testing.T) {
	yt := []int{0, 0, 0, 0, 1, 1, 1, 2, 2, 2}
	yp := []int{0, 0, 1, 2, 1, 1, 0, 2, 2, 1}
	r, err := Classify(yt, yp, []string{"animal", "artifact", "geological formation"})
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]int{{2, 1, 1}, {1, 2, 0}, {0, 1, 2}}; !reflect.DeepEqual(r.Confusion, want) {
		t.Fatalf("confusion %v, want %v", r.Confusion, want)
	}
	want := []ClassScore{{2.0 / 3, 0.5, 4.0 / 7, 4}, {0.5, 2.0 / 3, 4.0 / 7, 3}, {2.0 / 3, 2.0 / 3, 2.0 / 3, 3}}
	for c, w := range want {
		g := r.PerClass[c]
		if !close(g.Precision, w.Precision) || !close(g.Recall, w.Recall) || !close(g.F1, w.F1) || g.Support != w.Support {
			t.Errorf("class %d: got %+v want %+v", c, g, w)
		}
	}
	if !close(r.Accuracy, 0.6) {
		t.Errorf("accuracy %v", r.Accuracy)
	}
	macroF1 := (4.0/7 + 4.0/7 + 2.0/3) / 3
	weightedF1 := 0.4*4/7 + 0.3*4/7 + 0.3*2/3
	if !close(r.Macro.F1, macroF1) || !close(r.Weighted.F1, weightedF1) {
		t.Errorf("macro F1 %v (want %v), weighted F1 %v (want %v)", r.Macro.F1, macroF1, r.Weighted.F1, weightedF1)
	}
	// Expected lines from Python's format strings of sklearn's classification_report.
	s := r.String()
	for _, line := range []string{
		"              animal       0.67      0.50      0.57         4",
		"            accuracy                           0.60        10",
		"           macro avg       0.61      0.61      0.60        10",
	} {
		if !strings.Contains(s, line) {
			t.Errorf("report lacks %q:\n%s", line, s)
		}
	}
}

// A class that is never predicted gets precision 0 (sklearn's zero_division=0).
func TestNeverPredicted(t *testing.T) {
	r, err := Classify([]int{0, 1, 1}, []int{0, 0, 0}, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if r.PerClass[1].Precision != 0 || r.PerClass[1].F1 != 0 || !close(r.PerClass[0].Precision, 1.0/3) {
		t.Fatalf("%+v", r.PerClass)
	}
}

func TestBadLabels(t *testing.T) {
	if _, err := Classify([]int{0, 3}, []int{0, 1}, []string{"a", "b"}); err == nil || !strings.Contains(err.Error(), "sample 1 has true 3") {
		t.Errorf("out-of-range label: %v", err)
	}
	if _, err := Classify([]int{0}, []int{0, 1}, []string{"a", "b"}); err == nil {
		t.Error("length mismatch accepted")
	}
}

func close(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

// TestBalancedAccuracy: the worked example by hand (classes of 4, 2 and 1
// samples: recalls 3/4, 1/2, 1 -> 0.75), equal to the report's macro recall
// when every class is present; a constant predictor scores chance whatever
// the class sizes, while its plain accuracy is the majority share.
func TestBalancedAccuracy(t *testing.T) {
	y := []int{0, 0, 0, 0, 1, 1, 2}
	p := []int{0, 0, 0, 1, 1, 0, 2}
	if got := BalancedAccuracy(y, p); math.Abs(got-0.75) > 1e-15 {
		t.Errorf("balanced accuracy %v, want 0.75", got)
	}
	r, _ := Classify(y, p, []string{"a", "b", "c"})
	if math.Abs(r.Macro.Recall-BalancedAccuracy(y, p)) > 1e-15 {
		t.Errorf("macro recall %v vs balanced accuracy %v", r.Macro.Recall, BalancedAccuracy(y, p))
	}
	constant := make([]int, len(y))
	if got := BalancedAccuracy(y, constant); math.Abs(got-1.0/3) > 1e-15 {
		t.Errorf("constant predictor: %v, want chance 1/3", got)
	}
}
