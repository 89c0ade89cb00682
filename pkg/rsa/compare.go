package rsa

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// Method is how two matrices are compared: the name of an entry of the
// method table (MethodSpec).
type Method string

// The comparison methods.
const (
	// PearsonFull is the original study's comparison: Pearson r over the whole
	// flattened matrices, diagonal and both triangles included. Kept for
	// parity; the diagonal's constant 1s and the duplicated triangle inflate
	// it, so prefer the upper-triangle methods.
	PearsonFull Method = "pearson_full"
	Pearson     Method = "pearson"   // upper triangle, no diagonal
	Spearman    Method = "spearman"  // upper triangle, ranks (average for ties)
	KendallTauA Method = "kendall_a" // upper triangle, tau-a (Nili et al. 2014)
)

// The category-controlled methods. When both representations were
// trained on the same class labels, both matrices carry the class-block
// structure by construction and every comparison over all pairs reports it:
// these two compare only what the labels do not explain.
const (
	// WithinClassSpearman is Spearman's rho within each class block (the
	// pairs i < j of one class, ranked within the block), averaged over the
	// classes weighted by their pair counts. Pooling the pairs of all
	// classes into one rho (this method's definition before issue 28) is
	// biased: two representations that share only class identity but give
	// each class its own spread agree on which class's pairs are more
	// similar, and a pooled rho counts that agreement (0.76 on such a null,
	// where the per-class value is 0). A block with fewer than 3 pairs or a
	// constant one is left out; none left: NaN.
	WithinClassSpearman Method = "within_class_spearman"
	// CKA is the centred kernel alignment of the two whole matrices read as
	// kernels (Kornblith et al. 2019): <HKH, HLH> / (|HKH| |HLH|), H the
	// centring matrix. On cosine RSMs it is the linear CKA of the
	// length-normalised patterns.
	CKA Method = "cka"
	// CKADebiased is CKA with the unbiased HSIC estimator (Song et al.
	// 2012; Nguyen, Raghu & Kornblith 2021): the diagonals left out and the
	// finite-sample bias of the plain estimator removed, so that unrelated
	// representations of few stimuli score near 0 rather than well above
	// it. Undefined (NaN) for fewer than 4 stimuli or when a matrix's
	// unbiased HSIC with itself is not positive.
	CKADebiased Method = "cka_debiased"
	// PartialSpearmanCategory is the partial Spearman correlation over all
	// pairs (i < j), controlling the category model: one indicator per
	// class pair (a block of the matrix: the pairs within class c, or
	// between classes c and d), so that the model absorbs every block's
	// own level, not only same-versus-different. The ranks of each matrix
	// are residualised on the indicators (centred within each block) and
	// correlated. Under permutations within classes the blocks keep their
	// entries, so this statistic is monotone in the raw Spearman's: the
	// stratified test of the raw Spearman is this test (results.json
	// reports it once, here).
	PartialSpearmanCategory Method = "partial_spearman_category"
)

// MethodSpec is one comparison method: its statistic and how the
// resampling tests treat it.
type MethodSpec struct {
	Method Method
	Title  string // for reports: "Spearman, upper triangle"
	// Full compares the whole matrices, diagonal and both triangles; the
	// others compare upper-triangle pairs (i < j). A full method's bootstrap
	// keeps the pairs of a stimulus drawn twice; the others drop them (a
	// stimulus would pair with itself).
	Full bool
	// Within compares only the pairs whose two stimuli share a class.
	Within bool
	// PerClass computes the statistic within each class block and averages
	// the blocks' values weighted by their pair counts (a Ranked one ranks
	// within each block). Only with Within.
	PerClass bool
	// PartialCategory controls the category model: one indicator per class
	// pair (block).
	PartialCategory bool
	// Ranked marks a statistic computed on ranks: the permutation test ranks
	// once and permutes the ranks.
	Ranked bool
	// Stratified permutation tests move stimuli only within their class: the
	// null keeps the class structure both sides may share by construction
	// and says that nothing beyond it is related. The bootstrap then also
	// resamples within classes, keeping the class sizes.
	Stratified bool
	// SameTestAs names the method whose stratified permutation test this
	// method's stratified test is, for one pair of matrices: the same
	// p-value, permutation by permutation (the raw Spearman's and the
	// partial Spearman's, since a within-class permutation leaves every
	// class-pair block's entries in the block and the partial statistic is
	// then monotone in the raw one). Where both are tested on one pair with
	// stratified permutations, the p-value is reported once, on the named
	// method. Over several seeds (a mean of per-seed statistics, each with
	// its own monotone map) the two tests differ slightly.
	SameTestAs Method
	// Confounded marks a method that the class-block structure alone drives
	// high when both representations were trained on the same labels (the
	// study's decoder and CNN heads): its free permutation p-value tests a
	// null known to be false.
	Confounded bool
	// Where the study uses the method (each consumer ranges over the table
	// and reads these, so that a new entry reaches results.json, the
	// layer-wise cells, the per-area table and the report):
	//
	// Layers compares it in every layer x ROI cell of the layer-wise
	// comparison (pkg/layers), under the name LayersKey (layers.json's key;
	// empty: the method's own name).
	Layers    bool
	LayersKey string
	// Kernel: the layer-wise comparison applies the method to the linear
	// kernels of the patterns (LinearKernel: linear CKA) instead of their
	// cosine RSMs, with a jackknife interval (JackknifeInterval says why)
	// instead of the bootstrap.
	Kernel bool
	// Tested: a layer-wise cell carries the method's stratified permutation
	// p-value, adjusted across the model's layer x ROI table.
	Tested bool
	// ROI makes the method a column of the per-area table
	// (similarity.ROITable), tested with stratified permutations.
	ROI bool
	// Study makes the study test the method for every model against the
	// fMRI decoder (stratified permutations whatever Stratified says, so
	// that the shared class structure is part of the null; Holm across
	// models) and show it in the report's table.
	Study bool
	// Stat is the statistic over the compared vectors of the two matrices
	// and, for a PerClass or PartialCategory method, each pair's block (the
	// class pair it lies in, as a number; else nil). A PerClass method's
	// vectors come grouped by block (contiguous runs).
	Stat func(a, b, block []float64) float64
	// onRanks is a ranked method's statistic on rank vectors (Stat ranks
	// first, then calls it).
	onRanks func(a, b, block []float64) float64
}

// rank is the method's ranking of a compared vector: within each block for
// a PerClass method, else over the whole vector (ties averaged).
func (s MethodSpec) rank(x, block []float64) []float64 {
	if !s.PerClass {
		return stats.Ranks(x)
	}
	out := make([]float64, len(x))
	for _, r := range runs(block) {
		copy(out[r[0]:r[1]], stats.Ranks(x[r[0]:r[1]]))
	}
	return out
}

// ranked makes the Stat of a method computed on ranks.
func (s MethodSpec) ranked() func(a, b, block []float64) float64 {
	return func(a, b, block []float64) float64 {
		return s.onRanks(s.rank(a, block), s.rank(b, block), block)
	}
}

// runs lists the contiguous runs [lo, hi) of equal values of block.
func runs(block []float64) [][2]int {
	var out [][2]int
	lo := 0
	for k := 1; k <= len(block); k++ {
		if k == len(block) || block[k] != block[lo] {
			out = append(out, [2]int{lo, k})
			lo = k
		}
	}
	return out
}

func pearson(a, b, _ []float64) float64 { return stats.Pearson(a, b) }

// perClassPearson is the pair-count-weighted mean of Pearson's r within each
// block (a run of block); blocks with fewer than 3 pairs or an undefined r
// are left out (NaN when none is left).
func perClassPearson(a, b, block []float64) float64 {
	sum, weight := 0.0, 0.0
	for _, r := range runs(block) {
		m := r[1] - r[0]
		if m < 3 {
			continue
		}
		v := stats.Pearson(a[r[0]:r[1]], b[r[0]:r[1]])
		if math.IsNaN(v) {
			continue
		}
		sum += float64(m) * v
		weight += float64(m)
	}
	if weight == 0 {
		return math.NaN()
	}
	return sum / weight
}

// blockCentredPearson is the partial correlation of a and b controlling one
// indicator per block: the Pearson r of their residuals on the indicators,
// each value minus its block's mean.
func blockCentredPearson(a, b, block []float64) float64 {
	return stats.Pearson(centreWithin(a, block), centreWithin(b, block))
}

// centreWithin subtracts from each value the mean of its block. Blocks
// numbered by small non-negative integers (the class pairs of
// MethodSpec.blocks) are summed in slices, others in maps: the same sums in
// the same order either way.
func centreWithin(x, block []float64) []float64 {
	top := -1
	for _, b := range block {
		if !(b >= 0 && b <= float64(len(block)) && b == math.Trunc(b)) {
			top = -2
			break
		}
		top = max(top, int(b))
	}
	out := make([]float64, len(x))
	if top >= -1 {
		sum, count := make([]float64, top+1), make([]float64, top+1)
		for k, v := range x {
			sum[int(block[k])] += v
			count[int(block[k])]++
		}
		for k, v := range x {
			out[k] = v - sum[int(block[k])]/count[int(block[k])]
		}
		return out
	}
	sum, count := map[float64]float64{}, map[float64]float64{}
	for k, v := range x {
		sum[block[k]] += v
		count[block[k]]++
	}
	for k, v := range x {
		out[k] = v - sum[block[k]]/count[block[k]]
	}
	return out
}

// cka is the centred kernel alignment of two n x n matrices given row-major
// (a full method's vectors): both double-centred, then their cosine.
func cka(a, b, _ []float64) float64 {
	n := int(math.Round(math.Sqrt(float64(len(a)))))
	if n*n != len(a) || len(b) != len(a) || n < 2 {
		return math.NaN()
	}
	ca, cb := doubleCentre(a, n), doubleCentre(b, n)
	var ab, aa, bb float64
	for i := range ca {
		ab += ca[i] * cb[i]
		aa += ca[i] * ca[i]
		bb += cb[i] * cb[i]
	}
	if aa == 0 || bb == 0 {
		return math.NaN()
	}
	return ab / math.Sqrt(aa*bb)
}

// ckaDebiased is the debiased centred kernel alignment of two n x n
// matrices given row-major: HSIC_u(K,L) / √(HSIC_u(K,K) HSIC_u(L,L)).
func ckaDebiased(a, b, _ []float64) float64 {
	n := int(math.Round(math.Sqrt(float64(len(a)))))
	if n*n != len(a) || len(b) != len(a) || n < 4 {
		return math.NaN()
	}
	kl, kk, ll := hsicUnbiased(a, b, n), hsicUnbiased(a, a, n), hsicUnbiased(b, b, n)
	if !(kk > 0) || !(ll > 0) {
		return math.NaN()
	}
	return kl / math.Sqrt(kk*ll)
}

// hsicUnbiased is Song et al.'s unbiased HSIC estimator of kernels k and l
// (n x n, n >= 4) with their diagonals set to 0 (K̃, L̃):
// [tr(K̃L̃) + 1ᵀK̃1·1ᵀL̃1/((n-1)(n-2)) - 2/(n-2)·1ᵀK̃L̃1] / (n(n-3)).
func hsicUnbiased(k, l []float64, n int) float64 {
	var trace, sumK, sumL, cross float64
	colK, rowL := make([]float64, n), make([]float64, n)
	for i := range n {
		for j := range n {
			if i == j {
				continue
			}
			kij, lij := k[i*n+j], l[i*n+j]
			trace += kij * l[j*n+i]
			sumK += kij
			sumL += lij
			colK[j] += kij
			rowL[i] += lij
		}
	}
	for j := range n {
		cross += colK[j] * rowL[j]
	}
	fn := float64(n)
	return (trace + sumK*sumL/((fn-1)*(fn-2)) - 2/(fn-2)*cross) / (fn * (fn - 3))
}

// doubleCentre returns H K H for the n x n row-major K (H = I - 11^T/n):
// each entry minus its row and column means plus the grand mean.
func doubleCentre(k []float64, n int) []float64 {
	row, col := make([]float64, n), make([]float64, n)
	grand := 0.0
	for i := range n {
		for j := range n {
			v := k[i*n+j]
			row[i] += v / float64(n)
			col[j] += v / float64(n)
			grand += v / float64(n*n)
		}
	}
	out := make([]float64, n*n)
	for i := range n {
		for j := range n {
			out[i*n+j] = k[i*n+j] - row[i] - col[j] + grand
		}
	}
	return out
}

// methods is the method table, in the order reports show them.
var methods = func() []MethodSpec {
	t := []MethodSpec{
		{Method: PearsonFull, Title: "Pearson, full matrices (the original's)", Full: true, Confounded: true, Stat: pearson},
		{Method: Pearson, Title: "Pearson, upper triangle", Confounded: true, Stat: pearson},
		{Method: Spearman, Title: "Spearman, upper triangle", Ranked: true, Confounded: true, onRanks: pearson,
			Layers: true, LayersKey: "rsa", Tested: true, ROI: true, Study: true, SameTestAs: PartialSpearmanCategory},
		{Method: KendallTauA, Title: "Kendall tau-a, upper triangle", Confounded: true,
			Stat: func(a, b, _ []float64) float64 { return stats.KendallTauA(a, b) }},
		{Method: CKA, Title: "centred kernel alignment, whole matrices", Full: true, Confounded: true, Stat: cka,
			Layers: true, Kernel: true},
		{Method: CKADebiased, Title: "centred kernel alignment, debiased (unbiased HSIC)", Full: true, Confounded: true, Stat: ckaDebiased,
			Layers: true, Kernel: true},
		{Method: WithinClassSpearman, Title: "Spearman within each class, pair-weighted mean", Within: true, PerClass: true,
			Ranked: true, Stratified: true, onRanks: perClassPearson,
			Layers: true, LayersKey: "rsa_within_class", Tested: true, ROI: true, Study: true},
		{Method: PartialSpearmanCategory, Title: "partial Spearman, controlling each class pair's block", PartialCategory: true,
			Ranked: true, Stratified: true, onRanks: blockCentredPearson, Study: true},
	}
	for i := range t {
		if t[i].Ranked {
			t[i].Stat = t[i].ranked()
		}
	}
	return t
}()

// Methods lists every comparison, in the order reports show them.
var Methods = func() []Method {
	var out []Method
	for _, s := range methods {
		out = append(out, s.Method)
	}
	return out
}()

// LayerMethods are the methods the layer-wise comparison computes in every
// cell (MethodSpec.Layers), in table order.
func LayerMethods() []MethodSpec { return where(func(s MethodSpec) bool { return s.Layers }) }

// ROIMethods are the per-area table's methods (MethodSpec.ROI), in table
// order.
func ROIMethods() []MethodSpec { return where(func(s MethodSpec) bool { return s.ROI }) }

// StudyMethods are the methods the study tests for every model against the
// fMRI decoder (MethodSpec.Study), in table order.
func StudyMethods() []MethodSpec { return where(func(s MethodSpec) bool { return s.Study }) }

func where(keep func(MethodSpec) bool) []MethodSpec {
	var out []MethodSpec
	for _, s := range methods {
		if keep(s) {
			out = append(out, s)
		}
	}
	return out
}

// Register adds a comparison method to the end of the table, as the entries
// above are (a package defining one calls it from init): Compare, the tests
// and every consumer that ranges over the table then know it. A method
// already in the table, one without a name or Stat, or a Ranked one (whose
// permutation shortcut only the table's own entries define) is an error.
// unregister removes it again (for tests).
func Register(s MethodSpec) (unregister func(), err error) {
	switch {
	case s.Method == "" || s.Stat == nil:
		return nil, fmt.Errorf("rsa: registering %q: a method needs a name and a Stat", s.Method)
	case s.Ranked:
		return nil, fmt.Errorf("rsa: registering %s: a Ranked method must be defined in the table", s.Method)
	}
	if _, err := Spec(s.Method); err == nil {
		return nil, fmt.Errorf("rsa: registering %s: already in the table", s.Method)
	}
	methods, Methods = append(slices.Clip(methods), s), append(slices.Clip(Methods), s.Method)
	return func() {
		methods = slices.DeleteFunc(slices.Clone(methods), func(x MethodSpec) bool { return x.Method == s.Method })
		Methods = slices.DeleteFunc(slices.Clone(Methods), func(x Method) bool { return x == s.Method })
	}, nil
}

// Spec returns the table entry of m; an unknown method is an error.
func Spec(m Method) (MethodSpec, error) {
	for _, s := range methods {
		if s.Method == m {
			return s, nil
		}
	}
	names := make([]string, len(Methods))
	for i, x := range Methods {
		names[i] = string(x)
	}
	return MethodSpec{}, fmt.Errorf("rsa: unknown comparison %q (want one of %s)", m, strings.Join(names, ", "))
}

// NeedsLabels says whether the method needs each stimulus's class.
func (s MethodSpec) NeedsLabels() bool {
	return s.Within || s.PerClass || s.PartialCategory || s.Stratified
}

// usesBlocks says whether the method's Stat reads each pair's block.
func (s MethodSpec) usesBlocks() bool { return s.PerClass || s.PartialCategory }

// pair is one compared entry of the matrices: stimuli i and j.
type pair struct{ i, j int32 }

// pairs lists the entries the method compares over n stimuli: all of them
// (Full), the upper triangle, or its within-class part; a PerClass
// method's grouped by class (each class's pairs one contiguous run).
func (s MethodSpec) pairs(n int, labels []int) []pair {
	out := s.allPairs(n, labels)
	if s.PerClass {
		slices.SortStableFunc(out, func(x, y pair) int { return cmp.Compare(labels[x.i], labels[y.i]) })
	}
	return out
}

func (s MethodSpec) allPairs(n int, labels []int) []pair {
	var out []pair
	for i := range n {
		lo := i + 1
		if s.Full {
			lo = 0
		}
		for j := lo; j < n; j++ {
			if s.Within && labels[i] != labels[j] {
				continue
			}
			out = append(out, pair{int32(i), int32(j)})
		}
	}
	return out
}

// gather returns m's entries at the pairs, stimuli renamed by draw (nil:
// as they are).
func gather(m Matrix, ps []pair, draw []int) []float64 {
	return gatherInto(make([]float64, len(ps)), m, ps, draw)
}

// gatherInto is gather into out (len(ps) long), which it returns.
func gatherInto(out []float64, m Matrix, ps []pair, draw []int) []float64 {
	for k, p := range ps {
		i, j := int(p.i), int(p.j)
		if draw != nil {
			i, j = draw[i], draw[j]
		}
		out[k] = m.Data[i*m.N+j]
	}
	return out
}

// blocks gives each pair its block: the unordered pair of its stimuli's
// classes, as a number (nil for a method that does not use them).
func (s MethodSpec) blocks(ps []pair, labels []int) []float64 {
	if !s.usesBlocks() {
		return nil
	}
	id := map[int]int{}
	for _, l := range labels {
		if _, ok := id[l]; !ok {
			id[l] = len(id)
		}
	}
	k := len(id)
	out := make([]float64, len(ps))
	for t, p := range ps {
		a, b := id[labels[p.i]], id[labels[p.j]]
		out[t] = float64(min(a, b)*k + max(a, b))
	}
	return out
}

// labelsOf returns the stimuli's classes the matrices carry, checking that
// they agree; a method that needs them and finds none is an error.
func labelsOf(s MethodSpec, ms ...Matrix) ([]int, error) {
	var labels []int
	for _, m := range ms {
		if m.Labels == nil {
			continue
		}
		if len(m.Labels) != m.N {
			return nil, fmt.Errorf("rsa: %d labels for a matrix over %d stimuli", len(m.Labels), m.N)
		}
		if labels != nil && !slices.Equal(labels, m.Labels) {
			return nil, fmt.Errorf("rsa: the matrices' stimuli have different classes (not the same images in the same order)")
		}
		labels = m.Labels
	}
	if labels == nil && s.NeedsLabels() {
		return nil, fmt.Errorf("rsa: %s needs each stimulus's class (Matrix.Labels)", s.Method)
	}
	return labels, nil
}

// Compare relates two matrices over the same stimuli. An undefined
// statistic (a constant matrix, fewer than 3 pairs) is NaN.
func Compare(a, b Matrix, m Method) (float64, error) { return CompareResampled(a, b, m, nil) }
