package layers_test

import (
	"fmt"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/layers"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// A two-layer toy model (raw pixels, then the Gabor pyramid's energy)
// compared with two visual areas of a small simulated dataset: every
// measure for every (layer, area) cell over each area's voxels reliable on
// the training images, with its interval, and the best layer per area,
// chosen on held-out training images and scored on the test images. The
// simulator's voxels pool Gabor energy, so the second layer predicts both
// areas best.
func ExampleAnalyze() {
	cfg, _ := synth.Profile("quick", 3)
	cfg.Size = 32
	cfg.TrainCounts = map[string]int{"animal": 20, "artifact": 20, "geological formation": 20}
	cfg.TestCounts = map[string]int{"animal": 8, "artifact": 8, "geological formation": 8}
	d, _, err := synth.Generate(cfg.Clean(1), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	sel, _ := d.Select(kay.DefaultFilter())
	brain, err := layers.NewBrain(d, sel, []string{"V1", "LatOcc"}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	pixels := layers.PixelModel(d, sel)
	gabor, _ := layers.GaborModel(d, sel, 4)
	toy := layers.Model{Name: "toy", Layers: []string{"pixels", "gabor"},
		Widths: []int{pixels.Widths[0], gabor.Widths[0]},
		Train:  [][]float32{pixels.Train[0], gabor.Train[0]}, Test: [][]float32{pixels.Test[0], gabor.Test[0]},
		NTrain: pixels.NTrain, NTest: pixels.NTest}
	tab, sum, err := layers.Analyze(brain, []layers.Model{toy, gabor}, "none",
		layers.Options{Bootstraps: 50, Permutations: 199, Seed: 1}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, layer := range sum.Order["toy"] {
		for _, roi := range brain.ROIs {
			c := tab["toy"][layer][roi]
			fmt.Printf("%-6s %-6s", layer, roi)
			for _, m := range layers.Measures() {
				fmt.Printf(" %s %.2f", m, float64(c.Get(m).Value))
			}
			fmt.Println()
		}
	}
	c := tab["toy"]["gabor"]["V1"]
	e := c.Get(layers.Encoding)
	t, _ := c.Tested(layers.MeasureName(rsa.Spearman))
	fmt.Printf("gabor V1: encoding %.2f [%.2f, %.2f], rsa p %.3f (adjusted %.3f)\n",
		float64(e.Value), float64(e.Low), float64(e.High), float64(t.P), float64(t.PBH))
	for _, roi := range brain.ROIs {
		b := sum.Best["toy"][layers.Encoding][roi]
		fmt.Printf("best layer for %s by encoding: %s (depth %.0f; training cv %.2f, test %.2f)\n", roi, b.Layer, float64(b.Depth),
			float64(b.Selection), float64(b.Value))
	}
	// Output:
	// pixels V1     rsa 0.18 cka 0.56 cka_debiased 0.22 rsa_within_class 0.17 encoding 0.29
	// pixels LatOcc rsa 0.08 cka 0.44 cka_debiased 0.05 rsa_within_class -0.02 encoding 0.05
	// gabor  V1     rsa 0.22 cka 0.80 cka_debiased 0.70 rsa_within_class 0.39 encoding 0.65
	// gabor  LatOcc rsa -0.03 cka 0.47 cka_debiased 0.22 rsa_within_class 0.04 encoding 0.37
	// gabor V1: encoding 0.65 [0.57, 0.70], rsa p 0.005 (adjusted 0.010)
	// best layer for V1 by encoding: gabor (depth 1; training cv 0.59, test 0.65)
	// best layer for LatOcc by encoding: gabor (depth 1; training cv 0.41, test 0.37)
}
