package metrics

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Confusion counts predictions: m[t][p] is the number of samples of true
// class t predicted as p. Labels must lie in 0..k-1.
func Confusion(yTrue, yPred []int, k int) ([][]int, error) {
	if len(yTrue) != len(yPred) {
		return nil, fmt.Errorf("confusion matrix: %d true labels but %d predictions", len(yTrue), len(yPred))
	}
	m := make([][]int, k)
	for i := range m {
		m[i] = make([]int, k)
	}
	for i, t := range yTrue {
		p := yPred[i]
		if t < 0 || t >= k || p < 0 || p >= k {
			return nil, fmt.Errorf("confusion matrix: sample %d has true %d, predicted %d; want 0..%d", i, t, p, k-1)
		}
		m[t][p]++
	}
	return m, nil
}

// ClassScore is one row of the report.
type ClassScore struct {
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}

// Report is a whole classification report.
type Report struct {
	Classes   []string     `json:"classes"`
	PerClass  []ClassScore `json:"per_class"`
	Accuracy  float64      `json:"accuracy"`
	Macro     ClassScore   `json:"macro_avg"`
	Weighted  ClassScore   `json:"weighted_avg"`
	Confusion [][]int      `json:"confusion"`
}

// Classify builds the report. As scikit-learn with zero_division=0, a ratio
// whose denominator is zero (a class never predicted, or absent) counts as 0.
func Classify(yTrue, yPred []int, classes []string) (Report, error) {
	k := len(classes)
	m, err := Confusion(yTrue, yPred, k)
	if err != nil {
		return Report{}, err
	}
	r := Report{Classes: classes, Confusion: m, PerClass: make([]ClassScore, k)}
	n, correct := 0, 0
	for c := range k {
		tp, predicted, support := m[c][c], 0, 0
		for o := range k {
			predicted += m[o][c]
			support += m[c][o]
		}
		s := ClassScore{Precision: ratio(tp, predicted), Recall: ratio(tp, support), Support: support}
		if s.Precision+s.Recall > 0 {
			s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
		}
		r.PerClass[c] = s
		n += support
		correct += tp
	}
	r.Accuracy = ratio(correct, n)
	for _, s := range r.PerClass {
		r.Macro.Precision += s.Precision / float64(k)
		r.Macro.Recall += s.Recall / float64(k)
		r.Macro.F1 += s.F1 / float64(k)
		if n > 0 {
			w := float64(s.Support) / float64(n)
			r.Weighted.Precision += w * s.Precision
			r.Weighted.Recall += w * s.Recall
			r.Weighted.F1 += w * s.F1
		}
	}
	r.Macro.Support, r.Weighted.Support = n, n
	return r, nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// String formats the report as scikit-learn's classification_report prints it.
func (r Report) String() string {
	width := len("weighted avg")
	for _, c := range r.Classes {
		width = max(width, len(c))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%*s  %9s %9s %9s %9s\n\n", width, "", "precision", "recall", "f1-score", "support")
	for i, c := range r.Classes {
		s := r.PerClass[i]
		fmt.Fprintf(&b, "%*s  %9.2f %9.2f %9.2f %9d\n", width, c, s.Precision, s.Recall, s.F1, s.Support)
	}
	fmt.Fprintf(&b, "\n%*s  %9s %9s %9.2f %9d\n", width, "accuracy", "", "", r.Accuracy, r.Macro.Support)
	for _, row := range []struct {
		name string
		s    ClassScore
	}{{"macro avg", r.Macro}, {"weighted avg", r.Weighted}} {
		fmt.Fprintf(&b, "%*s  %9.2f %9.2f %9.2f %9d\n", width, row.name, row.s.Precision, row.s.Recall, row.s.F1, row.s.Support)
	}
	return b.String()
}

// BalancedAccuracy is the mean, over the classes present in yTrue, of the
// fraction of each class's samples predicted as that class (macro recall;
// scikit-learn's balanced_accuracy_score). Chance is 1/(classes present)
// whatever the class sizes, unlike plain accuracy. NaN without samples.
func BalancedAccuracy(yTrue, yPred []int) float64 {
	hit, n := map[int]int{}, map[int]int{}
	var classes []int
	for i, t := range yTrue {
		if n[t] == 0 {
			classes = append(classes, t)
		}
		n[t]++
		if yPred[i] == t {
			hit[t]++
		}
	}
	if len(classes) == 0 {
		return math.NaN()
	}
	slices.Sort(classes) // a fixed order of summation: the same bits every time
	sum := 0.0
	for _, c := range classes {
		sum += float64(hit[c]) / float64(n[c])
	}
	return sum / float64(len(classes))
}
