package stats_test

import (
	"fmt"

	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// Rank correlations of two short series with a tie.
func ExampleSpearman() {
	x := []float64{1, 2, 3, 4, 5, 6}
	y := []float64{2, 1, 4, 4, 6, 5}
	fmt.Printf("Pearson %.3f, Spearman %.3f, Kendall tau-a %.3f\n",
		stats.Pearson(x, y), stats.Spearman(x, y), stats.KendallTauA(x, y))
	// Output: Pearson 0.861, Spearman 0.870, Kendall tau-a 0.667
}

// The exact test across few models: with n = 5 only a perfect ordering
// reaches p < 0.05.
func ExampleSpearmanTest() {
	rho, p := stats.SpearmanTest([]float64{0.1, 0.2, 0.3, 0.4, 0.5}, []float64{0.5, 0.4, 0.3, 0.2, 0.1})
	fmt.Printf("rho %.2f, two-sided p %.4f\n", rho, p)
	// Output: rho -1.00, two-sided p 0.0167
}
