package nb

import (
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/explore"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// TestDatasetFollowsTheEnvironment: DT_DATA_DIR wins over the embedded default,
// and About says the data is synthetic.
func TestDatasetFollowsTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	cfg, _ := synth.Profile("quick", 5)
	cfg.TrainCounts = map[string]int{"animal": 6, "artifact": 6, "entity": 1}
	cfg.TestCounts = map[string]int{"animal": 2, "artifact": 2}
	if _, _, err := synth.Write(dir, cfg, nil); err != nil {
		t.Fatal(err)
	}
	t.Setenv(synth.DataDirEnv, dir)
	d, err := Dataset()
	if err != nil {
		t.Fatal(err)
	}
	if d.Dir != dir || d.Train.Stimuli.N != 13 {
		t.Fatalf("loaded %s with %d images, want %s with 13", d.Dir, d.Train.Stimuli.N, dir)
	}
	if a := About(d); !strings.Contains(a, "synthetic") || !strings.Contains(a, dir) {
		t.Errorf("About: %q", a)
	}
	// Outside a notebook, showing a figure renders it and displays nothing.
	Show(explore.VoxelsPerROI(d))
}
