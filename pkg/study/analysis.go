package study

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/hypothesis"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/robustness"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/similarity"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

// embeddingEntries are embeddings/<model>.npz: "embedding" (N_test, E)
// float32 and "label" (N_test,) int64, in the test split's order.
func embeddingEntries(o train.Output, labels []int) []npfile.Entry {
	lab := make([]int64, len(labels))
	for i, l := range labels {
		lab[i] = int64(l)
	}
	return []npfile.Entry{
		{Key: "embedding", Array: npfile.Array{Shape: []int{o.N, o.E}, Data: o.Embedding}},
		{Key: "label", Array: npfile.Array{Shape: []int{len(lab)}, Data: lab}},
	}
}

func (st *state) embeddings(context.Context) error {
	if err := os.MkdirAll(st.dir("embeddings"), 0o755); err != nil {
		return err
	}
	f := st.fmri.first()
	if err := npfile.WriteNPZ(st.dir("embeddings", decoder.Name+".npz"), embeddingEntries(f.Test, f.Sel.Test.Y)...); err != nil {
		return err
	}
	for _, m := range st.models {
		r := m.heads[0]
		if err := npfile.WriteNPZ(st.dir("embeddings", m.name()+".npz"), embeddingEntries(r.Test, r.Sel.Test.Y)...); err != nil {
			return err
		}
	}
	return nil
}

func representation(name string, o train.Output, labels []int) similarity.Representation {
	return similarity.Representation{Name: name, Patterns: rsa.Patterns{X: o.Embedding, N: o.N, D: o.E}, Labels: labels}
}

// tested are the methods of the rsa table the study tests for each model
// (rsa.StudyMethods: the raw Spearman, confounded by the shared labels and
// kept for comparison, and the category-controlled ones).
func tested() []rsa.Method {
	var out []rsa.Method
	for _, s := range rsa.StudyMethods() {
		out = append(out, s.Method)
	}
	return out
}

// rsa builds every model's matrices (every seed), writes rsm/<model>.npz
// (first seed), flags degenerate models and compares each other CNN with
// the fMRI decoder, seed by seed; p-values are Holm-adjusted across models.
func (st *state) rsa(context.Context) error {
	classes := len(st.fmri.first().Meta.Classes)
	st.fmri.rsms = nil
	for _, r := range st.fmri.runs {
		m, err := similarity.Build(representation(decoder.Title, r.Test, r.Sel.Test.Y), classes)
		if err != nil {
			return err
		}
		st.fmri.rsms = append(st.fmri.rsms, m)
	}
	if err := os.MkdirAll(st.dir("rsm"), 0o755); err != nil {
		return err
	}
	if err := writeRSM(st.dir("rsm", decoder.Name+".npz"), st.fmri.rsms[0]); err != nil {
		return err
	}
	// Every tested method's permutations are stratified, the raw Spearman's
	// too: its p then asks whether anything beyond the class structure is
	// shared (its value stays confounded).
	test := st.cfg.Test
	test.Stratify = true
	// each area's comparisons run the area table's resampling (fewer
	// permutations: seven areas per model), stratified as every test here
	areaTest := st.cfg.ROITest
	areaTest.Stratify = true
	st.res.Measures = nil
	for _, m := range rsa.Methods {
		s, _ := rsa.Spec(m)
		ms := Measure{Method: m, Title: s.Title, Confounded: s.Confounded, Stratified: s.Stratified || s.Study, Tested: s.Study}
		if s.Study && s.SameTestAs != "" && st.cfg.Seeds == 1 {
			ms.Tested, ms.SameTestAs = false, s.SameTestAs
		}
		st.res.Measures = append(st.res.Measures, ms)
	}
	tested := tested()
	reliable, choice := reliableVoxels(st.res.Encoding, st.fmri.first().Sel)
	st.res.VoxelSelection = choice
	pooled, err := similarity.Pooled(st.cfg.Data, reliable)
	if err != nil {
		return err
	}
	st.logf("the brain's own RSM: %d of the decoder's %d voxels, reliable on the training images (%s)", choice.Selected, choice.Of, choice.Method)
	if st.fmri.voxels, err = similarity.Build(pooled, classes); err != nil {
		return err
	}
	if err := st.areaRSMs(classes); err != nil {
		return err
	}
	for _, mod := range st.models {
		name, runs := mod.name(), mod.heads
		var ms []similarity.Matrices
		for _, r := range runs {
			m, err := similarity.Build(representation(name, r.Test, r.Sel.Test.Y), classes)
			if err != nil {
				return err
			}
			ms = append(ms, m)
		}
		mod.rsms = ms
		if err := writeRSM(st.dir("rsm", name+".npz"), ms[0]); err != nil {
			return err
		}
		res := &mod.res
		var preds [][]int
		for _, r := range runs {
			preds = append(preds, r.Test.Predictions())
		}
		res.BalancedAccuracy = hypothesis.BalancedAccuracy(runs[0].Sel.Test.Y, preds, st.cfg.Test.Bootstraps, st.cfg.Test.Level, st.cfg.Test.Seed)
		collapsed := false
		res.Degenerate, res.DegenerateReason = false, ""
		for k, m := range ms {
			if c, spread := similarity.Collapsed(m); c {
				collapsed = true
				res.Degenerate = true
				res.DegenerateReason = fmt.Sprintf("its RSM is constant (seed %d: spread %.1e below %.0e): every test image gets the same embedding, so any correlation with it is rounding noise",
					st.cfg.Seed+int64(k), spread, similarity.CollapseTolerance)
				break
			}
		}
		chance := 1 / float64(classes)
		if ba := res.BalancedAccuracy; !res.Degenerate && !(float64(ba.Low) > chance) {
			res.Degenerate = true
			res.DegenerateReason = fmt.Sprintf("its balanced test accuracy %.3f [%.3f, %.3f] includes chance (%.3f)", ba.Value, ba.Low, ba.High, chance)
		}
		cfg := test
		if res.Degenerate || st.res.FMRI.AtChance {
			cfg = rsa.TestConfig{Level: cfg.Level}
		}
		c, err := similarity.ComparePaired(st.fmri.rsms, ms, cfg, tested...)
		if err != nil {
			return err
		}
		if res.Degenerate {
			c.Untested(collapsed)
			st.logf("%s: degenerate, not tested: %s", name, res.DegenerateReason)
		}
		res.RSMCorrFMRI = c
		// against the voxels' own RSMs: pooled, then each area's (the
		// area table's resampling); a degenerate model untested
		res.RSMCorrVoxels = map[string]similarity.Comparison{}
		for k, ref := range append([]similarity.Matrices{st.fmri.voxels}, st.fmri.areas...) {
			vcfg, key := test, similarity.PooledName
			if k > 0 {
				vcfg, key = areaTest, ref.Name
			}
			if res.Degenerate {
				vcfg = rsa.TestConfig{Level: vcfg.Level}
			}
			cv, err := similarity.ComparePaired(repeat(ref, len(ms)), ms, vcfg, tested...)
			if err != nil {
				return err
			}
			if res.Degenerate {
				cv.Untested(collapsed)
			}
			res.RSMCorrVoxels[key] = cv
		}
		if !res.Degenerate && !st.res.FMRI.AtChance {
			var parts []string
			for _, s := range rsa.StudyMethods() {
				v, note := c.Get(s.Method), ""
				if s.Confounded {
					note = " (confounded by the shared labels)"
				}
				p := fmt.Sprintf("p = %.4f", v.PValue)
				if s.SameTestAs != "" && st.cfg.Seeds == 1 {
					p = "p: see " + string(s.SameTestAs)
				}
				parts = append(parts, fmt.Sprintf("%s%s %.3f [%.3f, %.3f] %s", s.Method, note, v.Value, v.CILow, v.CIHigh, p))
			}
			st.logf("%s vs fMRI decoder (%d seeds): %s", name, c.WithinClass().Seeds, strings.Join(parts, "; "))
		}
	}
	// Holm across the models tested, method by method (a method whose test
	// is another's has no p-value of its own)
	for _, m := range tested {
		if s, _ := rsa.Spec(m); s.SameTestAs != "" && st.cfg.Seeds == 1 {
			continue
		}
		var names []string
		for _, mod := range st.tested() {
			names = append(names, mod.name())
		}
		// holm adjusts one comparison's p-values across the tested models
		holm := func(of func(c *CNNResult) similarity.Comparison) []float64 {
			var ps []float64
			for _, mod := range st.tested() {
				ps = append(ps, float64(of(&mod.res).Get(m).PValue))
			}
			return stats.Holm(ps)
		}
		adj := holm(func(c *CNNResult) similarity.Comparison { return c.RSMCorrFMRI })
		vadj := holm(func(c *CNNResult) similarity.Comparison { return c.RSMCorrVoxels[similarity.PooledName] })
		// each area's: Holm across the models within the area
		aadj := map[string][]float64{}
		for _, area := range st.fmri.areas {
			aadj[area.Name] = holm(func(c *CNNResult) similarity.Comparison { return c.RSMCorrVoxels[area.Name] })
		}
		for _, mod := range st.models {
			c := &mod.res
			if c.PHolm == nil {
				c.PHolm = map[rsa.Method]jsonnum.Float{}
			}
			if c.PHolmVoxels == nil {
				c.PHolmVoxels = map[rsa.Method]jsonnum.Float{}
			}
			if c.PHolmAreas == nil {
				c.PHolmAreas = map[string]map[rsa.Method]jsonnum.Float{}
			}
			k := slices.Index(names, mod.name())
			c.PHolm[m], c.PHolmVoxels[m] = jsonnum.Float(math.NaN()), jsonnum.Float(math.NaN())
			if k >= 0 {
				c.PHolm[m], c.PHolmVoxels[m] = jsonnum.Float(adj[k]), jsonnum.Float(vadj[k])
			}
			for _, area := range st.fmri.areas {
				if c.PHolmAreas[area.Name] == nil {
					c.PHolmAreas[area.Name] = map[rsa.Method]jsonnum.Float{}
				}
				c.PHolmAreas[area.Name][m] = jsonnum.Float(math.NaN())
				if k >= 0 {
					c.PHolmAreas[area.Name][m] = jsonnum.Float(aadj[area.Name][k])
				}
			}
		}
	}
	return nil
}

// repeat is n copies of m (one reference matrix paired with every seed's).
func repeat(m similarity.Matrices, n int) []similarity.Matrices {
	out := make([]similarity.Matrices, n)
	for k := range out {
		out[k] = m
	}
	return out
}

// areaRSMs builds each visual area's own matrices (V1 ... LatOcc): the
// test patterns of the area's voxels that are reliable on the training
// images (the pooled RSM's rule applied within the area), and records
// each area's choice.
func (st *state) areaRSMs(classes int) error {
	d, sel := st.cfg.Data, st.fmri.first().Sel
	st.fmri.areas = nil
	st.res.VoxelSelectionAreas = map[string]*VoxelSelection{}
	var parts []string
	for _, name := range d.Areas() {
		vox, err := d.ROIVoxels(name)
		if err != nil {
			return err
		}
		area := *sel
		area.Voxels = vox
		reliable, choice := reliableVoxels(st.res.Encoding, &area)
		rep, err := similarity.Voxels(d, reliable, name)
		if err != nil {
			return err
		}
		m, err := similarity.Build(rep, classes)
		if err != nil {
			return fmt.Errorf("%s's own RSM: %w", name, err)
		}
		st.fmri.areas = append(st.fmri.areas, m)
		st.res.VoxelSelectionAreas[name] = choice
		parts = append(parts, fmt.Sprintf("%s %d of %d", name, choice.Selected, choice.Of))
	}
	st.logf("each area's own RSM, from its voxels reliable on the training images: %s", strings.Join(parts, ", "))
	return nil
}

// writeRSM saves a model's matrices: "image" (N, N) in class order, "order"
// (test-image index of each row), "label" (class of each row), "class"
// (C, C).
func writeRSM(path string, m similarity.Matrices) error {
	order, labels := make([]int64, len(m.Order)), make([]int64, len(m.Labels))
	for i := range m.Order {
		order[i], labels[i] = int64(m.Order[i]), int64(m.Labels[i])
	}
	return npfile.WriteNPZ(path,
		npfile.Entry{Key: "image", Array: npfile.Array{Shape: []int{m.Image.N, m.Image.N}, Data: m.Image.Data}},
		npfile.Entry{Key: "order", Array: npfile.Array{Shape: []int{len(order)}, Data: order}},
		npfile.Entry{Key: "label", Array: npfile.Array{Shape: []int{len(labels)}, Data: labels}},
		npfile.Entry{Key: "class", Array: npfile.Array{Shape: []int{m.Class.N, m.Class.N}, Data: m.Class.Data}})
}

// roiNote says what the area table holds and why the decoder is not in it.
const roiNote = "Each visual area's raw voxel patterns (test images) against each model that is not degenerate: " +
	"raw and within-class Spearman, stratified permutation p-values (images permuted within their class), " +
	"bootstrap intervals, Benjamini-Hochberg adjustment across the table. The fMRI decoder is not a column: " +
	"its input was these same test patterns, so their noise is shared and would inflate its correlations."

// roiRSA compares each visual area's raw voxel patterns with every model
// that is not degenerate.
func (st *state) roiRSA(context.Context) error {
	d := st.cfg.Data
	f := st.fmri.first()
	reps, err := similarity.ROIs(d, f.Sel, d.Areas())
	if err != nil {
		return err
	}
	st.rois = st.rois[:0]
	for _, r := range reps {
		m, err := similarity.Build(r, len(f.Meta.Classes))
		if err != nil {
			return err
		}
		st.rois = append(st.rois, m)
	}
	var names []string
	var models [][]similarity.Matrices
	for _, m := range st.tested() {
		names, models = append(names, m.name()), append(models, m.rsms)
	}
	cells, err := similarity.ROITable(st.rois, models, st.cfg.ROITest)
	if err != nil {
		return err
	}
	roi := ROIResult{Models: names, Cells: map[string]map[string]similarity.ROICell{}, Test: st.cfg.ROITest, Note: roiNote}
	roi.Test.Stratify = true
	for r, m := range st.rois {
		roi.ROIs = append(roi.ROIs, m.Name)
		roi.Cells[m.Name] = map[string]similarity.ROICell{}
		for k, name := range names {
			roi.Cells[m.Name][name] = cells[r][k]
		}
	}
	st.res.ROI = roi
	return nil
}

// robustness sweeps every distortion for every CNN (every seed's head on
// one set of distorted features), recomputes the RSM correlation with the
// decoder on the primary distortion's images, and records the model
// characteristics.
func (st *state) robustness(ctx context.Context) error {
	fo := st.cnnOpt.Features
	fo.Progress = st.cfg.Progress
	if st.keepsLayerFeatures() {
		// the same pass keeps the primary distortion's layers for the
		// layers stage's in-silico curves (robustness.SweepAll)
		fo.LayersPool = layersPool
	}
	for _, mod := range st.models {
		name, r := mod.name(), mod.heads[0]
		res := &mod.res
		res.Distortions = nil
		m, err := st.open(ctx, mod)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		curves, err := robustness.SweepAll(ctx, mod.heads, m, st.cfg.Data, st.cfg.Distortions, st.cfg.Seed, fo)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for k, c := range curves {
			res.Distortions = append(res.Distortions, c)
			if k > 0 {
				continue
			}
			res.Primary, res.AccuracyDrop = c, c.Drop
			res.RSMCorrFMRIDistorted = nil
			if st.fmri.rsms == nil {
				continue // a task of a split study: the merge compares
			}
			for _, emb := range c.Embeddings {
				o := r.Test
				o.Embedding = emb
				m, err := similarity.Build(representation(name, o, r.Sel.Test.Y), len(r.Sel.Classes))
				if err != nil {
					return err
				}
				v, err := rsa.Compare(st.fmri.rsms[0].Image, m.Image, rsa.Spearman)
				if err != nil {
					return err
				}
				if res.Degenerate {
					v = math.NaN()
				}
				res.RSMCorrFMRIDistorted = append(res.RSMCorrFMRIDistorted, jsonnum.Float(v))
			}
		}
		m.Release()
		ch, err := robustness.Describe(m, r.Head)
		st.done(mod)
		if err != nil {
			return err
		}
		res.Params, res.Frobenius = ch.Params, ch.Frobenius
		st.logf("%s: balanced accuracy %v along %s %v", name, round3(res.Primary.BalancedAccuracy), st.cfg.Distortions[0].Title(), res.Primary.Levels)
	}
	return nil
}

func round3(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = math.Round(v*1000) / 1000
	}
	return out
}

// hypothesis relates, across the models that are not degenerate,
// brain-likeness (within-class Spearman with the decoder; the raw Spearman
// too, labelled confounded) to robustness under every distortion.
func (st *state) hypothesis(ctx context.Context) error {
	h := Hypothesis{SpearmanRho: jsonnum.Float(math.NaN()), PValue: jsonnum.Float(math.NaN())}
	ref := st.fmri.rsms[0]
	in := hypothesis.Input{Labels: ref.Labels, Bootstraps: st.cfg.Test.Bootstraps, Permutations: st.cfg.Test.Permutations,
		Level: st.cfg.Test.Level, Seed: st.cfg.Test.Seed}
	for _, m := range st.fmri.rsms {
		in.Reference = append(in.Reference, m.Image)
	}
	if st.fmri.voxels.Image.N > 0 {
		in.Voxels = &st.fmri.voxels.Image
	}
	for _, d := range st.cfg.Distortions {
		in.Distortions = append(in.Distortions, d.Name)
	}
	arch := map[string]string{}
	for _, m := range st.models {
		c := m.res
		arch[m.name()] = c.Architecture
		if c.Degenerate {
			h.Excluded = append(h.Excluded, Exclusion{Model: m.name(), Reason: c.DegenerateReason})
			continue
		}
		mod := hypothesis.Model{Name: m.name(), Params: int64(c.Params)}
		for _, m := range m.rsms {
			mod.RSM = append(mod.RSM, m.Image)
		}
		for _, curve := range c.Distortions {
			hc := hypothesis.Curve{Distortion: curve.Distortion, Levels: curve.Levels}
			for _, seed := range curve.Predictions {
				var levels [][]int
				for _, p := range seed {
					levels = append(levels, inOrder(p, ref.Order))
				}
				hc.Predictions = append(hc.Predictions, levels)
			}
			mod.Curves = append(mod.Curves, hc)
		}
		in.Models = append(in.Models, mod)
	}
	res, err := hypothesis.Run(in)
	if err != nil {
		return err
	}
	h.Result = res
	// Within each architecture with 3 or more tested variants.
	groups := map[string][]hypothesis.Model{}
	for _, mod := range in.Models {
		groups[arch[mod.Name]] = append(groups[arch[mod.Name]], mod)
	}
	for arch, models := range groups {
		if len(models) < 3 {
			continue
		}
		sub := in
		sub.Models = models
		r, err := hypothesis.Run(sub)
		if err != nil {
			return fmt.Errorf("hypothesis within %s: %w", arch, err)
		}
		if h.ByArchitecture == nil {
			h.ByArchitecture = map[string]hypothesis.Result{}
		}
		h.ByArchitecture[arch] = r
	}
	h.NModels = len(in.Models)
	primary := st.cfg.Distortions[0]
	h.Primary = fmt.Sprintf("regression of %s on %s under %s", hypothesis.WithinClass, hypothesis.HalfLevel, primary.Title())
	if len(res.Regressions) > 0 {
		h.Primary += ", covariates: " + cmp.Or(strings.Join(res.Regressions[0].Covariates, ", "), "none (constant across the models)")
	}
	var t hypothesis.Test
	for _, x := range res.Tests {
		if x.Distortion == primary.Name && x.Brain == hypothesis.WithinClass && x.Robustness == hypothesis.HalfLevel {
			t = x
		}
	}
	h.SpearmanRho, h.PValue = t.Rho.Value, t.P
	if len(res.Regressions) > 0 && h.NModels >= 3 && !st.res.FMRI.AtChance {
		h.Regression = &res.Regressions[0]
	}
	excluded := "none"
	if len(h.Excluded) > 0 {
		var names []string
		for _, e := range h.Excluded {
			names = append(names, e.Model)
		}
		excluded = strings.Join(names, ", ") + " (degenerate)"
	}
	n := h.NModels
	r := h.Regression
	switch {
	case st.res.FMRI.AtChance:
		h.Verdict = "not tested: " + st.res.FMRI.Reason
	case n < 3:
		h.Verdict = fmt.Sprintf("not tested: a test across models needs at least 3 models that are not degenerate; this run has %d (excluded: %s)", n, excluded)
	default:
		h.Verdict = regressionVerdict(r, primary.Title(), excluded)
		// the rank correlation beside it, as the earlier studies reported it
		pKind := "exact p"
		if math.IsNaN(float64(res.SmallestP)) {
			pKind = "p (t approximation)"
		}
		rho := num(t.Rho.Value, "%.2f")
		if math.IsNaN(float64(t.Rho.Value)) {
			rho += " (a side is constant across the models)"
		} else if math.IsNaN(float64(t.Rho.Low)) || math.IsNaN(float64(t.Rho.High)) {
			rho += " (no interval: undefined in over a tenth of the resamples)"
		} else {
			rho += fmt.Sprintf(" [%.2f, %.2f]", t.Rho.Low, t.Rho.High)
		}
		h.Verdict += fmt.Sprintf(". Beside it, unadjusted for covariates: Spearman rho of %s and %s %s, %s = %s",
			hypothesis.WithinClass, hypothesis.HalfLevel, rho, pKind, num(t.P, "%.3f"))
	}
	h.Caveats = fmt.Sprintf("%s are the sampling unit of the regression: its interval resamples them, and within each replicate the test images and the %s. "+
		"Clean accuracy and size are controlled; the models still differ in architecture and training recipe (see the within-architecture tests where variants of one architecture ran). ", count(n, "model"), count(st.cfg.Seeds, "training seed"))
	if !math.IsNaN(float64(res.SmallestP)) {
		h.Caveats += fmt.Sprintf("The rank correlations' exact test cannot give p below %.3f with %s. ", res.SmallestP, count(n, "model"))
	}
	if !st.res.Dataset.Synthetic {
		h.Caveats += "One subject, 114 test images."
	} else {
		h.Caveats += "The data are simulated: the result says whether the pipeline runs, not whether the hypothesis holds in the brain."
	}
	if !allPretrained(st.results().CNN) {
		h.Caveats += " Some CNNs ran with random (untrained) weights: ImageNet weights were not available."
	}
	// the design's power: how many models this question needs at this
	// study's test images and seeds
	models := []int{5, 10, 20, 35, 50}
	if n >= 4 && !slices.Contains(models, n) {
		models = append(models, n)
		slices.Sort(models)
	}
	power, err := hypothesis.PowerGrid(ctx, models, powerEffects, len(in.Labels), st.cfg.Seeds, 500, 99, uint64(st.cfg.Seed), nil)
	if err != nil {
		return err
	}
	h.Power = power
	st.res.Hypothesis = h
	st.logf("hypothesis: %s", h.Verdict)
	return nil
}

// powerEffects are the planted partial correlations of the report's power
// table.
var powerEffects = []float64{0.2, 0.3, 0.5}

// regressionVerdict is the sentence of the primary regression's verdict.
func regressionVerdict(r *hypothesis.Regression, distortion, excluded string) string {
	numbers := fmt.Sprintf("%s; n = %s; covariates %s; excluded: %s",
		regressionNumbers(r), count(r.Models, "model"), cmp.Or(strings.Join(r.Covariates, ", "), "none"), excluded)
	if r.Censored > 0 {
		numbers += fmt.Sprintf("; %d of %d models never fell halfway to chance (half level censored at the last level, which pulls the coefficient toward 0)", r.Censored, r.Models)
	}
	switch r.Verdict {
	case hypothesis.Underpowered:
		return fmt.Sprintf("underpowered: %s; a verdict needs a design that detects a partial correlation of %.1f with 80%% power "+
			"(%d models or more with these covariates: --models zoo runs every architecture of the registry) (%s)",
			r.Reason, hypothesis.MaxDetectableEffect, hypothesis.ModelsNeeded(len(r.Covariates)), numbers)
	case hypothesis.Supported:
		return fmt.Sprintf("supported: models that stay accurate to stronger %s are more brain-like beyond the shared labels, at equal clean accuracy and size (%s)",
			distortion, numbers)
	}
	return fmt.Sprintf("not supported: %s (%s)", r.Reason, numbers)
}

// regressionNumbers are the regression's estimates in words; an undefined
// one is "n/a" with the reason (the regression's Note).
func regressionNumbers(r *hypothesis.Regression) string {
	why := strings.TrimPrefix(r.Note, hypothesis.ErrDegenerate.Error()+": ")
	if math.IsNaN(float64(r.Coef)) {
		return "no coefficient, interval or p: " + cmp.Or(why, "the regression is undefined")
	}
	s := fmt.Sprintf("standardised coefficient %.2f, 95%% interval ", r.Coef)
	if math.IsNaN(float64(r.Low)) || math.IsNaN(float64(r.High)) {
		s += "n/a (" + cmp.Or(why, "no bootstrap") + ")"
	} else {
		s += fmt.Sprintf("[%.2f, %.2f] (bootstrap over models, images and seeds)", r.Low, r.High)
	}
	s += ", partial r " + num(r.Partial, "%.2f") + ", Freedman-Lane p = "
	if math.IsNaN(float64(r.P)) {
		return s + "n/a (no permutations)"
	}
	return s + fmt.Sprintf("%.4f (Holm %.4f)", r.P, r.PHolm)
}

// inOrder lists p's entries in the given order (test-image predictions in
// the RSMs' class order).
func inOrder(p, order []int) []int {
	out := make([]int, len(order))
	for k, i := range order {
		out[k] = p[i]
	}
	return out
}

func allPretrained(m map[string]CNNResult) bool {
	for _, c := range m {
		if !c.Pretrained {
			return false
		}
	}
	return true
}

// reliableVoxels is sel with only the voxels reliable on the training
// images (the encoding stage's encoding.Reliability), and what was chosen.
func reliableVoxels(e *encoding.Result, sel *kay.Selection) (*kay.Selection, *VoxelSelection) {
	if e == nil || e.Reliability == nil {
		return sel, &VoxelSelection{Method: "none", Selected: len(sel.Voxels), Of: len(sel.Voxels)}
	}
	vox, fallback := e.Reliability.ReliableOf(sel.Voxels, encoding.MinReliable)
	out := *sel
	out.Voxels = vox
	return &out, &VoxelSelection{Method: e.Reliability.Method, Selected: len(vox), Of: len(sel.Voxels), Fallback: fallback}
}
