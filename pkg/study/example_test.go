package study_test

import (
	"fmt"

	"github.com/decodingthoughts/decoding-thoughts/pkg/study"
)

// The study's stage graph: asking for a stage runs what it needs.
func ExamplePlan() {
	fmt.Println(study.StageNames())
	plan, _ := study.Plan([]string{"hypothesis"})
	fmt.Println(plan)
	_, err := study.Plan([]string{"blur"})
	fmt.Println(err)
	// Output:
	// [explore encoding brain_robustness fmri cnn embeddings rsa roi_rsa robustness layers hypothesis report]
	// [encoding fmri cnn rsa robustness hypothesis]
	// unknown stage "blur" (want some of explore, encoding, brain_robustness, fmri, cnn, embeddings, rsa, roi_rsa, robustness, layers, hypothesis, report)
}
