package nb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gomlx/compute"
	"github.com/janpfeifer/must"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

// Backbone opens a CNN with the notebooks' weights: the cached official
// ImageNet weights when downloaded (`decoding-thoughts train-cnn --weights
// download`), else seeded random weights; the text says which, and on which
// backend.
func Backbone(name string) (*cnn.Model, string) {
	b, c, err := backend.New("", backend.Convolutions)
	must.M(err)
	m, about := backboneOn(b, name)
	return m, backend.Describe(b, c) + "\n" + about
}

func backboneOn(b compute.Backend, name string) (*cnn.Model, string) {
	m := must.M1(cnn.Open(context.Background(), b, must.M1(cnn.Get(name)), "auto", Seed, cachedir.Path("weights"), nil))
	return m, m.About()
}

// Seed is the notebooks' run seed, the CLI's default.
const Seed = 1

// CNN returns the stimulus classifier of the named backbone on d, trained
// with the study's recipe: the first call computes the features (cached)
// and trains the head, printing its progress and log; later cells reopen the
// saved run.
func CNN(name string, d *kay.Dataset) *stimulus.Result {
	m, about := Backbone(name)
	hb, _, err := backend.New("", backend.Dense)
	must.M(err)
	opt := study.CNNOptions(d, Seed, cachedir.Root(), os.Stdout)
	dir := cachedir.Path("runs", name+"-"+runKey(d, m.Weights))
	if _, err := os.Stat(filepath.Join(dir, train.CheckpointFile)); err != nil {
		fmt.Println(about)
	}
	return must.M1(study.CNN(context.Background(), hb, m, d, opt, dir))
}
