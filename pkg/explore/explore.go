package explore

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
)

// Summary is what summary.json holds.
type Summary struct {
	Dir        string           `json:"dir"`
	Shapes     map[string]any   `json:"shapes"`
	Voxels     int              `json:"voxels"`
	ROIVoxels  map[string]int   `json:"roi_voxels"`
	Levels     []LevelSummary   `json:"label_levels"`
	Classes    []string         `json:"classes"`
	TrainCount []int            `json:"train_class_counts"`
	TestCount  []int            `json:"test_class_counts"`
	Ignored    map[int][]string `json:"ignored"`
}

// LevelSummary counts the labels of one hierarchy level.
type LevelSummary struct {
	Level       int            `json:"level"`
	TrainUnique int            `json:"train_unique"`
	TestUnique  int            `json:"test_unique"`
	Train       map[string]int `json:"train"`
	Test        map[string]int `json:"test"`
}

// Summarize computes the summary under the default filter.
func Summarize(d *kay.Dataset) (Summary, error) {
	s := Summary{Dir: d.Dir, Voxels: d.Voxels(), ROIVoxels: map[string]int{}, Shapes: map[string]any{
		"stimuli":        []int{d.Train.Stimuli.N, d.Train.Stimuli.H, d.Train.Stimuli.W},
		"stimuli_test":   []int{d.Test.Stimuli.N, d.Test.Stimuli.H, d.Test.Stimuli.W},
		"responses":      []int{d.Train.Responses.Rows, d.Train.Responses.Cols},
		"responses_test": []int{d.Test.Responses.Rows, d.Test.Responses.Cols},
		"roi":            []int{len(d.ROI)},
		"labels":         []int{kay.Levels, d.Train.Labels.N()},
		"labels_val":     []int{kay.Levels, d.Test.Labels.N()},
	}}
	for i, n := range d.ROIVoxelCounts() {
		s.ROIVoxels[d.ROINames[i]] = n
	}
	for lev := range kay.Levels {
		tr, te := d.Train.Labels.Counts(lev), d.Test.Labels.Counts(lev)
		s.Levels = append(s.Levels, LevelSummary{Level: lev, TrainUnique: len(tr), TestUnique: len(te), Train: tr, Test: te})
	}
	f := kay.DefaultFilter()
	sel, err := d.Select(f)
	if err != nil {
		return s, err
	}
	s.Classes, s.Ignored = sel.Classes, f.Ignore
	s.TrainCount, s.TestCount = sel.ClassCounts(sel.Train), sel.ClassCounts(sel.Test)
	return s, nil
}

// ExampleStimulus shows training image i with its four labels.
func ExampleStimulus(d *kay.Dataset, i int) (*plot.Plot, error) {
	im := d.Train.Stimuli
	if i < 0 || i >= im.N {
		return nil, fmt.Errorf("stimulus %d out of range 0..%d", i, im.N-1)
	}
	l := d.Train.Labels
	title := fmt.Sprintf("stimulus %d: %s / %s / %s / %s", i, l.Level[0][i], l.Level[1][i], l.Level[2][i], l.Level[3][i])
	return plots.Gray(title, im.H, im.W, im.At(i)), nil
}

// UniqueLabelsPerLevel is a bar chart of how many distinct labels each level has.
func UniqueLabelsPerLevel(d *kay.Dataset) (*plot.Plot, error) {
	var tr, te []float64
	names := []string{}
	for lev := range kay.Levels {
		names = append(names, fmt.Sprintf("level %d", lev))
		tr = append(tr, float64(len(d.Train.Labels.Counts(lev))))
		te = append(te, float64(len(d.Test.Labels.Counts(lev))))
	}
	return plots.Bars("unique labels per level", "labels", names, plots.Series{Label: "train", Values: tr}, plots.Series{Label: "test", Values: te})
}

// maxClassBars is the most classes ClassCounts draws as bars of their own;
// beyond it the smallest share one bar, so every name stays readable.
const maxClassBars = 30

// ClassCounts is a bar chart of images per class at one level, train and test,
// classes sorted by training count. A level with more than maxClassBars
// classes shows the largest maxClassBars-1 and the others summed in one
// bar.
func ClassCounts(d *kay.Dataset, level int) (*plot.Plot, error) {
	names, vt, ve, all := classCounts(d, level)
	title := fmt.Sprintf("images per level-%d class", level)
	if len(names) < all {
		title += fmt.Sprintf(": the %d largest of %d classes, the other %d in one bar", len(names)-1, all, all-len(names)+1)
	}
	return plots.Bars(title, "images", names, plots.Series{Label: "train", Values: vt}, plots.Series{Label: "test", Values: ve})
}

// classCounts are ClassCounts' bars: names, training and test counts, and
// the number of classes at the level.
func classCounts(d *kay.Dataset, level int) (names []string, train, test []float64, classes int) {
	tr, te := d.Train.Labels.Counts(level), d.Test.Labels.Counts(level)
	for n := range tr {
		names = append(names, n)
	}
	for n := range te {
		if _, ok := tr[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(a, b int) bool {
		if tr[names[a]] != tr[names[b]] {
			return tr[names[a]] > tr[names[b]]
		}
		if te[names[a]] != te[names[b]] {
			return te[names[a]] > te[names[b]]
		}
		return names[a] < names[b]
	})
	for _, n := range names {
		train, test = append(train, float64(tr[n])), append(test, float64(te[n]))
	}
	classes = len(names)
	if classes > maxClassBars {
		k := maxClassBars - 1
		var otherTrain, otherTest float64
		for i := k; i < classes; i++ {
			otherTrain, otherTest = otherTrain+train[i], otherTest+test[i]
		}
		names = append(names[:k:k], fmt.Sprintf("%d others", classes-k))
		train, test = append(train[:k:k], otherTrain), append(test[:k:k], otherTest)
	}
	return names, train, test, classes
}

// VoxelsPerROI is a bar chart of voxel counts per region.
func VoxelsPerROI(d *kay.Dataset) (*plot.Plot, error) {
	var v []float64
	for _, n := range d.ROIVoxelCounts() {
		v = append(v, float64(n))
	}
	return plots.Bars("voxels per ROI", "voxels", d.ROINames, plots.Series{Label: "voxels", Values: v})
}

// ResponseHistogram is the distribution of training stimulus i's responses
// over all voxels.
func ResponseHistogram(d *kay.Dataset, i int) (*plot.Plot, error) {
	r := d.Train.Responses
	if i < 0 || i >= r.Rows {
		return nil, fmt.Errorf("stimulus %d out of range 0..%d", i, r.Rows-1)
	}
	return plots.Histogram(fmt.Sprintf("responses to stimulus %d over %d voxels", i, r.Cols), "z-scored BOLD", r.Row(i), 50)
}

// ResponseHeatmap shows every training response, clipped to [-1, 1].
func ResponseHeatmap(d *kay.Dataset) *plot.Plot {
	r := d.Train.Responses
	return plots.Heatmap("training responses", "voxel", "stimulus", r.Rows, r.Cols, r.Data, -1, 1)
}

// Figures draws every figure of notebook 01.
func Figures(d *kay.Dataset) ([]plots.Figure, error) {
	return plots.RenderAll(
		plots.Spec{Name: "example_stimulus", Draw: func() (*plot.Plot, error) { return ExampleStimulus(d, 0) }, Square: true},
		plots.Spec{Name: "unique_labels_per_level", Draw: func() (*plot.Plot, error) { return UniqueLabelsPerLevel(d) }},
		plots.Spec{Name: "class_counts_level1", Draw: func() (*plot.Plot, error) { return ClassCounts(d, 1) }},
		plots.Spec{Name: "class_counts_level2", Draw: func() (*plot.Plot, error) { return ClassCounts(d, 2) }},
		plots.Spec{Name: "voxels_per_roi", Draw: func() (*plot.Plot, error) { return VoxelsPerROI(d) }},
		plots.Spec{Name: "response_histogram", Draw: func() (*plot.Plot, error) { return ResponseHistogram(d, 0) }},
		plots.Spec{Name: "response_heatmap", Draw: func() (*plot.Plot, error) { return ResponseHeatmap(d), nil }},
	)
}

// Write saves every figure as PNG and summary.json into out.
func Write(d *kay.Dataset, out string) (Summary, error) {
	s, err := Summarize(d)
	if err != nil {
		return s, err
	}
	figs, err := Figures(d)
	if err != nil {
		return s, err
	}
	if err := plots.SaveAll(out, figs); err != nil {
		return s, err
	}
	js, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return s, err
	}
	return s, atomicfile.WriteBytes(filepath.Join(out, "summary.json"), append(js, '\n'))
}
