package nb

import (
	"context"
	"fmt"
	"os"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
)

// StudyOptions are the knobs of the notebooks' study run (the CLI's study
// flags of the same names).
type StudyOptions struct {
	Models []string // CNN architectures (Models: $DT_MODELS, else the study's five)
	// Seeds is the training seeds of the decoder and of each head (0:
	// study.DefaultSeeds: 5 on datasets up to 600 training images, else 3).
	Seeds        int
	Permutations int   // of the RSM comparisons' p-values (10,000)
	Bootstraps   int   // of their intervals (1,000)
	Seed         int64 // the run's seed (1)
}

// StudyDefaults are the CLI's defaults for StudyOptions.
func StudyDefaults() StudyOptions {
	t := rsa.DefaultTest()
	return StudyOptions{Models: Models(), Permutations: t.Permutations, Bootstraps: t.Bootstraps, Seed: Seed}
}

// Study is StudyWith with StudyDefaults.
func Study(d *kay.Dataset) (string, *study.Results) { return StudyWith(d, StudyDefaults()) }

// StudyWith returns the folder and results of the study on d with opt (the
// CLI's `study`, with the notebooks' weights: cached ImageNet weights, else
// random), every stage but the layer-wise comparison (notebook 06 runs its
// own, nb.Layers) and the HTML report, which needs it: the backbone
// features are then those notebook 02 cached. The first call with these
// options runs it, printing each stage; later cells read results.json and
// the saved matrices. Options that cannot run stop the cell with one line.
func StudyWith(d *kay.Dataset, opt StudyOptions) (string, *study.Results) {
	switch {
	case len(opt.Models) == 0:
		Check(fmt.Errorf("study options: Models is empty: want at least one architecture (nb.Models() lists the notebooks')"))
	case opt.Seeds < 0 || opt.Seeds > 20:
		Check(fmt.Errorf("study options: Seeds %d: want 0 (the default) to 20", opt.Seeds))
	case opt.Permutations < 99:
		Check(fmt.Errorf("study options: Permutations %d: want at least 99", opt.Permutations))
	case opt.Bootstraps < 20:
		Check(fmt.Errorf("study options: Bootstraps %d: want at least 20", opt.Bootstraps))
	}
	var weights []string
	for _, name := range opt.Models {
		_, ok := cnn.CachedWeights(Must(cnn.Get(name)), cachedir.Path("weights"))
		weights = append(weights, fmt.Sprint(name, ok))
	}
	// The last element names the results.json schema and the random
	// networks: a run of an older one is not reopened.
	dir := cachedir.Path("runs", "study-"+runKey(d, struct {
		Weights []string
		Options StudyOptions
		Schema  string
	}{weights, opt, "v7"}))
	if r, err := study.Load(dir); err == nil {
		return dir, r
	}
	log := newLog("study")
	defer log.Done()
	test := rsa.DefaultTest()
	test.Permutations, test.Bootstraps, test.Seed = opt.Permutations, opt.Bootstraps, uint64(opt.Seed)
	cfg, release, err := study.Setup(context.Background(), study.Settings{Data: d, Out: dir, Models: opt.Models, Env: env(), Seed: opt.Seed, Seeds: opt.Seeds,
		Test: test, Stages: studyStages(), Cache: cachedir.Root(), Progress: log, Log: os.Stdout})
	Check(err)
	defer release()
	r := Must(study.Run(context.Background(), cfg))
	return dir, r
}

// studyStages are the stages Study runs: all but the layers and the report.
func studyStages() []string {
	var out []string
	for _, s := range study.StageNames() {
		if s != "layers" && s != "report" {
			out = append(out, s)
		}
	}
	return out
}
