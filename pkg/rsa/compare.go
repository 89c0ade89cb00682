package rsa

import (
	"fmt"

	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// Method is how two matrices are compared.
type Method string

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

// Methods lists every comparison, in the order reports show them.
var Methods = []Method{PearsonFull, Pearson, Spearman, KendallTauA}

// Compare relates two matrices over the same stimuli.
func Compare(a, b Matrix, m Method) (float64, error) {
	if a.N != b.N {
		return 0, fmt.Errorf("rsa: comparing matrices over %d and %d stimuli", a.N, b.N)
	}
	switch m {
	case PearsonFull:
		return stats.Pearson(a.Data, b.Data), nil
	case Pearson:
		return stats.Pearson(a.UpperTriangle(), b.UpperTriangle()), nil
	case Spearman:
		return stats.Spearman(a.UpperTriangle(), b.UpperTriangle()), nil
	case KendallTauA:
		return stats.KendallTauA(a.UpperTriangle(), b.UpperTriangle()), nil
	}
	return 0, fmt.Errorf("rsa: unknown comparison %q (want one of %v)", m, Methods)
}
