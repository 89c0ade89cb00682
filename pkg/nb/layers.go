package nb

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/internal/cachedir"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/layers"
	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
)

// LayerModels are the two CNNs notebook 06 compares layer by layer:
// resnet18 and vgg11_bn, or, when $DT_MODELS names the notebooks' models,
// the first two of those.
func LayerModels() []string {
	if os.Getenv(ModelsEnv) == "" {
		return []string{"resnet18", "vgg11_bn"}
	}
	m := Models()
	return m[:min(2, len(m))]
}

// Layers is the layer-wise comparison of the named CNNs (and the Gabor and
// pixel references) with every visual area of d (the CLI's `layers` with
// its defaults: 4 x 4 pooling, BatchNorm adapted, 200 bootstraps, 10,000
// permutations), with the best layers' in-silico curves under Gaussian blur
// (layers.Summary.InSilico): the first
// call computes and saves it (layers.json and figures) in the cache, later
// cells read it back. It returns the folder too, for the figures.
func Layers(d *kay.Dataset, names ...string) (layers.Table, *layers.Summary, string) {
	var archs []cnn.Arch
	for _, n := range names {
		archs = append(archs, Must(cnn.Get(n)))
	}
	log := newLog("layer-wise comparison")
	defer log.Done()
	fopt := study.CNNOptions(d, Seed, cachedir.Root(), log).Features
	dir := cachedir.Path("runs", "layers-"+runKey(d, struct {
		Names    []string
		Pool     string
		BN       string
		Measures []string // a saved run from before a measure was added is redone
		Tests    string
		InSilico string
	}{names, cnn.PoolGrid4, fopt.BatchNorm, layers.Measures(), "stratified permutations, BH across the table", "gaussian, reliable voxels"}))
	var saved struct {
		Summary *layers.Summary `json:"summary"`
		Layers  layers.Table    `json:"layers"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, layers.ResultFile)); err == nil && json.Unmarshal(b, &saved) == nil && saved.Summary != nil {
		return saved.Layers, saved.Summary, dir
	}
	b, _, err := env().New("", backend.Convolutions)
	Check(err)
	open := func(a cnn.Arch) (*cnn.Model, func(), error) {
		m, _ := backboneOn(b, a.Name)
		return m, m.Close, nil
	}
	// the best layers' in-silico curves under Gaussian blur (with the
	// simulated brain's true ones on simulated data)
	sel := Must(d.Select(kay.DefaultFilter()))
	is := &layers.InSilico{Distortion: distortion.Gaussian(), Options: Must(study.InSilicoOptions(d, sel, 200, 0.95, Seed))}
	tab, sum := Must2(layers.Run(context.Background(), d, archs, open, cnn.PoolGrid4, fopt, layers.Options{Bootstraps: 200, Seed: Seed, InSilico: is}, log))
	Check(layers.Write(dir, tab, sum))
	return tab, sum, dir
}

// LayerFigure displays one of the layer-wise figures (layers.Figures): a
// model's heatmap "<model>_<measure>" or "depth_<measure>".
func LayerFigure(tab layers.Table, sum *layers.Summary, name string) {
	for _, s := range layers.Figures(tab, sum) {
		if s.Name == name {
			Show(s.Draw())
			return
		}
	}
	var names []string
	for _, s := range layers.Figures(tab, sum) {
		names = append(names, s.Name)
	}
	Check(fmt.Errorf("no layer-wise figure %q; there are %s", name, strings.Join(names, ", ")))
}
