package explore

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/internal/simtest"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

func dataset(t *testing.T) *kay.Dataset {
	t.Helper()
	cfg, _ := synth.Profile(simtest.Profile(), 2)
	d, _, err := synth.Generate(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestWriteFiguresAndSummary(t *testing.T) {
	d := dataset(t)
	out := t.TempDir()
	t0 := time.Now()
	s, err := Write(d, out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("explore wrote its outputs in %v", time.Since(t0))
	for _, name := range []string{"example_stimulus", "unique_labels_per_level", "class_counts_level1", "class_counts_level2", "voxels_per_roi", "response_histogram", "response_heatmap"} {
		b, err := os.ReadFile(filepath.Join(out, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%s.png: %v", name, err)
		}
	}
	var back Summary
	b, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Classes, []string{"animal", "artifact", "geological formation"}) {
		t.Errorf("classes %v", back.Classes)
	}
	// Counts agree with a direct tally of the labels.
	want := map[string]int{}
	for _, l := range d.Train.Labels.Level[0] {
		want[l]++
	}
	if !reflect.DeepEqual(s.Levels[0].Train, want) || s.TrainCount[1] != want["artifact"] {
		t.Errorf("level-0 counts %v, want %v", s.Levels[0].Train, want)
	}
	roiTotal := 0
	for _, n := range s.ROIVoxels {
		roiTotal += n
	}
	if roiTotal != d.Voxels() || s.ROIVoxels["Other"] != 0 {
		t.Errorf("ROI voxel counts %v do not add up to %d", s.ROIVoxels, d.Voxels())
	}
}

func TestBadIndexRefused(t *testing.T) {
	d := dataset(t)
	if _, err := ExampleStimulus(d, d.Train.Stimuli.N); err == nil {
		t.Error("out-of-range stimulus accepted")
	}
	if _, err := ResponseHistogram(d, -1); err == nil {
		t.Error("negative stimulus accepted")
	}
}

// TestClassCountsStayReadable: a level with more classes than fit as named
// bars shows the largest and sums the rest into one bar, so the counts
// still add up to every image; a level that fits shows every class.
func TestClassCountsStayReadable(t *testing.T) {
	d := dataset(t)
	for level := range d.Train.Labels.Level {
		names, train, test, classes := classCounts(d, level)
		if len(names) > maxClassBars || len(names) != len(train) || len(names) != len(test) {
			t.Errorf("level %d: %d bars (%d train, %d test counts) for at most %d", level, len(names), len(train), len(test), maxClassBars)
		}
		var sumTrain, sumTest float64
		for i := range train {
			sumTrain, sumTest = sumTrain+train[i], sumTest+test[i]
		}
		if int(sumTrain) != d.Train.Stimuli.N || int(sumTest) != d.Test.Stimuli.N {
			t.Errorf("level %d: bars count %v training and %v test images, want %d and %d", level, sumTrain, sumTest, d.Train.Stimuli.N, d.Test.Stimuli.N)
		}
		switch {
		case classes > maxClassBars && names[len(names)-1] != fmt.Sprintf("%d others", classes-maxClassBars+1):
			t.Errorf("level %d: %d classes, last bar %q", level, classes, names[len(names)-1])
		case classes <= maxClassBars && len(names) != classes:
			t.Errorf("level %d: %d classes in %d bars", level, classes, len(names))
		}
	}
	if _, _, _, classes := classCounts(d, 2); classes <= maxClassBars {
		t.Skipf("level 2 has %d classes here: no level needs the summed bar", classes)
	}
}
