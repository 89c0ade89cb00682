package rsa

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"

	"gonum.org/v1/gonum/floats"

	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// Resampler compares two matrices with one method over many resamples of
// their stimuli (bootstrap draws): CompareResampled's result for each draw,
// with the per-pair work done once. A ranked method sorts each matrix's
// upper triangle once; a resample's entries are then ranked by counting
// over that order (O(pairs) instead of a sort per resample), giving the
// same ranks, ties averaged, as stats.Ranks.
type Resampler struct {
	s      MethodSpec
	a, b   Matrix
	labels []int
	ps     []pair
	// ka, kb: for a ranked method, each entry's tie group (the position of
	// the group's first entry in the sorted upper triangle), n x n.
	ka, kb []int32
	groups int
}

// NewResampler prepares the comparison of a and b (over the same stimuli)
// by m.
func NewResampler(a, b Matrix, m Method) (*Resampler, error) {
	if a.N != b.N {
		return nil, fmt.Errorf("rsa: comparing matrices over %d and %d stimuli", a.N, b.N)
	}
	s, err := Spec(m)
	if err != nil {
		return nil, err
	}
	labels, err := labelsOf(s, a, b)
	if err != nil {
		return nil, err
	}
	return newResampler(a, b, labels, s), nil
}

func newResampler(a, b Matrix, labels []int, s MethodSpec) *Resampler {
	r := &Resampler{s: s, a: a, b: b, labels: labels, ps: s.pairs(a.N, labels)}
	if s.Ranked {
		r.ka, r.groups = a.tieKeys()
		r.kb, _ = b.tieKeys()
	}
	return r
}

// tieGroups sorts m's upper triangle (i < j) and gives each entry, at both
// (i, j) and (j, i), the sorted position of the first entry equal to it.
func tieGroups(m Matrix) ([]int32, int) {
	n := m.N
	type entry struct {
		v   float64
		pos int32
	}
	es := make([]entry, 0, n*(n-1)/2)
	for i := range n {
		for j := i + 1; j < n; j++ {
			es = append(es, entry{m.Data[i*n+j], int32(i*n + j)})
		}
	}
	slices.SortFunc(es, func(x, y entry) int { return cmp.Compare(x.v, y.v) })
	keys := make([]int32, n*n)
	start := 0
	for k, e := range es {
		if k > 0 && e.v != es[k-1].v {
			start = k
		}
		i, j := int(e.pos)/n, int(e.pos)%n
		keys[i*n+j], keys[j*n+i] = int32(start), int32(start)
	}
	return keys, len(es)
}

// Compare is CompareResampled(a, b, m, draw): stimulus i is replaced by
// draw[i] (nil: as they are); the pairs of a stimulus drawn twice are
// dropped (kept for a full method). The draw must keep the stimuli's classes
// for a method that uses them (Draw within Strata does).
func (r *Resampler) Compare(draw []int) float64 {
	kept := r.ps
	if draw != nil && !r.s.Full {
		kept = make([]pair, 0, len(r.ps))
		for _, p := range r.ps {
			if draw[p.i] != draw[p.j] {
				kept = append(kept, p)
			}
		}
	}
	blk := r.s.blocks(kept, r.labels)
	if !r.s.Ranked {
		return r.s.Stat(gather(r.a, kept, draw), gather(r.b, kept, draw), blk)
	}
	count := make([]int32, r.groups)
	rank := make([]float64, r.groups)
	if !r.s.PerClass {
		return r.s.onRanks(rankByGroup(r.ka, r.a.N, kept, draw, count, rank),
			rankByGroup(r.kb, r.b.N, kept, draw, count, rank), blk)
	}
	// ranks within each block: the draw keeps classes, so a class's pairs
	// stay one run
	ra, rb := make([]float64, 0, len(kept)), make([]float64, 0, len(kept))
	for _, run := range runs(blk) {
		seg := kept[run[0]:run[1]]
		ra = append(ra, rankByGroup(r.ka, r.a.N, seg, draw, count, rank)...)
		rb = append(rb, rankByGroup(r.kb, r.b.N, seg, draw, count, rank)...)
	}
	return r.s.onRanks(ra, rb, blk)
}

// rankByGroup ranks the entries at the pairs (renamed by draw) by counting
// their tie groups: entries of one group share the group's average rank.
// count and rank are scratch of one slot per group.
func rankByGroup(keys []int32, n int, ps []pair, draw []int, count []int32, rank []float64) []float64 {
	clear(count)
	ks := make([]int32, len(ps))
	for t, p := range ps {
		i, j := int(p.i), int(p.j)
		if draw != nil {
			i, j = draw[i], draw[j]
		}
		ks[t] = keys[i*n+j]
		count[ks[t]]++
	}
	below := 0
	for g, c := range count {
		if c > 0 {
			rank[g] = float64(2*below+int(c)+1) / 2 // mean of ranks below+1..below+c
			below += int(c)
		}
	}
	out := make([]float64, len(ps))
	for t, k := range ks {
		out[t] = rank[k]
	}
	return out
}

// PermutationPValues returns Test's permutation p-value of m for every pair
// (as[i], bs[j]): out[i][j], NaN where the statistic is undefined. Each
// permutation moves the stimuli of every bs[j] the same way, drawn as Test
// draws them from (cfg.Seed, index), so each p-value equals Test(as[i],
// bs[j], m, cfg)'s; cfg.Stratify and the method's own stratification are
// read as Test reads them, bootstraps are not drawn. A Spearman-type method
// (Spearman, within-class Spearman) standardises each matrix's ranks once,
// so that a permuted statistic is one dot product: the cost is one pass per
// permutation over the bs plus a dot product per pair, instead of a
// permutation test per pair.
func PermutationPValues(as, bs []Matrix, m Method, cfg TestConfig) ([][]float64, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s, err := Spec(m)
	if err != nil {
		return nil, err
	}
	out := make([][]float64, len(as))
	for i := range out {
		out[i] = make([]float64, len(bs))
	}
	if len(as) == 0 || len(bs) == 0 || cfg.Permutations == 0 {
		for i := range out {
			for j := range out[i] {
				out[i][j] = math.NaN()
			}
		}
		return out, nil
	}
	n := as[0].N
	for _, x := range append(slices.Clone(as), bs...) {
		if x.N != n {
			return nil, fmt.Errorf("rsa: comparing matrices over %d and %d stimuli", n, x.N)
		}
	}
	if !s.Ranked || s.PartialCategory {
		one := cfg
		one.Bootstraps = 0
		for i := range as {
			for j := range bs {
				inf, err := Test(as[i], bs[j], m, one)
				if err != nil {
					return nil, err
				}
				out[i][j] = float64(inf.PValue)
			}
		}
		return out, nil
	}
	labels, err := labelsOf(s, append(slices.Clone(as), bs...)...)
	if err != nil {
		return nil, err
	}
	if cfg.Stratify && labels == nil {
		return nil, fmt.Errorf("rsa: stratified permutations need each stimulus's class (Matrix.Labels)")
	}
	s.Stratified = s.Stratified || cfg.Stratify
	ps := s.pairs(n, labels)
	blk := s.blocks(ps, labels)
	// Observed values as Test computes them; standardised ranks (mean 0,
	// norm 1; for a PerClass method within each block) for the
	// permutations: a permutation of the stimuli only moves the compared
	// entries among themselves (within their blocks), so a permuted Pearson
	// r of ranks is the dot product of the standardised vectors (per block,
	// then the blocks' pair-weighted mean).
	parts := [][2]int{{0, len(ps)}}
	if s.PerClass {
		parts = runs(blk)
	}
	obs := make([][]float64, len(as))
	za := make([][]float64, len(as))
	for i := range as {
		obs[i] = make([]float64, len(bs))
		for j := range bs {
			obs[i][j] = s.Stat(gather(as[i], ps, nil), gather(bs[j], ps, nil), blk)
		}
		za[i] = standardiseParts(s.rank(gather(as[i], ps, nil), blk), parts)
	}
	zb := make([]Matrix, len(bs))
	for j := range bs {
		zb[j] = atPairs(n, ps, standardiseParts(s.rank(gather(bs[j], ps, nil), blk), parts))
	}
	// weight[i][j][c]: part c's share of the pairs of the parts defined on
	// both sides (0 for an undefined part), as perClassPearson weighs them
	weight := make([][][]float64, len(as))
	for i := range as {
		weight[i] = make([][]float64, len(bs))
		for j := range bs {
			w, total := make([]float64, len(parts)), 0.0
			for c, r := range parts {
				if r[1]-r[0] >= 3 && !math.IsNaN(za[i][r[0]]) && !math.IsNaN(zb[j].Data[int(ps[r[0]].i)*n+int(ps[r[0]].j)]) {
					w[c] = float64(r[1] - r[0])
					total += w[c]
				}
			}
			for c := range w {
				w[c] /= total
			}
			if !s.PerClass {
				w[0] = 1
			}
			weight[i][j] = w
		}
	}
	strata := classIndex(labels, n, s.Stratified)
	chunks := min(cfg.Permutations, 4*runtime.GOMAXPROCS(0))
	counts := make([][]int, chunks)
	parallel.For(chunks, func(c int) {
		cnt := make([]int, len(as)*len(bs))
		g := make([]float64, len(ps))
		for k := c; k < cfg.Permutations; k += chunks {
			p := permutation(strata, n, rand.New(rand.NewPCG(cfg.Seed, uint64(k))))
			for j := range bs {
				gatherInto(g, zb[j], ps, p)
				for i := range as {
					var v float64
					if !s.PerClass {
						v = floats.Dot(za[i], g)
					} else {
						for c, r := range parts {
							if w := weight[i][j][c]; w > 0 {
								v += w * floats.Dot(za[i][r[0]:r[1]], g[r[0]:r[1]])
							}
						}
					}
					if v >= obs[i][j]-1e-12 {
						cnt[i*len(bs)+j]++
					}
				}
			}
		}
		counts[c] = cnt
	})
	for i := range as {
		for j := range bs {
			if math.IsNaN(obs[i][j]) {
				out[i][j] = math.NaN()
				continue
			}
			exceed := 0
			for _, cnt := range counts {
				exceed += cnt[i*len(bs)+j]
			}
			out[i][j] = float64(1+exceed) / float64(1+cfg.Permutations)
		}
	}
	return out, nil
}

// standardiseParts standardises each part [lo, hi) of x on its own.
func standardiseParts(x []float64, parts [][2]int) []float64 {
	out := make([]float64, len(x))
	for _, r := range parts {
		copy(out[r[0]:r[1]], standardise(x[r[0]:r[1]]))
	}
	return out
}

// standardise centres x and scales it to norm 1 (all NaN when constant).
func standardise(x []float64) []float64 {
	mean := stats.Mean(x)
	ss := 0.0
	out := make([]float64, len(x))
	for k, v := range x {
		out[k] = v - mean
		ss += out[k] * out[k]
	}
	if !(ss > 0) {
		for k := range out {
			out[k] = math.NaN()
		}
		return out
	}
	norm := math.Sqrt(ss)
	for k := range out {
		out[k] /= norm
	}
	return out
}
