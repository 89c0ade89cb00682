package hypothesis_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/decodingthoughts/decoding-thoughts/pkg/hypothesis"
)

// The smallest partial correlation the cross-model test detects with 80%
// power, with clean accuracy and log parameter count as covariates: five
// models cannot test anything; it takes 32 to detect a large effect.
func ExampleMinDetectableEffect() {
	for _, n := range []int{5, 10, 20, 32, 50} {
		fmt.Printf("%d models: %.2f\n", n, hypothesis.MinDetectableEffect(n, 2))
	}
	// Output:
	// 5 models: +Inf
	// 10 models: 0.85
	// 20 models: 0.62
	// 32 models: 0.49
	// 50 models: 0.39
}

// Regress on 40 simulated models whose brain-likeness tracks robustness
// beyond clean accuracy and size.
func ExampleRegress() {
	data := hypothesis.NewSimulation(40, 0.6, hypothesis.ReferenceImages, 3).Draw(rand.New(rand.NewPCG(1, 2)))
	r, err := hypothesis.Regress(hypothesis.RegressionInput{
		Data:              data,
		Covariates:        []string{hypothesis.CleanAccuracy, hypothesis.LogParams},
		RobustnessMeasure: hypothesis.AUC,
		BrainSide:         hypothesis.BrainDecoder,
		Permutations:      999,
		Bootstraps:        1000,
		Level:             0.95,
		Seed:              1,
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("coef %.2f [%.2f, %.2f], partial r %.2f, p %.3f, MDE %.2f: %s\n",
		r.Coef, r.Low, r.High, r.Partial, r.P, r.MDE, r.Verdict)
	// Output:
	// coef 0.31 [0.11, 0.48], partial r 0.49, p 0.003, MDE 0.44: supported
}
