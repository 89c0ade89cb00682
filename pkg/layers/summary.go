package layers

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/pkg/insilico"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// Table is every comparison: Table[model][layer][roi], as results.json's
// layers.<model>.<layer>.<roi>.<measure>.
type Table map[string]map[string]map[string]Cell

// Best is a model's best layer for an ROI under one measure, chosen on
// held-out training images (nested: the largest Score.Selection), with its
// relative depth (0 for the first layer compared, 1 for the last) and its
// score on the test images (Value, with its 95% interval), which took no
// part in the choice.
type Best struct {
	Layer     string        `json:"layer"`
	Depth     jsonnum.Float `json:"depth"`
	Value     jsonnum.Float `json:"value"`
	Low       jsonnum.Float `json:"ci_low"`
	High      jsonnum.Float `json:"ci_high"`
	Selection jsonnum.Float `json:"selection_value"`
	// PerTrial is, for the rsa measure where the data have repeated test
	// trials, the same layer's score on the noise ceiling's scale
	// (PerTrialScore: against each trial's RSM, averaged), which
	// Summary.Ceilings bound; Value compares with the trial means' RSM.
	PerTrial *jsonnum.Float `json:"per_trial,omitempty"`
}

// Interval is a 95% interval.
type Interval struct {
	Low  jsonnum.Float `json:"ci_low"`
	High jsonnum.Float `json:"ci_high"`
}

// Depth summarises, for one measure and ROI, the relative depth of the best
// layer across the (non-reference) models: mean and s.d.
type Depth struct {
	Mean   jsonnum.Float `json:"mean"`
	SD     jsonnum.Float `json:"sd"`
	Models int           `json:"models"`
}

// Significance counts a model's tested (layer, ROI) cells under one measure
// and those whose Benjamini-Hochberg adjusted p-value is below 0.05.
type Significance struct {
	Cells    int `json:"cells"`
	Rejected int `json:"rejected_bh_05"`
}

// Summary is the layer-wise stage's overview (results.json layers_summary).
type Summary struct {
	Pool     string                                `json:"pool"`
	ROIs     []string                              `json:"rois"`
	Measures []string                              `json:"measures"`
	Order    map[string][]string                   `json:"layer_order"` // each model's layers, shallow to deep
	Best     map[string]map[string]map[string]Best `json:"best"`        // model -> measure -> roi
	Depth    map[string]map[string]Depth           `json:"depth"`       // measure -> roi, across the CNNs
	// DepthTrend is, per measure, the Spearman correlation between the
	// ROIs' order in the visual hierarchy (V1 first) and the mean depth of
	// their best layers: positive when later areas follow deeper layers.
	DepthTrend map[string]jsonnum.Float `json:"depth_trend"`
	// DepthTrendCI is its 95% percentile bootstrap interval over the
	// CNNs (models resampled with replacement, DepthTrend recomputed;
	// resamples where it is undefined, every mean depth alike, left out).
	DepthTrendCI map[string]Interval `json:"depth_trend_ci"`
	References   []string            `json:"references"` // models outside the depth summary
	// Ceilings are each ROI's noise ceilings and voxel counts (Ceiling),
	// ReliabilityMethod how its voxels were selected on the training
	// images (encoding.Reliability.Method).
	Ceilings          map[string]Ceiling `json:"ceilings"`
	ReliabilityMethod string             `json:"reliability_method"`
	// Significant counts, per model and tested measure, the cells that
	// reject the stratified permutation null after adjustment across the
	// table.
	Significant map[string]map[string]Significance `json:"significant"`
	// Robustness relates each area's brain-likeness to robustness across
	// the CNNs (LinkRobustness), under RobustnessMeasure.
	Robustness        map[string]map[string]Link `json:"robustness,omitempty"`
	RobustnessMeasure string                     `json:"robustness_measure,omitempty"`
	// InSilico are the best layers' in-silico curves (Options.InSilico).
	InSilico *InSilicoCurves `json:"in_silico,omitempty"`
}

// InSilicoCurves are, under one distortion, each model's in-silico curve
// per ROI from its best layer by the encoding score (Curve.Layer), over
// the ROI's reliable voxels, and on simulated data the simulated brain's
// true curve over the same voxels. They are model predictions, not
// measurements.
type InSilicoCurves struct {
	Distortion string                               `json:"distortion"`
	Levels     []float64                            `json:"levels"`
	Models     map[string]map[string]insilico.Curve `json:"models"`          // model -> roi
	Truth      map[string]insilico.Curve            `json:"truth,omitempty"` // roi
}

// Analysis accumulates models' comparisons with a brain, one model at a
// time (so only one model's features need be in memory).
type Analysis struct {
	b      *Brain
	opt    Options
	tab    Table
	sum    *Summary
	models []string
}

// NewAnalysis starts comparing models with b.
func NewAnalysis(b *Brain, pool string, opt Options) *Analysis {
	ceil := map[string]Ceiling{}
	for k, roi := range b.ROIs {
		ceil[roi] = b.ceilings[k]
	}
	a := &Analysis{b: b, opt: opt, tab: Table{},
		sum: &Summary{Pool: pool, ROIs: b.ROIs, Measures: Measures(), Order: map[string][]string{},
			Best: map[string]map[string]map[string]Best{}, Depth: map[string]map[string]Depth{}, DepthTrend: map[string]jsonnum.Float{},
			DepthTrendCI: map[string]Interval{}, Significant: map[string]map[string]Significance{}, Ceilings: ceil,
			ReliabilityMethod: b.reliability}}
	if is := opt.InSilico; is != nil {
		a.sum.InSilico = &InSilicoCurves{Distortion: is.Distortion.Name, Levels: is.Distortion.Levels, Models: map[string]map[string]insilico.Curve{}}
	}
	return a
}

// InSilicoModels are the models with in-silico curves, the reference
// models first, then the others by name.
func (s *Summary) InSilicoModels() []string {
	if s.InSilico == nil {
		return nil
	}
	var names []string
	for _, name := range s.References {
		if _, ok := s.InSilico.Models[name]; ok {
			names = append(names, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.InSilico.Models)) {
		if !slices.Contains(names, name) {
			names = append(names, name)
		}
	}
	return names
}

// TrueCurves adds the simulated brain's true in-silico curves
// (Options.InSilico's Options.Truth: its noise-free responses to the
// distorted test images sel.Test.Index of d) over each ROI's reliable
// voxels: what the models' curves should recover.
func (a *Analysis) TrueCurves(ctx context.Context, d *kay.Dataset, sel *kay.Selection) error {
	is := a.opt.InSilico
	if is == nil || is.Options.Truth == nil {
		return fmt.Errorf("layers: no true responses to compute in-silico curves from")
	}
	ims, err := insilico.Distorted(ctx, d, sel.Test.Index, is.Distortion, is.Options.Seed)
	if err != nil {
		return err
	}
	return a.trueCurves(insilico.Images(d, sel.Test.Index, nil), ims)
}

// trueCurves is TrueCurves from the clean and distorted test images.
func (a *Analysis) trueCurves(clean kay.Images, distorted []kay.Images) error {
	is := a.opt.InSilico
	p, err := insilico.TrueResponses(clean, distorted, is.Options)
	if err != nil {
		return fmt.Errorf("layers: true in-silico responses: %w", err)
	}
	a.sum.InSilico.Truth = map[string]insilico.Curve{}
	for k, roi := range a.b.ROIs {
		vox := make([]int, len(a.b.cols[k]))
		for i, c := range a.b.cols[k] {
			vox[i] = a.b.voxels[c]
		}
		c, err := insilico.Measure(p, is.Distortion.Levels, vox, a.b.labels, is.Options)
		if err != nil {
			return fmt.Errorf("layers: true in-silico curve, %s: %w", roi, err)
		}
		a.sum.InSilico.Truth[roi] = c
	}
	return nil
}

// Add compares every layer of m with every ROI, logging one line on
// progress (nil: none).
func (a *Analysis) Add(m Model, progress io.Writer) error {
	b, sum := a.b, a.sum
	cells, insil, err := b.compare(m, a.opt)
	if err != nil {
		return err
	}
	a.tab[m.Name] = map[string]map[string]Cell{}
	for l, layer := range m.Layers {
		a.tab[m.Name][layer] = map[string]Cell{}
		for k, roi := range b.ROIs {
			a.tab[m.Name][layer][roi] = cells[l][k]
		}
	}
	a.models = append(a.models, m.Name)
	sum.Order[m.Name] = m.Layers
	if m.Reference {
		sum.References = append(sum.References, m.Name)
	}
	sum.Significant[m.Name] = map[string]Significance{}
	for _, s := range rsa.LayerMethods() {
		if !s.Tested {
			continue
		}
		meas := MeasureName(s.Method)
		var sig Significance
		for l := range cells {
			for _, c := range cells[l] {
				if t, _ := c.Tested(meas); !math.IsNaN(float64(t.PBH)) {
					sig.Cells++
					if t.PBH < 0.05 {
						sig.Rejected++
					}
				}
			}
		}
		sum.Significant[m.Name][meas] = sig
	}
	sum.Best[m.Name] = map[string]map[string]Best{}
	for _, meas := range sum.Measures {
		sum.Best[m.Name][meas] = map[string]Best{}
		for k, roi := range b.ROIs {
			sel := make([]float64, len(m.Layers))
			for l := range m.Layers {
				sel[l] = float64(cells[l][k].Get(meas).Selection)
			}
			best := Select(sel)
			if best < 0 {
				continue
			}
			depth := 0.0
			if len(m.Layers) > 1 {
				depth = float64(best) / float64(len(m.Layers)-1)
			}
			sc := cells[best][k].Get(meas)
			bl := Best{Layer: m.Layers[best], Depth: jsonnum.Float(depth), Value: sc.Value, Low: sc.Low, High: sc.High,
				Selection: sc.Selection}
			if meas == MeasureName(rsa.Spearman) && b.trials[k] != nil {
				rsm, err := rsa.Cosine(rsa.Patterns{X: m.Test[best], N: m.NTest, D: m.Widths[best]})
				if err == nil {
					v := jsonnum.Float(PerTrialScore(b.trials[k], rsm.UpperTriangle()))
					bl.PerTrial = &v
				}
			}
			sum.Best[m.Name][meas][roi] = bl
			if meas == Encoding && insil != nil && sum.InSilico != nil {
				is := a.opt.InSilico
				if insil[best].Clean == nil {
					return fmt.Errorf("layers: %s in silico, %s: no predictions of the chosen layer %s", m.Name, roi, m.Layers[best])
				}
				c, err := insilico.Measure(insil[best], is.Distortion.Levels, b.cols[k], b.labels, is.Options)
				if err != nil {
					return fmt.Errorf("layers: %s in silico, %s: %w", m.Name, roi, err)
				}
				c.Layer = m.Layers[best]
				if sum.InSilico.Models[m.Name] == nil {
					sum.InSilico.Models[m.Name] = map[string]insilico.Curve{}
				}
				sum.InSilico.Models[m.Name][roi] = c
			}
		}
	}
	if progress != nil {
		e := sum.Best[m.Name][Encoding]
		first, last := b.ROIs[0], b.ROIs[len(b.ROIs)-1] // V1 and LatOcc in the real data set
		fmt.Fprintf(progress, "layers: %s (%d layers): best layer by encoding score (chosen on training images; test r): %s %s (%.3f [%.3f, %.3f]), %s %s (%.3f [%.3f, %.3f])\n",
			m.Name, len(m.Layers), first, e[first].Layer, float64(e[first].Value), float64(e[first].Low), float64(e[first].High),
			last, e[last].Layer, float64(e[last].Value), float64(e[last].Low), float64(e[last].High))
	}
	return nil
}

// Select is nested selection's choice among layers: the index of the
// largest held-out training value (Score.Selection; NaNs skipped, the
// first of ties), -1 when all are NaN.
func Select(selection []float64) int {
	best := -1
	for l, v := range selection {
		if !math.IsNaN(v) && (best < 0 || v > selection[best]) {
			best = l
		}
	}
	return best
}

// Finish summarises the best layers' depths across the non-reference
// models and returns every comparison and the summary.
func (a *Analysis) Finish() (Table, *Summary) {
	sum := a.sum
	for _, meas := range sum.Measures {
		sum.Depth[meas] = map[string]Depth{}
		for k, roi := range a.b.ROIs {
			ds := a.depths(meas, nil)[k]
			d := Depth{Mean: jsonnum.Float(math.NaN()), SD: jsonnum.Float(math.NaN()), Models: len(ds)}
			if len(ds) > 0 {
				d.Mean = jsonnum.Float(stats.Mean(ds))
			}
			if len(ds) > 1 {
				d.SD = jsonnum.Float(stats.SD(ds))
			}
			sum.Depth[meas][roi] = d
		}
		sum.DepthTrend[meas] = jsonnum.Float(depthTrend(a.depths(meas, nil)))
		sum.DepthTrendCI[meas] = a.trendInterval(meas)
	}
	return a.tab, sum
}

// cnns are the non-reference models added, in order.
func (a *Analysis) cnns() []string {
	var out []string
	for _, name := range a.models {
		if !slices.Contains(a.sum.References, name) {
			out = append(out, name)
		}
	}
	return out
}

// depths are, per ROI, the best layers' relative depths under meas of the
// models (nil: every CNN; a model may appear more than once).
func (a *Analysis) depths(meas string, models []string) [][]float64 {
	if models == nil {
		models = a.cnns()
	}
	out := make([][]float64, len(a.b.ROIs))
	for k, roi := range a.b.ROIs {
		for _, name := range models {
			if bst, ok := a.sum.Best[name][meas][roi]; ok {
				out[k] = append(out[k], float64(bst.Depth))
			}
		}
	}
	return out
}

// depthTrend is the Spearman correlation between the ROIs' order and the
// mean of their depths, over the ROIs with any (NaN with fewer than 3, or
// with every mean alike).
func depthTrend(depths [][]float64) float64 {
	var means, order []float64
	for k, ds := range depths {
		if len(ds) > 0 {
			means, order = append(means, stats.Mean(ds)), append(order, float64(k))
		}
	}
	if len(means) < 3 {
		return math.NaN()
	}
	return stats.Pearson(stats.Ranks(order), stats.Ranks(means))
}

// TrendText is meas's depth trend with its interval as words, or why
// either is missing ("trend n/a: ...").
func (s *Summary) TrendText(meas string) string {
	trend, ci := float64(s.DepthTrend[meas]), s.DepthTrendCI[meas]
	switch {
	case math.IsNaN(trend):
		return "trend n/a: the mean depths do not vary, or under 3 areas"
	case math.IsNaN(float64(ci.Low)) || math.IsNaN(float64(ci.High)):
		return fmt.Sprintf("trend %.2f, no interval: under 2 CNNs", trend)
	}
	return fmt.Sprintf("trend %.2f [%.2f, %.2f]", trend, float64(ci.Low), float64(ci.High))
}

// DepthTable is, one line per measure under a header of the areas, the
// mean relative depth of each area's best layer and the depth trend
// (TrendText); an area no CNN reached reads "n/a". Seven areas fit a
// notebook's output (about 95 columns).
func (s *Summary) DepthTable() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-17s", "measure")
	for _, roi := range s.ROIs {
		fmt.Fprintf(&b, " %6s", roi)
	}
	b.WriteString("  depth trend over the areas\n")
	for _, meas := range s.Measures {
		fmt.Fprintf(&b, "%-17s", meas)
		for _, roi := range s.ROIs {
			fmt.Fprintf(&b, " %6s", s.DepthText(meas, roi))
		}
		fmt.Fprintf(&b, "  %s\n", s.TrendText(meas))
	}
	return b.String()
}

// DepthText is the mean relative depth of roi's best layer under meas over
// the CNNs, "n/a" where no CNN reached it.
func (s *Summary) DepthText(meas, roi string) string {
	if m := float64(s.Depth[meas][roi].Mean); !math.IsNaN(m) {
		return fmt.Sprintf("%.2f", m)
	}
	return "n/a"
}

// trendBootstraps are the resamples of the CNNs for DepthTrendCI.
const trendBootstraps = 2000

// trendInterval is DepthTrend's percentile bootstrap interval over the
// CNNs (NaN with fewer than 2 CNNs).
func (a *Analysis) trendInterval(meas string) Interval {
	nan := jsonnum.Float(math.NaN())
	models := a.cnns()
	if len(models) < 2 {
		return Interval{nan, nan}
	}
	rng := rand.New(rand.NewPCG(a.opt.Seed, 0x7e4d))
	vals := make([]float64, 0, trendBootstraps)
	pick := make([]string, len(models))
	for range trendBootstraps {
		for i := range pick {
			pick[i] = models[rng.IntN(len(models))]
		}
		vals = append(vals, depthTrend(a.depths(meas, pick)))
	}
	return Interval{jsonnum.Float(stats.Percentile(vals, 2.5)), jsonnum.Float(stats.Percentile(vals, 97.5))}
}

// Analyze compares every model with b (NewAnalysis, Add, Finish).
func Analyze(b *Brain, models []Model, pool string, opt Options, progress io.Writer) (Table, *Summary, error) {
	a := NewAnalysis(b, pool, opt)
	for _, m := range models {
		if err := a.Add(m, progress); err != nil {
			return nil, nil, err
		}
	}
	tab, sum := a.Finish()
	return tab, sum, nil
}

// Link is the rank correlation across models between brain-likeness in one
// area (each model's best-layer value under one measure) and a robustness
// measure.
type Link struct {
	Rho    jsonnum.Float `json:"spearman_rho"`
	Models int           `json:"models"`
}

// LinkRobustness relates, per measure and ROI, the CNNs' best-layer values
// to their robustness (robust: model -> value, e.g. the normalised accuracy
// drop under blur): Spearman rho over the models present in both (NaN with
// fewer than 3). It is stored in the summary (robustness, robustness_measure)
// as the hypothesis asked per area.
func (s *Summary) LinkRobustness(name string, robust map[string]float64) {
	s.RobustnessMeasure = name
	s.Robustness = map[string]map[string]Link{}
	for _, meas := range s.Measures {
		s.Robustness[meas] = map[string]Link{}
		for _, roi := range s.ROIs {
			var x, y []float64
			for model, r := range robust {
				if b, ok := s.Best[model][meas][roi]; ok && !math.IsNaN(r) && !math.IsNaN(float64(b.Value)) {
					x, y = append(x, float64(b.Value)), append(y, r)
				}
			}
			l := Link{Rho: jsonnum.Float(math.NaN()), Models: len(x)}
			if len(x) >= 3 {
				l.Rho = jsonnum.Float(stats.Pearson(stats.Ranks(x), stats.Ranks(y)))
			}
			s.Robustness[meas][roi] = l
		}
	}
}
