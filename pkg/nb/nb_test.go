package nb

import (
	"fmt"
	"strings"
	"testing"
	"time"

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

// TestLiveLog: in a notebook, long work's output is one display updated in
// place (progress bars included) and, when done, a collapsed log of the
// lines that are not progress bars; outside one it passes through.
func TestLiveLog(t *testing.T) {
	var updates []string
	var shown string
	l := &liveLog{title: "study", id: "x", start: time.Now(),
		update: func(id, html string) { updates = append(updates, html) }, show: func(html string) { shown = html }}
	fmt.Fprintln(l, "stage 1/2: cnn")
	fmt.Fprintf(l, "resnet50 train [===============               ]  50%% 10/20 img 3.0 img/s 3.3s\n")
	fmt.Fprint(l, "resnet50: test accuracy ")
	fmt.Fprintln(l, "0.61")
	l.Done()
	if len(updates) < 2 || updates[len(updates)-1] != "" || !strings.Contains(updates[0], "stage 1/2: cnn") {
		t.Errorf("live updates %q: want the latest line, then erased", updates)
	}
	if !strings.Contains(shown, "stage 1/2: cnn\nresnet50: test accuracy 0.61") || strings.Contains(shown, "img/s") || !strings.Contains(shown, "2 lines") {
		t.Errorf("final log %q: want the two result lines, no progress bar", shown)
	}
}
