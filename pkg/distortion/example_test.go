package distortion_test

import (
	"fmt"

	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
)

// Every kind describes itself; a sweep applies one at each level.
func ExampleDistortion_Func() {
	for _, k := range distortion.Kinds() {
		fmt.Printf("%s: %s, levels %v in %s\n", k.Name, k.Title, k.Default, k.LevelLabel())
	}
	d := distortion.Gaussian()
	img := make([]float32, 7*7)
	img[3*7+3] = 1 // a point of light in the middle
	for _, level := range d.Levels[:3] {
		f, _ := d.Func(level, 1)
		out := f(0, img, 7, 7)
		fmt.Printf("sigma %g: centre %.3f\n", level, out[3*7+3])
	}
	fmt.Println(distortion.Distortion{Name: "noise", Levels: []float64{0, 1}}.Validate())
	// Output:
	// gaussian: Gaussian blur, levels [0 1 2 4 8] in sigma (pixels)
	// box: box blur (albumentations Blur), levels [1 4 8 12 16] in blur_limit (box kernel up to this size)
	// sigma 0: centre 1.000
	// sigma 1: centre 0.159
	// sigma 2: centre 0.040
	// unknown distortion "noise" (want one of gaussian, box)
}
