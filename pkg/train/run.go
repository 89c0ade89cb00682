package train

import (
	"encoding/json"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/metrics"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
)

// Files a Run writes into its folder.
const (
	CheckpointFile = "checkpoint.npz"
	MetricsFile    = "metrics.json"
	EmbeddingsFile = "embeddings.npz"
)

// Run is a trained classifier with its test-set evaluation, as the study
// saves it: the fMRI decoder and each CNN head.
type Run struct {
	Name    string // file prefix of the figures, e.g. "fmri", "resnet50"
	Title   string // figure titles, e.g. "fMRI decoder"
	Model   *Model
	Meta    any // the checkpoint's metadata
	Classes []string
	History History
	Report  metrics.Report
	Test    Output // evaluation-mode outputs on the test images, in order
	Labels  []int  // class of each test image
	Index   []int  // each test image's index into the test split
	Extra   any    // more fields for metrics.json (nil: none)
}

// Write saves checkpoint.npz (weights + Meta), metrics.json (history, test
// report and Extra), embeddings.npz (see Embeddings) and the figures
// <Name>_loss.png, <Name>_accuracy.png, <Name>_confusion.png into dir.
func (r Run) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := r.Model.Save(filepath.Join(dir, CheckpointFile), r.Meta); err != nil {
		return err
	}
	js, err := json.MarshalIndent(struct {
		Model   string         `json:"model"`
		Classes []string       `json:"classes"`
		History History        `json:"history"`
		Test    metrics.Report `json:"test"`
		Extra   any            `json:"details,omitempty"`
	}{r.Name, r.Classes, r.History, r.Report, r.Extra}, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, MetricsFile), append(js, '\n')); err != nil {
		return err
	}
	if err := npfile.WriteNPZ(filepath.Join(dir, EmbeddingsFile), r.Embeddings()...); err != nil {
		return err
	}
	figs, err := r.Figures()
	if err != nil {
		return err
	}
	return plots.SaveAll(dir, figs)
}

// Embeddings are the test split's arrays for re-analysis: "embedding"
// (N, E) float32 in the test set's order, "label" (N,) int64 class indices,
// "index" (N,) int64 image indices into the test split, "logits" (N, C)
// float32 and "classes" (C,) the class names.
func (r Run) Embeddings() []npfile.Entry {
	o := r.Test
	label := make([]int64, o.N)
	index := make([]int64, o.N)
	for i := range o.N {
		label[i], index[i] = int64(r.Labels[i]), int64(r.Index[i])
	}
	return []npfile.Entry{
		{Key: "embedding", Array: npfile.Array{Shape: []int{o.N, o.E}, Data: o.Embedding}},
		{Key: "label", Array: npfile.Array{Shape: []int{o.N}, Data: label}},
		{Key: "index", Array: npfile.Array{Shape: []int{o.N}, Data: index}},
		{Key: "logits", Array: npfile.Array{Shape: []int{o.N, o.C}, Data: o.Logits}},
		{Key: "classes", Array: npfile.Array{Shape: []int{len(r.Classes)}, Data: r.Classes}},
	}
}

// Figures are the loss and accuracy curves and the test confusion matrix.
func (r Run) Figures() ([]plots.Figure, error) {
	loss, acc, err := Curves(r.Title, r.History)
	if err != nil {
		return nil, err
	}
	return plots.RenderAll(
		plots.Spec{Name: r.Name + "_loss", Draw: func() (*plot.Plot, error) { return loss, nil }},
		plots.Spec{Name: r.Name + "_accuracy", Draw: func() (*plot.Plot, error) { return acc, nil }},
		plots.Spec{Name: r.Name + "_confusion", Square: true, Draw: func() (*plot.Plot, error) {
			return ConfusionPlot(r.Title+", test set", r.Report)
		}},
	)
}
