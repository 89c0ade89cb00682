package train

import (
	"fmt"

	"gonum.org/v1/plot"

	"github.com/decodingthoughts/decoding-thoughts/pkg/metrics"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
)

// Evaluate runs m on d in evaluation mode and scores it against d.Y.
func Evaluate(m *Model, d Data, classes []string) (Output, metrics.Report, error) {
	out, err := m.Forward(d)
	if err != nil {
		return Output{}, metrics.Report{}, err
	}
	rep, err := metrics.Classify(d.Y, out.Predictions(), classes)
	return out, rep, err
}

// Curves draws the per-epoch loss and accuracy, training and validation.
func Curves(title string, h History) (loss, acc *plot.Plot, err error) {
	n := len(h.Epochs)
	x := make([]float64, n)
	tl, vl, ta, va := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i, e := range h.Epochs {
		x[i], tl[i], vl[i], ta[i], va[i] = float64(e.Epoch), e.TrainLoss, e.ValLoss, e.TrainAcc, e.ValAcc
	}
	loss, err = plots.Lines(title+": loss", "epoch", "cross-entropy", x,
		plots.Series{Label: "train", Values: tl}, plots.Series{Label: "validation", Values: vl})
	if err != nil {
		return nil, nil, err
	}
	acc, err = plots.Lines(title+": accuracy", "epoch", "accuracy", x,
		plots.Series{Label: "train", Values: ta}, plots.Series{Label: "validation", Values: va})
	return loss, acc, err
}

// ConfusionPlot shows a report's confusion matrix, rows the true classes,
// coloured by the row-normalised rate (recall on the diagonal) and annotated
// with the counts.
func ConfusionPlot(title string, r metrics.Report) (*plot.Plot, error) {
	k := len(r.Classes)
	rates := make([]float64, k*k)
	counts := make([]float64, k*k)
	for t, row := range r.Confusion {
		total := 0
		for _, v := range row {
			total += v
		}
		for p, v := range row {
			counts[t*k+p] = float64(v)
			if total > 0 {
				rates[t*k+p] = float64(v) / float64(total)
			}
		}
	}
	p, err := plots.Matrix(fmt.Sprintf("%s (accuracy %.3f)", title, r.Accuracy), "predicted", "true",
		r.Classes, r.Classes, rates, -1, 1, "")
	if err != nil {
		return nil, err
	}
	return plots.Annotate(p, k, k, counts, "%.0f")
}
