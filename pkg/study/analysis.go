package study

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/hypothesis"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
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
	st.res.Measures = nil
	for _, m := range rsa.Methods {
		s, _ := rsa.Spec(m)
		st.res.Measures = append(st.res.Measures, Measure{Method: m, Title: s.Title, Confounded: s.Confounded,
			Stratified: s.Stratified || s.Study, Tested: s.Study})
	}
	tested := tested()
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
		if res.Degenerate {
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
		if !res.Degenerate {
			var parts []string
			for _, s := range rsa.StudyMethods() {
				v, note := c.Get(s.Method), ""
				if s.Confounded {
					note = " (confounded by the shared labels)"
				}
				parts = append(parts, fmt.Sprintf("%s%s %.3f [%.3f, %.3f] p = %.4f", s.Method, note, v.Value, v.CILow, v.CIHigh, v.PValue))
			}
			st.logf("%s vs fMRI decoder (%d seeds): %s", name, c.WithinClass().Seeds, strings.Join(parts, "; "))
		}
	}
	// Holm across the models tested, method by method
	for _, m := range tested {
		var names []string
		var ps []float64
		for _, mod := range st.tested() {
			names, ps = append(names, mod.name()), append(ps, float64(mod.res.RSMCorrFMRI.Get(m).PValue))
		}
		adj := stats.Holm(ps)
		for _, mod := range st.models {
			c := &mod.res
			if c.PHolm == nil {
				c.PHolm = map[rsa.Method]jsonnum.Float{}
			}
			c.PHolm[m] = jsonnum.Float(math.NaN())
			if k := slices.Index(names, mod.name()); k >= 0 {
				c.PHolm[m] = jsonnum.Float(adj[k])
			}
		}
	}
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
	reps, err := similarity.ROIs(d, f.Sel, d.ROINames[1:])
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
	f := st.fmri.first()
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
			for _, emb := range c.Embeddings {
				o := r.Test
				o.Embedding = emb
				m, err := similarity.Build(representation(name, o, r.Sel.Test.Y), len(f.Meta.Classes))
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
func (st *state) hypothesis(context.Context) error {
	h := Hypothesis{SpearmanRho: jsonnum.Float(math.NaN()), PValue: jsonnum.Float(math.NaN())}
	ref := st.fmri.rsms[0]
	in := hypothesis.Input{Labels: ref.Labels, Bootstraps: st.cfg.Test.Bootstraps, Level: st.cfg.Test.Level, Seed: st.cfg.Test.Seed}
	for _, m := range st.fmri.rsms {
		in.Reference = append(in.Reference, m.Image)
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
		mod := hypothesis.Model{Name: m.name()}
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
	h.Primary = fmt.Sprintf("%s vs %s under %s", hypothesis.WithinClass, hypothesis.NormalizedDrop, primary.Title())
	var t hypothesis.Test
	for _, x := range res.Tests {
		if x.Distortion == primary.Name && x.Brain == hypothesis.WithinClass && x.Robustness == hypothesis.NormalizedDrop {
			t = x
		}
	}
	h.SpearmanRho, h.PValue = t.Rho.Value, t.P
	excluded := "none"
	if len(h.Excluded) > 0 {
		var names []string
		for _, e := range h.Excluded {
			names = append(names, e.Model)
		}
		excluded = strings.Join(names, ", ") + " (degenerate)"
	}
	n := h.NModels
	switch {
	case n < 3:
		h.Verdict = fmt.Sprintf("not tested: a correlation across models needs at least 3 models that are not degenerate; this run has %d (excluded: %s)", n, excluded)
	case math.IsNaN(float64(t.Rho.Value)):
		h.Verdict = fmt.Sprintf("undetermined: the within-class RSM correlations or the normalised drops do not vary across the %d models (excluded: %s)", n, excluded)
	default:
		sig := t.P < 0.05
		direction := "no evidence either way"
		switch {
		case sig && t.Rho.Value < 0:
			direction = "supported: models whose representations are closer to the brain decoder's beyond the shared labels lose less balanced accuracy under " + primary.Title()
		case sig && t.Rho.Value > 0:
			direction = "reversed: models closer to the brain decoder lose more balanced accuracy under " + primary.Title()
		default:
			direction = "not supported at the 5% level"
		}
		// The exact permutation p exists up to 9 models; beyond, p comes
		// from the t approximation and there is no attainable floor to quote.
		pKind, floor := "exact p", fmt.Sprintf(", smallest attainable p %.3f", res.SmallestP)
		if math.IsNaN(float64(res.SmallestP)) {
			pKind, floor = "p (t approximation)", ""
		}
		h.Verdict = fmt.Sprintf("%s (rho = %.2f, 95%% joint-bootstrap interval [%.2f, %.2f], %s = %.3f; n = %d models%s; partial rho controlling clean balanced accuracy %.2f [%.2f, %.2f]; excluded: %s)",
			direction, t.Rho.Value, t.Rho.Low, t.Rho.High, pKind, t.P, n, floor, t.Partial.Value, t.Partial.Low, t.Partial.High, excluded)
	}
	if math.IsNaN(float64(res.SmallestP)) {
		h.Caveats = fmt.Sprintf("%d models; the interval says how much the ordering depends on the test images and training seeds (%d seeds). "+
			"The models differ in more than robustness (size, architecture, ImageNet accuracy): see the within-architecture tests where variants of one architecture ran. ", n, st.cfg.Seeds)
	} else {
		h.Caveats = fmt.Sprintf("Only %d models: an exact Spearman test cannot give p below %.3f, so only a perfect ordering can reach significance, "+
			"and the interval says how much the ordering depends on the test images and training seeds (%d seeds). "+
			"The models differ in more than robustness (size, architecture, ImageNet accuracy). ", n, res.SmallestP, st.cfg.Seeds)
	}
	if !st.res.Dataset.Synthetic {
		h.Caveats += "One subject, 114 test images."
	} else {
		h.Caveats += "The data are simulated: the result says whether the pipeline runs, not whether the hypothesis holds in the brain."
	}
	if !allPretrained(st.results().CNN) {
		h.Caveats += " Some CNNs ran with random (untrained) weights: ImageNet weights were not available."
	}
	st.res.Hypothesis = h
	st.logf("hypothesis: %s", h.Verdict)
	return nil
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
