package explore

import (
	"bytes"
	"encoding/json"
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
