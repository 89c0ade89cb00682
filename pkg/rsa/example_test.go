package rsa_test

import (
	"fmt"

	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
)

// Two representations of four stimuli: their cosine RSMs, compared by every
// method of the table, and Spearman tested by permutations and bootstrap.
func ExampleTest() {
	a := rsa.Patterns{N: 4, D: 3, X: []float32{1, 0, 0, 0.9, 0.1, 0, 0, 1, 0, 0, 0.8, 0.3}}
	b := rsa.Patterns{N: 4, D: 2, X: []float32{1, 0.1, 1, 0.2, 0.1, 1, 0.3, 1}}
	ma, _ := rsa.Cosine(a)
	mb, _ := rsa.Cosine(b)
	for _, m := range rsa.Methods {
		v, _ := rsa.Compare(ma, mb, m)
		fmt.Printf("%-12s %.3f\n", m, v)
	}
	inf, _ := rsa.Test(ma, mb, rsa.Spearman, rsa.TestConfig{Permutations: 999, Seed: 1})
	fmt.Printf("Spearman p = %.3f (4 stimuli: 24 orderings)\n", inf.PValue)
	if _, err := rsa.Compare(ma, mb, "cka"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// pearson_full 0.981
	// pearson      0.972
	// spearman     0.783
	// kendall_a    0.667
	// Spearman p = 0.168 (4 stimuli: 24 orderings)
	// rsa: unknown comparison "cka" (want one of pearson_full, pearson, spearman, kendall_a)
}
