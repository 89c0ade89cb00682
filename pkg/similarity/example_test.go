package similarity_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/similarity"
)

// representation is n test images of 3 classes seen by a model: a class
// component plus each image's own structure (shared by every model built
// from the same own) and the model's private noise.
func representation(name string, own []float64, shared float64, rng *rand.Rand) similarity.Representation {
	const d = 6
	n := len(own) / d
	r := similarity.Representation{Name: name, Patterns: rsa.Patterns{N: n, D: d, X: make([]float32, n*d)}, Labels: make([]int, n)}
	for i := range n {
		r.Labels[i] = (i * 7) % 3 // test images in no particular class order
		for k := range d {
			class := 0.0
			if k == r.Labels[i] {
				class = 2
			}
			e := shared*own[i*d+k] + (1-shared)*rng.NormFloat64()
			r.Patterns.X[i*d+k] = float32(class + 0.5*e)
		}
	}
	return r
}

// A model compared with the fMRI decoder: Build makes each one's cosine
// RSMs (per image, images grouped by class, and per class); Compare
// computes every method of the rsa table and tests the ones asked for (the
// others carry their value alone: NaN p-value and interval).
func ExampleCompare() {
	rng := rand.New(rand.NewPCG(1, 1))
	own := make([]float64, 36*6)
	for k := range own {
		own[k] = rng.NormFloat64()
	}
	brain, _ := similarity.Build(representation("fmri", own, 1, rng), 3)
	model, _ := similarity.Build(representation("cnn", own, 0.7, rng), 3)
	fmt.Println("first rows' classes:", brain.Labels[:14])
	cfg := rsa.TestConfig{Permutations: 199, Bootstraps: 100, Level: 0.95, Seed: 1}
	c, _ := similarity.Compare(brain, model, cfg, rsa.Spearman, rsa.WithinClassSpearman)
	for _, m := range rsa.Methods {
		inf := c.Get(m)
		fmt.Printf("%-25s %.2f p=%.3f [%.2f, %.2f]\n", m, inf.Value, inf.PValue, inf.CILow, inf.CIHigh)
	}
	fmt.Printf("class-matrix Pearson (the original's) %.2f\n", c.ClassPearsonFull)
	// Output:
	// first rows' classes: [0 0 0 0 0 0 0 0 0 0 0 0 1 1]
	// pearson_full              0.97 p=NaN [NaN, NaN]
	// pearson                   0.97 p=NaN [NaN, NaN]
	// spearman                  0.96 p=0.005 [0.94, 0.97]
	// kendall_a                 0.83 p=NaN [NaN, NaN]
	// cka                       0.98 p=NaN [NaN, NaN]
	// cka_debiased              0.98 p=NaN [NaN, NaN]
	// within_class_spearman     0.86 p=0.005 [0.73, 0.91]
	// partial_spearman_category 0.89 p=NaN [NaN, NaN]
	// class-matrix Pearson (the original's) 1.00
}

// A grid of comparisons (visual areas by models), and the check that flags
// a collapsed representation whose RSM is constant.
func ExampleCrossTable() {
	rng := rand.New(rand.NewPCG(2, 2))
	own := make([]float64, 24*6)
	for k := range own {
		own[k] = rng.NormFloat64()
	}
	var areas, models []similarity.Matrices
	for _, a := range []struct {
		name   string
		shared float64
	}{{"V1", 0.9}, {"LatOcc", 0.3}} {
		m, _ := similarity.Build(representation(a.name, own, a.shared, rng), 3)
		areas = append(areas, m)
	}
	for _, name := range []string{"resnet50", "vgg11_bn"} {
		m, _ := similarity.Build(representation(name, own, 0.8, rng), 3)
		models = append(models, m)
	}
	t, _ := similarity.CrossTable(areas, models, rsa.WithinClassSpearman)
	fmt.Println(t.Method, t.Cols)
	for i, row := range t.Rows {
		fmt.Printf("%-7s %.2f %.2f\n", row, t.Values[i][0], t.Values[i][1])
	}

	flat := similarity.Representation{Name: "collapsed", Patterns: rsa.Patterns{N: 4, D: 2, X: []float32{1, 1, 1, 1, 1, 1, 1, 1}}, Labels: []int{0, 1, 0, 1}}
	m, _ := similarity.Build(flat, 2)
	collapsed, spread := similarity.Collapsed(m)
	fmt.Println("collapsed:", collapsed, "spread:", spread)
	// Output:
	// within_class_spearman [resnet50 vgg11_bn]
	// V1      0.90 0.88
	// LatOcc  0.18 0.37
	// collapsed: true spread: 0
}
