package nb

import (
	"context"
	"fmt"

	"github.com/janpfeifer/must"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
)

// Study returns the folder and results of the whole study on d (the CLI's
// `study`, with the notebooks' weights: cached ImageNet weights, else
// random). The first call runs it, printing each stage; later cells read
// results.json and the saved matrices.
func Study(d *kay.Dataset) (string, *study.Results) {
	var weights []string
	for _, name := range cnn.StudyModels() {
		_, ok := cnn.CachedWeights(must.M1(cnn.Get(name)), cachedir.Path("weights"))
		weights = append(weights, fmt.Sprint(name, ok))
	}
	// "v3": results.json of issue 13 (seeds, category-controlled measures)
	// and 16 (layers, with their permutation tests)
	dir := cachedir.Path("runs", "study-"+runKey(d, append(weights, "v3")))
	if r, err := study.Load(dir); err == nil {
		return dir, r
	}
	conv, c, err := backend.New("", backend.Convolutions)
	must.M(err)
	dense, dc, err := backend.New("", backend.Dense)
	must.M(err)
	fmt.Println(backend.Describe(conv, c))
	log := newLog("study")
	defer log.Done()
	cfg := study.Config{Data: d, Out: dir, Conv: conv, Dense: dense, Seed: Seed, Seeds: study.DefaultSeeds(d), Cache: cachedir.Root(), Progress: log,
		BackendNote: conv.Description() + " (CNNs); " + dense.Description() + " (dense)"}
	fmt.Println(backend.Describe(dense, dc))
	r := must.M1(study.Run(context.Background(), cfg))
	return dir, r
}
