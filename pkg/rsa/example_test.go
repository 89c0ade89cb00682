package rsa_test

import (
	"fmt"

	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
)

// Two representations of six stimuli in two classes: their cosine RSMs,
// compared by every method of the table (the category-controlled ones use
// the classes the matrices carry), and Spearman tested by permutations.
func ExampleTest() {
	a := rsa.Patterns{N: 6, D: 3, X: []float32{1, 0, 0, 0.9, 0.1, 0, 0.8, 0.3, 0.1, 0, 1, 0, 0, 0.8, 0.3, 0.2, 0.9, 0.4}}
	b := rsa.Patterns{N: 6, D: 2, X: []float32{1, 0.1, 1, 0.2, 0.9, 0.4, 0.1, 1, 0.3, 1, 0.2, 0.8}}
	ma, _ := rsa.Cosine(a)
	mb, _ := rsa.Cosine(b)
	ma.Labels = []int{0, 0, 0, 1, 1, 1}
	for _, m := range rsa.Methods {
		v, _ := rsa.Compare(ma, mb, m)
		fmt.Printf("%-25s %.3f\n", m, v)
	}
	inf, _ := rsa.Test(ma, mb, rsa.Spearman, rsa.TestConfig{Permutations: 999, Seed: 1})
	fmt.Printf("Spearman p = %.3f\n", inf.PValue)
	if _, err := rsa.Compare(ma, mb, "procrustes"); err != nil {
		fmt.Println(err)
	}
	ma.Labels = nil
	if _, err := rsa.Compare(ma, mb, rsa.WithinClassSpearman); err != nil {
		fmt.Println(err)
	}
	// Output:
	// pearson_full              0.979
	// pearson                   0.974
	// spearman                  0.924
	// kendall_a                 0.781
	// cka                       0.987
	// cka_debiased              0.989
	// within_class_spearman     0.543
	// partial_spearman_category 0.725
	// Spearman p = 0.002
	// rsa: unknown comparison "procrustes" (want one of pearson_full, pearson, spearman, kendall_a, cka, cka_debiased, within_class_spearman, partial_spearman_category)
	// rsa: within_class_spearman needs each stimulus's class (Matrix.Labels)
}
