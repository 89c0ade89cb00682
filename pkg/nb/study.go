package nb

import (
	"context"
	"fmt"
	"os"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
)

// Study returns the folder and results of the study on d (the CLI's
// `study`, with the notebooks' weights: cached ImageNet weights, else
// random), every stage but the layer-wise comparison (notebook 06 runs its
// own, nb.Layers) and the HTML report, which needs it: the backbone
// features are then those notebook 02 cached. The first call runs it,
// printing each stage; later cells read results.json and the saved
// matrices.
func Study(d *kay.Dataset) (string, *study.Results) {
	var weights []string
	models := Models()
	for _, name := range models {
		_, ok := cnn.CachedWeights(Must(cnn.Get(name)), cachedir.Path("weights"))
		weights = append(weights, fmt.Sprint(name, ok))
	}
	// The last element names the results.json schema and the random
	// networks: a run of an older one is not reopened.
	dir := cachedir.Path("runs", "study-"+runKey(d, append(weights, "v6")))
	if r, err := study.Load(dir); err == nil {
		return dir, r
	}
	log := newLog("study")
	defer log.Done()
	cfg, release, err := study.Setup(context.Background(), study.Settings{Data: d, Out: dir, Models: models, Env: env(), Seed: Seed, Stages: studyStages(),
		Cache: cachedir.Root(), Progress: log, Log: os.Stdout})
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
