package stats

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// Mean of x; NaN for an empty slice.
func Mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

// SD is the sample standard deviation (n - 1 in the denominator); NaN for
// fewer than two values.
func SD(x []float64) float64 {
	if len(x) < 2 {
		return math.NaN()
	}
	m, ss := Mean(x), 0.0
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	return math.Sqrt(ss / float64(len(x)-1))
}

// Pearson is the product-moment correlation of x and y (equal lengths),
// computed with centred values in float64. It is NaN when either has zero
// variance or fewer than 2 values, as scipy.stats.pearsonr warns.
func Pearson(x, y []float64) float64 {
	if len(x) != len(y) {
		panic("stats.Pearson: slices of different lengths")
	}
	if len(x) < 2 {
		return math.NaN()
	}
	mx, my := Mean(x), Mean(y)
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}

// Ranks gives each value its 1-based rank, ties sharing the average of the
// ranks they span (scipy.stats.rankdata's "average").
func Ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	// Ties get the same average rank whatever their order, so an unstable
	// sort gives the same result (and is several times faster than
	// sort.SliceStable's interface calls).
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(x[a], x[b]) })
	r := make([]float64, len(x))
	for lo := 0; lo < len(idx); {
		hi := lo + 1
		for hi < len(idx) && x[idx[hi]] == x[idx[lo]] {
			hi++
		}
		avg := float64(lo+hi+1) / 2 // mean of ranks lo+1..hi
		for k := lo; k < hi; k++ {
			r[idx[k]] = avg
		}
		lo = hi
	}
	return r
}

// Spearman is the Pearson correlation of the ranks (scipy.stats.spearmanr).
func Spearman(x, y []float64) float64 { return Pearson(Ranks(x), Ranks(y)) }

// KendallTauA is (concordant - discordant) / (n(n-1)/2): tied pairs count as
// neither, and the denominator is all pairs (unlike tau-b, scipy's default,
// which corrects for ties). Tau-a is what RSA recommends when a model
// predicts ties (Nili et al. 2014). Knight's algorithm, O(n log n).
func KendallTauA(x, y []float64) float64 {
	if len(x) != len(y) {
		panic("stats.KendallTauA: slices of different lengths")
	}
	n := len(x)
	if n < 2 {
		return math.NaN()
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool {
		if x[idx[a]] != x[idx[b]] {
			return x[idx[a]] < x[idx[b]]
		}
		return y[idx[a]] < y[idx[b]]
	})
	// Pairs tied in x (n1) and in both (n3), from runs of the sorted order.
	var n1, n3 int64
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && x[idx[hi]] == x[idx[lo]] {
			hi++
		}
		n1 += pairs(hi - lo)
		for a := lo; a < hi; {
			b := a + 1
			for b < hi && y[idx[b]] == y[idx[a]] {
				b++
			}
			n3 += pairs(b - a)
			a = b
		}
		lo = hi
	}
	ys := make([]float64, n)
	for k, i := range idx {
		ys[k] = y[i]
	}
	swaps := mergeCount(ys, make([]float64, n))
	var n2 int64
	for lo := 0; lo < n; { // ys is now sorted: runs are ties in y
		hi := lo + 1
		for hi < n && ys[hi] == ys[lo] {
			hi++
		}
		n2 += pairs(hi - lo)
		lo = hi
	}
	n0 := pairs(n)
	return float64(n0-n1-n2+n3-2*swaps) / float64(n0)
}

func pairs(k int) int64 { return int64(k) * int64(k-1) / 2 }

// mergeCount sorts a (using buf) and returns the number of inversions:
// pairs i < j with a[i] > a[j] (equal values are not inversions).
func mergeCount(a, buf []float64) int64 {
	n := len(a)
	if n < 2 {
		return 0
	}
	mid := n / 2
	c := mergeCount(a[:mid], buf[:mid]) + mergeCount(a[mid:], buf[mid:])
	i, j, k := 0, mid, 0
	for i < mid && j < n {
		if a[j] < a[i] {
			buf[k] = a[j]
			c += int64(mid - i)
			j++
		} else {
			buf[k] = a[i]
			i++
		}
		k++
	}
	k += copy(buf[k:], a[i:mid])
	copy(buf[k:], a[j:n])
	copy(a, buf[:n])
	return c
}

// Percentile is the p-th percentile (0..100) of x with linear interpolation
// between order statistics (numpy.percentile's default). NaNs are ignored.
func Percentile(x []float64, p float64) float64 {
	s := make([]float64, 0, len(x))
	for _, v := range x {
		if !math.IsNaN(v) {
			s = append(s, v)
		}
	}
	if len(s) == 0 {
		return math.NaN()
	}
	slices.Sort(s)
	pos := p / 100 * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	return s[lo] + (pos-float64(lo))*(s[hi]-s[lo])
}

// SpearmanTest returns Spearman's rho and its two-sided p-value: the
// fraction of the n! orderings of y whose |rho| reaches the observed one
// (exact, for n <= 9, where asymptotic approximations are poor), else the
// t approximation scipy.stats.spearmanr uses.
func SpearmanTest(x, y []float64) (rho, p float64) {
	rho = Spearman(x, y)
	n := len(x)
	if math.IsNaN(rho) {
		return rho, math.NaN()
	}
	if n <= 9 {
		rx, ry := Ranks(x), Ranks(y)
		perm := make([]float64, n)
		hits, total := 0, 0
		permute(ry, 0, func(p []float64) {
			copy(perm, p)
			if math.Abs(Pearson(rx, perm)) >= math.Abs(rho)-1e-12 {
				hits++
			}
			total++
		})
		return rho, float64(hits) / float64(total)
	}
	t := rho * math.Sqrt(float64(n-2)/((1-rho)*(1+rho)))
	return rho, 2 * studentTSurvival(math.Abs(t), float64(n-2))
}

// permute calls f with every ordering of a (Heap's algorithm, in place).
func permute(a []float64, k int, f func([]float64)) {
	if k == len(a) {
		f(a)
		return
	}
	for i := k; i < len(a); i++ {
		a[k], a[i] = a[i], a[k]
		permute(a, k+1, f)
		a[k], a[i] = a[i], a[k]
	}
}

// studentTSurvival is P(T > t) for Student's t with df degrees of freedom.
func studentTSurvival(t, df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(t)
}

// PartialSpearman is the Spearman correlation of x and y controlling for z:
// the Pearson correlation of the ranks of x and y after regressing each on
// the ranks of z (least squares with intercept).
func PartialSpearman(x, y, z []float64) float64 {
	return PartialPearson(Ranks(x), Ranks(y), Ranks(z))
}

// PartialPearson is the Pearson correlation of x and y controlling for z:
// the correlation of their residuals after regressing each on z (least
// squares with intercept).
func PartialPearson(x, y, z []float64) float64 {
	return Pearson(residual(x, z), residual(y, z))
}

// residual is y minus its least-squares fit a + b·x.
func residual(y, x []float64) []float64 {
	mx, my := Mean(x), Mean(y)
	var sxy, sxx float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
	}
	b := 0.0
	if sxx > 0 {
		b = sxy / sxx
	}
	out := make([]float64, len(y))
	for i := range y {
		out[i] = y[i] - my - b*(x[i]-mx)
	}
	return out
}

// Holm adjusts p-values for multiple comparisons by Holm's step-down method
// (family-wise error): with the p-values sorted ascending, the k-th (from 0)
// becomes max over j <= k of min(1, (m - j) p_(j)). NaN p-values are left
// out of the family and stay NaN.
func Holm(p []float64) []float64 {
	idx, out := sortedFinite(p)
	m := len(idx)
	running := 0.0
	for k, i := range idx {
		running = math.Max(running, math.Min(1, float64(m-k)*p[i]))
		out[i] = running
	}
	return out
}

// BenjaminiHochberg adjusts p-values for the false discovery rate: with the
// p-values sorted ascending, the k-th (from 1) becomes min over j >= k of
// min(1, m p_(j) / j). NaN p-values are left out and stay NaN.
func BenjaminiHochberg(p []float64) []float64 {
	idx, out := sortedFinite(p)
	m := len(idx)
	running := 1.0
	for k := m - 1; k >= 0; k-- {
		i := idx[k]
		running = math.Min(running, float64(m)*p[i]/float64(k+1))
		out[i] = running
	}
	return out
}

// sortedFinite returns the indices of p's non-NaN values in ascending order
// of value, and an output slice of NaNs.
func sortedFinite(p []float64) ([]int, []float64) {
	var idx []int
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = math.NaN()
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	return idx, out
}
