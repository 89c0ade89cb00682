package study

import (
	"context"
	"fmt"
	"math"
	"os"

	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
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
	if err := npfile.WriteNPZ(st.dir("embeddings", decoder.Name+".npz"), embeddingEntries(st.fmri.Test, st.fmri.Sel.Test.Y)...); err != nil {
		return err
	}
	for i, r := range st.cnns {
		if err := npfile.WriteNPZ(st.dir("embeddings", st.cfg.Models[i]+".npz"), embeddingEntries(r.Test, r.Sel.Test.Y)...); err != nil {
			return err
		}
	}
	return nil
}

func representation(name string, o train.Output, labels []int) similarity.Representation {
	return similarity.Representation{Name: name, Patterns: rsa.Patterns{X: o.Embedding, N: o.N, D: o.E}, Labels: labels}
}

// rsa builds every model's matrices, writes rsm/<model>.npz and compares
// each CNN with the fMRI decoder.
func (st *state) rsa(context.Context) error {
	classes := len(st.fmri.Meta.Classes)
	var err error
	if st.fmriM, err = similarity.Build(representation(decoder.Title, st.fmri.Test, st.fmri.Sel.Test.Y), classes); err != nil {
		return err
	}
	if err := os.MkdirAll(st.dir("rsm"), 0o755); err != nil {
		return err
	}
	if err := writeRSM(st.dir("rsm", decoder.Name+".npz"), st.fmriM); err != nil {
		return err
	}
	for i, r := range st.cnns {
		name := st.cfg.Models[i]
		m, err := similarity.Build(representation(name, r.Test, r.Sel.Test.Y), classes)
		if err != nil {
			return err
		}
		st.cnnM = append(st.cnnM, m)
		if err := writeRSM(st.dir("rsm", name+".npz"), m); err != nil {
			return err
		}
		c, err := similarity.Compare(st.fmriM, m, st.cfg.Test, rsa.Spearman)
		if err != nil {
			return err
		}
		res := st.res.CNN[name]
		res.RSMCorrFMRI = c
		st.res.CNN[name] = res
		sp := c.Spearman()
		st.logf("%s vs fMRI decoder: Spearman %.3f [%.3f, %.3f], p = %.4f; original's full-matrix Pearson %.3f",
			name, sp.Value, sp.CILow, sp.CIHigh, sp.PValue, c.PearsonFull())
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

// roiRSA compares each visual area's raw voxel patterns with every model.
func (st *state) roiRSA(context.Context) error {
	d := st.cfg.Data
	reps, err := similarity.ROIs(d, st.fmri.Sel, d.ROINames[1:])
	if err != nil {
		return err
	}
	st.roiM = st.roiM[:0]
	for _, r := range reps {
		m, err := similarity.Build(r, len(st.fmri.Meta.Classes))
		if err != nil {
			return err
		}
		st.roiM = append(st.roiM, m)
	}
	tab, err := similarity.CrossTable(st.roiM, append([]similarity.Matrices{st.fmriM}, st.cnnM...), rsa.Spearman)
	if err != nil {
		return err
	}
	st.res.ROIMethod = string(tab.Method)
	st.res.ROIs = tab.Rows
	st.res.ROIRSA = map[string]map[string]float64{}
	for i, roi := range tab.Rows {
		st.res.ROIRSA[roi] = map[string]float64{}
		for j, model := range tab.Cols {
			if j == 0 {
				model = decoder.Name
			}
			st.res.ROIRSA[roi][model] = tab.Values[i][j]
		}
	}
	return nil
}

// robustness sweeps every distortion for every CNN, recomputes the RSM
// correlation with the decoder on the primary distortion's images,
// and records the model characteristics.
func (st *state) robustness(ctx context.Context) error {
	fo := st.cnnOpt.Features
	fo.Progress = st.cfg.Progress
	for i, r := range st.cnns {
		name := st.cfg.Models[i]
		res := st.res.CNN[name]
		res.Distortions = nil
		for k, dist := range st.cfg.Distortions {
			c, err := robustness.Sweep(ctx, r, st.models[i], st.cfg.Data, dist, st.cfg.Seed, fo)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			res.Distortions = append(res.Distortions, c)
			if k > 0 {
				continue
			}
			res.Primary, res.AccuracyDrop = c, c.Drop
			res.RSMCorrFMRIDistorted = nil
			for _, emb := range c.Embeddings {
				o := r.Test
				o.Embedding = emb
				m, err := similarity.Build(representation(name, o, r.Sel.Test.Y), len(st.fmri.Meta.Classes))
				if err != nil {
					return err
				}
				v, err := rsa.Compare(st.fmriM.Image, m.Image, rsa.Spearman)
				if err != nil {
					return err
				}
				res.RSMCorrFMRIDistorted = append(res.RSMCorrFMRIDistorted, v)
			}
		}
		st.models[i].Release()
		ch, err := robustness.Describe(st.models[i], r.Head)
		if err != nil {
			return err
		}
		res.Params, res.Frobenius = ch.Params, ch.Frobenius
		st.res.CNN[name] = res
		st.logf("%s: accuracy %v along %s %v (drop %.3f)", name, round3(res.Primary.Accuracy), st.cfg.Distortions[0].Title(), res.Primary.Levels, res.AccuracyDrop)
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

// hypothesis relates, across models, the RSM correlation with the decoder
// to the accuracy drop under the primary blur.
func (st *state) hypothesis(context.Context) error {
	var x, y []float64
	for _, name := range st.cfg.Models {
		c := st.res.CNN[name]
		x = append(x, c.RSMCorrFMRI.Spearman().Value)
		y = append(y, c.AccuracyDrop)
	}
	if len(x) < 3 {
		st.res.Hypothesis = Hypothesis{NModels: len(x), SpearmanRho: math.NaN(), PValue: math.NaN(), Verdict: fmt.Sprintf("not tested: a correlation across models needs at least 3 models, this run has %d", len(x))}
		st.logf("hypothesis: %s", st.res.Hypothesis.Verdict)
		return nil
	}
	rho, p := stats.SpearmanTest(x, y)
	h := Hypothesis{Measure: "Spearman correlation of the per-image RSMs (upper triangle) with the fMRI decoder's",
		Robustness:  "accuracy drop from the mildest to the strongest level of " + st.cfg.Distortions[0].Title(),
		SpearmanRho: rho, PValue: p, NModels: len(x)}
	switch {
	case math.IsNaN(rho):
		h.Verdict = "undetermined: the RSM correlations or the accuracy drops do not vary across models"
	case p < 0.05 && rho < 0:
		h.Verdict = "supported: models whose representations are closer to the brain decoder's lose less accuracy under " + st.cfg.Distortions[0].Title()
	case p < 0.05 && rho > 0:
		h.Verdict = "reversed: models closer to the brain decoder lose more accuracy under " + st.cfg.Distortions[0].Title()
	default:
		h.Verdict = fmt.Sprintf("not supported at the 5%% level (rho = %.2f, p = %.2f)", rho, p)
	}
	h.Caveats = fmt.Sprintf("Only %d models: the smallest two-sided p an exact Spearman test can give is %.3f, "+
		"so only a perfect ordering can reach significance. The models differ in more than robustness (size, architecture, ImageNet accuracy). ", len(x), 2/factorial(len(x)))
	if !st.res.Dataset.Synthetic {
		h.Caveats += "One subject, 114 test images."
	} else {
		h.Caveats += "The data are simulated: the result says whether the pipeline runs, not whether the hypothesis holds in the brain."
	}
	if !allPretrained(st.res.CNN) {
		h.Caveats += " Some CNNs ran with random (untrained) weights: ImageNet weights were not available."
	}
	st.res.Hypothesis = h
	st.logf("hypothesis: rho = %.3f, p = %.3f (n = %d): %s", rho, p, len(x), h.Verdict)
	return nil
}

func factorial(n int) float64 {
	f := 1.0
	for i := 2; i <= n; i++ {
		f *= float64(i)
	}
	return f
}

func allPretrained(m map[string]CNNResult) bool {
	for _, c := range m {
		if !c.Pretrained {
			return false
		}
	}
	return true
}
