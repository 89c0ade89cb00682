package nb

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
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

// stopped is what the tests' stop panics with.
type stopped struct{ err error }

// stops runs f and returns the one line a cell would stop with ("" when f
// returned).
func stops(t *testing.T, f func()) (line string) {
	t.Helper()
	old := stop
	stop = func(err error) { panic(stopped{err}) }
	defer func() {
		stop = old
		if r := recover(); r != nil {
			s, ok := r.(stopped)
			if !ok {
				panic(r)
			}
			line = s.err.Error()
		}
	}()
	f()
	return ""
}

// TestOptionsInViewAndOneLineErrors: the notebooks' recipes are options a
// cell can change; a changed option is a different cached run, the same
// one is reopened, and options that cannot run (or an unknown area) stop
// the cell with one line naming the option, never a panic's stack trace.
func TestOptionsInViewAndOneLineErrors(t *testing.T) {
	dir := t.TempDir()
	cfg, _ := synth.Profile("tiny", 5)
	d, _, err := synth.Write(dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("DT_CACHE", t.TempDir())
	for name, c := range map[string]struct {
		f    func()
		want string
	}{
		"no epochs":    {func() { o := FMRIOptions(); o.Train.Epochs = 0; FMRIWith(d, o) }, "Train: epochs 0: want epochs >= 1"},
		"roi value":    {func() { o := FMRIOptions(); o.Filter.ROIs = []int{1, 9}; FMRIWith(d, o) }, "Filter.ROIs holds 9"},
		"roi name":     {func() { ROIs(d, "V1", "V9") }, `unknown ROI "V9"`},
		"head epochs":  {func() { o := CNNOptions(d); o.Train.Epochs = -1; CNNWith("resnet18", d, o) }, "Train: epochs -1"},
		"no such plot": {func() { Show(nil, fmt.Errorf("no data")) }, "no data"},
	} {
		if got := stops(t, c.f); !strings.Contains(got, c.want) || strings.Contains(got, "\n") {
			t.Errorf("%s: the cell stopped with %q, want one line with %q", name, got, c.want)
		}
	}
	o := FMRIOptions()
	o.Train.Epochs = 2
	o.Filter.ROIs = ROIs(d, "V1", "V2")
	var first, again, other *decoder.Result
	if line := stops(t, func() { first, again = FMRIWith(d, o), FMRIWith(d, o) }); line != "" {
		t.Fatal(line)
	}
	if len(first.Meta.History.Epochs) != 2 || len(first.Meta.Voxels) != len(Must(d.VoxelsOf([]int{1, 2}))) {
		t.Errorf("trained %d epochs on %d voxels, want 2 on V1 and V2's", len(first.Meta.History.Epochs), len(first.Meta.Voxels))
	}
	if !slices.Equal(again.Test.Embedding, first.Test.Embedding) {
		t.Error("the same options gave another run")
	}
	o.Seed = 7
	if line := stops(t, func() { other = FMRIWith(d, o) }); line != "" {
		t.Fatal(line)
	}
	if other.Meta.Seed != 7 || slices.Equal(other.Test.Embedding, first.Test.Embedding) {
		t.Errorf("a changed seed reopened the first run (seed %d)", other.Meta.Seed)
	}
}

// TestStudyOptionsThatCannotRun: each stops the cell with one line naming
// the option, before any work.
func TestStudyOptionsThatCannotRun(t *testing.T) {
	for name, c := range map[string]struct {
		change func(*StudyOptions)
		want   string
	}{
		"no models":    {func(o *StudyOptions) { o.Models = nil }, "Models is empty"},
		"seeds":        {func(o *StudyOptions) { o.Seeds = -1 }, "Seeds -1"},
		"permutations": {func(o *StudyOptions) { o.Permutations = 5 }, "Permutations 5"},
		"bootstraps":   {func(o *StudyOptions) { o.Bootstraps = 0 }, "Bootstraps 0"},
	} {
		o := StudyDefaults()
		c.change(&o)
		if got := stops(t, func() { StudyWith(nil, o) }); !strings.Contains(got, c.want) {
			t.Errorf("%s: stopped with %q, want %q", name, got, c.want)
		}
	}
}
