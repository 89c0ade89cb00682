package nb

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// setup is the process-wide choice the notebooks make, as the CLI does:
// the module's fast BLAS behind gonum (pkg/backend.UseFastBLAS).
var setup sync.Once

// env is what the notebook's environment says about backends.
func env() backend.Env {
	setup.Do(backend.UseFastBLAS)
	return backend.FromEnv(os.Getenv)
}

// ModelsEnv names the CNNs the notebooks run (a cnn.Lookup list); unset:
// the study's (cnn.StudyModels). The headless smoke test of `make test` sets
// it to three small architectures.
const ModelsEnv = "DT_MODELS"

// Models lists the CNNs the notebooks and Study run: $DT_MODELS, else the
// study's.
func Models() []string {
	sel := os.Getenv(ModelsEnv)
	if sel == "" {
		return cnn.StudyModels()
	}
	archs := Must(cnn.Lookup(sel))
	var names []string
	for _, a := range archs {
		names = append(names, a.Name)
	}
	return names
}

// Dataset loads $DT_DATA_DIR, or the embedded default dataset (generated into
// the cache on first use).
func Dataset() (*kay.Dataset, error) {
	setup.Do(backend.UseFastBLAS)
	dir, err := synth.ResolveDataDir(os.Getenv(synth.DataDirEnv), cachedir.Root(), os.Stdout)
	if err != nil {
		return nil, err
	}
	return kay.Load(dir)
}

// About says which dataset d is, for the first cell of a notebook.
func About(d *kay.Dataset) string {
	if synth.IsSynthetic(d.Dir) {
		return fmt.Sprintf("dataset: %s (synthetic Kay-format data, the embedded default; set %s to use the real data)", d.Dir, synth.DataDirEnv)
	}
	return "dataset: " + d.Dir
}

// MustDataset is Dataset for notebook cells: an error stops the cell with
// one line.
func MustDataset() *kay.Dataset { return Must(Dataset()) }

// Show displays a figure at the project's standard size (7 x 4.5 inches).
func Show(p *plot.Plot, err error) { show(p, err, 7, 4.5) }

// Square displays a figure at 5 x 5 inches, for images and matrices.
func Square(p *plot.Plot, err error) { show(p, err, 5, 5) }

func show(p *plot.Plot, err error, w, h float64) {
	Check(err)
	b, err := plots.PNG(p, vg.Length(w)*vg.Inch, vg.Length(h)*vg.Inch)
	Check(err)
	gonbui.DisplayPNG(b)
	syncGoNB()
}

// syncGoNB waits until GoNB has read what was displayed: the kernel closes
// its end of the pipe when the cell's program ends, and a figure still in
// the pipe then is lost (seen under load: a cell's figure missing, its later
// stdout there). A kernel that does not answer (one older than the GoNB
// this project installs) is waited for 10 s at most, not forever.
func syncGoNB() {
	done := make(chan struct{})
	go func() {
		gonbui.Sync()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
}
