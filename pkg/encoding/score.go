package encoding

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// The reliability methods (Reliability.Method).
const (
	// ReliabilityRepeats: the split-half correlation of each voxel's
	// training trials (the mean of the even trials against the mean of the
	// odd ones, over the training images), Spearman-Brown corrected to the
	// mean of all trials.
	ReliabilityRepeats = "split-half trials"
	// ReliabilityModel: without repeated trials, the split-half prediction
	// of a reference model (the Gabor pyramid): the training images split in
	// two halves, each half's ridge fit at one fixed penalty predicting the
	// other, and the two held-out correlations averaged. It favours voxels
	// that model explains; repeats are preferred where they exist.
	ReliabilityModel = "split-half gabor prediction"
)

// ReliabilityAlpha is the false-discovery rate at which a voxel counts as
// reliable (Benjamini-Hochberg across the voxels tested).
const ReliabilityAlpha = 0.05

// MinReliable is the fewest voxels an area is scored on: an area with fewer
// reliable voxels is scored on its MinReliable most reliable ones and
// flagged (ReliableOf's fallback).
const MinReliable = 10

// ModelPenalty is the relative ridge penalty (ReliabilityModel's fixed
// one, a multiple of the Gram matrix's mean eigenvalue): one penalty, so
// that no choice among penalties biases the held-out correlation upward
// and its null stays centred on 0.
const ModelPenalty = 10

// Reliability is every voxel's reliability on the training images and its
// test. H0 for each voxel: its responses carry no stimulus-driven variance
// (the two halves are independent across images); one-sided, H1 a positive
// split-half correlation. P is from Fisher's z of the raw split-half
// correlation r over n images, 1 - Φ(atanh(r) sqrt(n_eff - 3)), with n_eff
// the images per correlation (all training images for repeats; half of them
// for ReliabilityModel, whose two held-out correlations share their data
// and are treated as one: conservative). Reliable is P adjusted by
// Benjamini-Hochberg across the voxels below ReliabilityAlpha.
type Reliability struct {
	Method   string
	R        []float64 // per voxel: Spearman-Brown corrected split-half r (repeats) or the mean held-out r (model)
	P        []float64 // per voxel, one-sided (NaN: constant voxel)
	Reliable []bool
}

// TrialHalves are the mean of the even and of the odd trials of split s
// (0 training, 1 test) for the images idx (rows) and every voxel (columns).
// The split needs at least two trials.
func TrialHalves(rep *kay.Repeats, s int, idx []int, voxels int) (even, odd *mat.Dense, err error) {
	trials := rep.Trials[s]
	if trials < 2 {
		return nil, nil, fmt.Errorf("encoding: split %d has %d trial per image: split-half reliability needs 2", s, trials)
	}
	even, odd = mat.NewDense(len(idx), voxels, nil), mat.NewDense(len(idx), voxels, nil)
	ne, no := float64((trials+1)/2), float64(trials/2)
	for a, i := range idx {
		re, ro := even.RawRowView(a), odd.RawRowView(a)
		for t := range trials {
			dst, w := re, ne
			if t%2 == 1 {
				dst, w = ro, no
			}
			for v, x := range rep.Trial(s, t, i, voxels) {
				dst[v] += float64(x) / w
			}
		}
	}
	return even, odd, nil
}

// HalvesReliability is ReliabilityRepeats from the two halves' mean
// responses (rows: images, columns: voxels; TrialHalves): each column's
// Pearson r, its Spearman-Brown correction 2r/(1+r), the test of it.
func HalvesReliability(even, odd *mat.Dense) *Reliability {
	n, _ := even.Dims()
	r := columnCorrelations(even, odd)
	p := make([]float64, len(r))
	sb := make([]float64, len(r))
	for v, x := range r {
		p[v], sb[v] = fisherP(x, n), 2*x/(1+x)
	}
	return newReliability(ReliabilityRepeats, sb, p)
}

// ModelReliability is ReliabilityModel: x are a reference model's float32
// features of the training images (n x width), y the voxels' training
// responses; the halves are drawn with seed.
func ModelReliability(x []float32, n, width int, y *mat.Dense, seed uint64) (*Reliability, error) {
	fit, err := FitFeatures(x, n, width, y, RidgeOptions{Lambdas: []float64{ModelPenalty}, Folds: 2, Seed: seed})
	if err != nil {
		return nil, err
	}
	p := make([]float64, len(fit.CV))
	for v, r := range fit.CV {
		p[v] = fisherP(r, n/2)
	}
	return newReliability(ReliabilityModel, slices.Clone(fit.CV), p), nil
}

// fisherP is the one-sided p-value of a correlation r over n pairs under
// H0 ρ = 0 (Fisher's z; NaN for NaN r or n < 4).
func fisherP(r float64, n int) float64 {
	if math.IsNaN(r) || n < 4 {
		return math.NaN()
	}
	z := math.Atanh(math.Min(math.Max(r, -1+1e-15), 1-1e-15)) * math.Sqrt(float64(n-3))
	return 0.5 * math.Erfc(z/math.Sqrt2)
}

func newReliability(method string, r, p []float64) *Reliability {
	adj := stats.BenjaminiHochberg(p)
	ok := make([]bool, len(p))
	for v, q := range adj {
		ok[v] = q < ReliabilityAlpha
	}
	return &Reliability{Method: method, R: r, P: p, Reliable: ok}
}

// ReliableOf returns the reliable ones of the voxels vox (indices into the
// Reliability's voxels), in vox's order; with fewer than least of them, the
// least most reliable (largest R; all of vox if it has fewer) and fallback
// true, so that the area is still scored and its score flagged.
func (r *Reliability) ReliableOf(vox []int, least int) (sel []int, fallback bool) {
	for _, v := range vox {
		if r.Reliable[v] {
			sel = append(sel, v)
		}
	}
	if len(sel) >= least {
		return sel, false
	}
	order := slices.Clone(vox)
	slices.SortStableFunc(order, func(a, b int) int {
		ra, rb := r.R[a], r.R[b]
		switch {
		case math.IsNaN(ra) && math.IsNaN(rb):
			return 0
		case math.IsNaN(ra):
			return 1
		case math.IsNaN(rb):
			return -1
		case ra > rb:
			return -1
		case ra < rb:
			return 1
		}
		return 0
	})
	order = order[:min(len(order), least)]
	slices.Sort(order)
	return order, true
}

// MedianR is the encoding score of a set of voxels: the median over the
// voxels vox of the Pearson correlation, over the test images idx (a
// bootstrap resample may repeat images), between each voxel's predicted and
// measured responses. predT and measT are voxel-major (voxels x test
// images). A voxel whose responses over idx are constant gives NaN and is
// left out; NaN when none is left.
func MedianR(predT, measT *mat.Dense, vox, idx []int) float64 {
	x, y := make([]float64, len(idx)), make([]float64, len(idx))
	rs := make([]float64, 0, len(vox))
	for _, v := range vox {
		p, m := predT.RawRowView(v), measT.RawRowView(v)
		for a, i := range idx {
			x[a], y[a] = p[i], m[i]
		}
		rs = append(rs, stats.Pearson(x, y))
	}
	return stats.Percentile(rs, 50)
}
