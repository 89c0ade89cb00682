package study

import (
	"context"
	"fmt"
	"sort"

	"gonum.org/v1/plot"

	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/insilico"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// brainRobustness asks the sweep of every distortion of the brain's own
// model: the encoding stage's fitted model predicts each visual area's
// responses to the distorted test images (pkg/insilico).
func (st *state) brainRobustness(ctx context.Context) error {
	d := st.cfg.Data
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		return err
	}
	var areas []insilico.Area
	for _, name := range d.Areas() {
		vox, err := d.ROIVoxels(name)
		if err != nil {
			return err
		}
		areas = append(areas, insilico.Area{Name: name, Voxels: vox})
	}
	if len(areas) == 0 {
		return fmt.Errorf("brain robustness: no visual area of %v holds voxels", d.ROINames[1:])
	}
	opt, err := st.inSilicoOptions(sel)
	if err != nil {
		return err
	}
	out, err := insilico.Run(ctx, d, st.res.Encoding.Model, sel.Test.Index, sel.Test.Y, st.cfg.Distortions, areas, opt)
	if err != nil {
		return err
	}
	st.res.BrainRobustness = out
	for _, dist := range st.cfg.Distortions {
		c := out[dist.Name][areas[0].Name]
		st.logf("brain robustness in silico, %s: %s's predicted RSM against the clean one %v", dist.Title(), areas[0].Name, round3(floats(c.RSMCorrClean)))
	}
	return nil
}

// inSilicoOptions are the in-silico curves' options: the study's bootstrap
// and seed and, on simulated data, the simulated brain's true responses to
// the selection's test images (its true curves beside the models').
func (st *state) inSilicoOptions(sel *kay.Selection) (insilico.Options, error) {
	return InSilicoOptions(st.cfg.Data, sel, min(st.cfg.Test.Bootstraps, 200), st.cfg.Test.Level, st.cfg.Seed)
}

// InSilicoOptions are in-silico curves' options for the selection's test
// images of d: bootstraps at level for their intervals, seed for them and
// the distortions' draws, and where d is simulated the simulated brain's
// true responses (synth.Truth.Signal, on the measured scale:
// synth.Truth.NoiseSD), for its true curves beside the models'.
func InSilicoOptions(d *kay.Dataset, sel *kay.Selection, bootstraps int, level float64, seed int64) (insilico.Options, error) {
	opt := insilico.Options{Bootstraps: bootstraps, Level: level, Seed: seed, Pool: encoding.DefaultOptions().Pool}
	if !synth.IsSynthetic(d.Dir) {
		return opt, nil
	}
	truth, err := synth.ReadTruth(d.Dir)
	if err != nil {
		return opt, err
	}
	if opt.Truth, err = truth.TestSignal(d.Train.Stimuli, sel.Test.Index); err != nil {
		return opt, err
	}
	opt.TruthNoise, err = truth.NoiseSD(1)
	return opt, err
}

// BrainRobustnessPlot draws one distortion's in-silico curves: each area's
// predicted RSM correlation with the clean images' along the levels; with
// truth, the simulated brain's true curves instead (an error when the data
// were not simulated).
func (r *Results) BrainRobustnessPlot(distortion string, truth bool) (*plot.Plot, error) {
	curves, ok := r.BrainRobustness[distortion]
	if !ok {
		return nil, fmt.Errorf("no in-silico curves for %q", distortion)
	}
	var x []float64
	var series []plots.Series
	for _, roi := range r.ROI.ROIs {
		c, ok := curves[roi]
		if !ok {
			continue
		}
		x = c.Levels
		if truth {
			if c.Truth == nil {
				continue
			}
			c = *c.Truth
		}
		series = append(series, plots.Series{Label: roi, Values: floats(c.RSMCorrClean)})
	}
	if len(series) == 0 && len(r.ROI.ROIs) == 0 { // the per-area stage did not run: the areas in name order
		for _, roi := range sortedKeys(curves) {
			c := curves[roi]
			if truth {
				if c.Truth == nil {
					continue
				}
				c = *c.Truth
			}
			x = c.Levels
			series = append(series, plots.Series{Label: roi, Values: floats(c.RSMCorrClean)})
		}
	}
	if len(series) == 0 {
		return nil, fmt.Errorf("no %s curves for %q", map[bool]string{true: "true", false: "in-silico"}[truth], distortion)
	}
	title := "the brain's model under " + distortionTitle(distortion) + " (encoding-model predictions)"
	if truth {
		title = "the simulated brain under " + distortionTitle(distortion) + " (its true, noise-free responses)"
	}
	return plots.Lines(title, distortionLabel(distortion), "RSM vs the clean images' (Spearman)", x, series...)
}

func brainRobustnessFigures(st *state) []plots.Spec {
	r := st.results()
	var specs []plots.Spec
	for _, d := range st.cfg.Distortions {
		specs = append(specs, plots.Spec{Name: "brain_robustness_" + d.Name, Draw: func() (*plot.Plot, error) { return r.BrainRobustnessPlot(d.Name, false) }})
		if hasTruth(r, d.Name) {
			specs = append(specs, plots.Spec{Name: "brain_robustness_true_" + d.Name, Draw: func() (*plot.Plot, error) { return r.BrainRobustnessPlot(d.Name, true) }})
		}
	}
	return specs
}

func brainRobustnessSections(st *state) []section {
	var names []string
	for _, d := range st.cfg.Distortions {
		names = append(names, "brain_robustness_"+d.Name, "brain_robustness_true_"+d.Name)
	}
	return []section{{Title: "The brain's robustness, in silico",
		Text: "The study's sweep asked of the brain's own model: the Gabor encoding model fitted on the training images predicts every voxel's " +
			"response to the test images at each level of each distortion, and each area's predicted representation is compared with the " +
			"clean images' (Spearman correlation of the RSMs, 1: unchanged; intervals over test images in results.json " +
			"brain_robustness, with the identification of each clean image from its distorted prediction). These are model predictions, not " +
			"measurements: an area the Gabor model explains poorly (see the encoding section) gives a curve that says little. On simulated " +
			"data the second figure of each distortion gives the simulated brain's true curves (its noise-free responses to the same distorted images): what " +
			"the model should recover. On the simulator the model's V1 curve falls more slowly than the true one and its LatOcc curve " +
			"faster (the true category component ignores blur; the Gabor model cannot know that).",
		Images: pngs(st.dir("figures"), names...)}}
}

// floats converts a list of JSON numbers.
func floats(v []jsonnum.Float) []float64 { return jsonnum.Floats(v) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// distortionTitle names a distortion for figures ("Gaussian blur").
func distortionTitle(name string) string { return distortion.Distortion{Name: name}.Title() }

// distortionLabel is a distortion's level axis label ("sigma (pixels)").
func distortionLabel(name string) string { return distortion.Distortion{Name: name}.LevelLabel() }

// hasTruth reports whether the distortion's curves carry the true ones.
func hasTruth(r *Results, distortion string) bool {
	for _, c := range r.BrainRobustness[distortion] {
		if c.Truth != nil {
			return true
		}
	}
	return false
}
