package rsa

import (
	"fmt"
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

// MethodSpec is one comparison method: its statistic and how the
// resampling tests treat it.
type MethodSpec struct {
	Method Method
	Title  string // for reports: "Spearman, upper triangle"
	// Full compares the whole matrices, diagonal and both triangles; the
	// others compare the upper triangles (i < j). A full method's bootstrap
	// keeps the pairs of a stimulus drawn twice; the others drop them (a
	// stimulus would pair with itself).
	Full bool
	// Ranked marks a statistic that is Pearson's r of the ranks: the
	// permutation test ranks once and permutes the ranks.
	Ranked bool
	// Stat is the statistic over the two matrices' vectors.
	Stat func(a, b []float64) float64
}

// methods is the method table, in the order reports show them.
var methods = []MethodSpec{
	{Method: PearsonFull, Title: "Pearson, full matrices (the original's)", Full: true, Stat: stats.Pearson},
	{Method: Pearson, Title: "Pearson, upper triangle", Stat: stats.Pearson},
	{Method: Spearman, Title: "Spearman, upper triangle", Ranked: true, Stat: stats.Spearman},
	{Method: KendallTauA, Title: "Kendall tau-a, upper triangle", Stat: stats.KendallTauA},
}

// Methods lists every comparison, in the order reports show them.
var Methods = func() []Method {
	var out []Method
	for _, s := range methods {
		out = append(out, s.Method)
	}
	return out
}()

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

// vector is the part of m the method compares.
func (s MethodSpec) vector(m Matrix) []float64 {
	if s.Full {
		return m.Data
	}
	return m.UpperTriangle()
}

// Compare relates two matrices over the same stimuli.
func Compare(a, b Matrix, m Method) (float64, error) {
	if a.N != b.N {
		return 0, fmt.Errorf("rsa: comparing matrices over %d and %d stimuli", a.N, b.N)
	}
	s, err := Spec(m)
	if err != nil {
		return 0, err
	}
	return s.Stat(s.vector(a), s.vector(b)), nil
}
