package nb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/janpfeifer/must"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

// Backbone opens a CNN with the notebooks' weights: the cached official
// ImageNet weights when downloaded (`decoding-thoughts train-cnn --weights
// download`), else seeded random weights; the text says which, and on which
// backend.
func Backbone(name string) (*cnn.Model, string) {
	a := must.M1(cnn.Get(name))
	b, c, err := backend.New("", backend.Convolutions)
	must.M(err)
	var m *cnn.Model
	if p, ok := cnn.CachedWeights(a); ok {
		m = must.M1(cnn.NewFromFile(b, a, p))
	} else {
		m = must.M1(cnn.NewRandom(b, a, int64(1+indexOf(name))))
	}
	about := fmt.Sprintf("%s\n%s: weights %s", backend.Describe(b, c), name, m.Weights)
	if !m.Pretrained() {
		about += " (no ImageNet weights cached: random weights, the untrained-network control)"
	}
	return m, about
}

func indexOf(name string) int {
	for i, n := range cnn.Names() {
		if n == name {
			return i
		}
	}
	return 0
}

// CNN returns the stimulus classifier of the named backbone on d, trained
// with the original recipe (adapted to the dataset's size): the first call
// computes the features (cached) and trains the head, printing its log;
// later cells reopen the saved run.
func CNN(name string, d *kay.Dataset) *stimulus.Result {
	opt := stimulus.DefaultOptions().ForDataset(d)
	opt.Features.CacheDir = cachedir.Path("features")
	m, about := Backbone(name)
	dir := cachedir.Path("runs", name+"-"+runKey(d, struct {
		Opt     stimulus.Options
		Weights string
	}{opt, m.Weights}))
	hb, _, err := backend.New("", backend.Dense)
	must.M(err)
	ctx := context.Background()
	if _, err := os.Stat(filepath.Join(dir, train.CheckpointFile)); err == nil {
		if r, err := stimulus.Open(ctx, hb, m, dir, d, opt); err == nil {
			return r
		}
	}
	fmt.Println(about)
	opt.Progress = os.Stdout
	r := must.M1(stimulus.Run(ctx, hb, m, d, opt))
	must.M(r.Write(dir))
	return r
}
