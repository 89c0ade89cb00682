package encoding_test

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// A voxel-wise ridge regression on a toy dataset: 4 voxels are a linear
// function of 30 features plus noise, 2 are noise alone. Each voxel gets
// the penalty its 5-fold cross-validation prefers; the fit predicts the
// held-out test images, and identifies them from their measured responses.
func ExampleFitRidge() {
	rng := rand.New(rand.NewPCG(1, 2))
	const train, test, features, voxels = 80, 20, 30, 6
	w := mat.NewDense(features, voxels, nil)
	for f := range features {
		for v := range 4 {
			w.Set(f, v, rng.NormFloat64())
		}
	}
	data := func(n int) (x, y *mat.Dense) {
		x = mat.NewDense(n, features, nil)
		for i := range n {
			for f := range features {
				x.Set(i, f, rng.NormFloat64())
			}
		}
		y = mat.NewDense(n, voxels, nil)
		y.Mul(x, w)
		for i := range n {
			for v := range voxels {
				y.Set(i, v, y.At(i, v)+3*rng.NormFloat64())
			}
		}
		return x, y
	}
	xTrain, yTrain := data(train)
	xTest, yTest := data(test)
	fit, err := encoding.FitRidge(xTrain, yTrain, encoding.RidgeOptions{Folds: 5, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	pred := fit.Predict(xTest)
	for v := range voxels {
		r := stats.Pearson(mat.Col(nil, v, pred), mat.Col(nil, v, yTest))
		fmt.Printf("voxel %d: cross-validated r %5.2f, test r %5.2f\n", v, fit.CV[v], r)
	}
	fmt.Printf("identified %d of %d test images\n", encoding.Identify(yTest, pred, []int{0, 1, 2, 3}), test)
	// Output:
	// voxel 0: cross-validated r  0.76, test r  0.91
	// voxel 1: cross-validated r  0.82, test r  0.93
	// voxel 2: cross-validated r  0.66, test r  0.88
	// voxel 3: cross-validated r  0.82, test r  0.92
	// voxel 4: cross-validated r  0.13, test r -0.11
	// voxel 5: cross-validated r  0.26, test r -0.10
	// identified 8 of 20 test images
}

// Noise ceilings from repeated trials: the correlation a perfect model of
// the signal would reach with the mean over trials. Voxel 0 carries a
// strong signal (expected ceiling sqrt(1/1.25) = 0.89), voxel 1 a weak one
// (sqrt(0.09/0.34) = 0.51), voxel 2 none (0, up to sampling error).
func ExampleNoiseCeilings() {
	rng := rand.New(rand.NewPCG(3, 4))
	const trials, images, voxels = 4, 1000, 3
	signal := []float64{1, 0.3, 0}
	rep := &kay.Repeats{Trials: [2]int{trials, 1}, Train: make([]float32, trials*images*voxels)}
	truth := make([]float64, images)
	for i := range truth {
		truth[i] = rng.NormFloat64()
	}
	for t := range trials {
		for i := range images {
			for v := range voxels {
				rep.Train[(t*images+i)*voxels+v] = float32(signal[v]*truth[i] + rng.NormFloat64())
			}
		}
	}
	fmt.Printf("%.2f\n", encoding.NoiseCeilings(rep, 0, images, voxels))
	// Output:
	// [0.89 0.49 0.11]
}

// An identification accuracy with its exact (Clopper-Pearson) 95% interval.
func ExampleNewProportion() {
	p := encoding.NewProportion(12, 20, 1.0/20)
	fmt.Printf("%d/%d = %.2f [%.2f, %.2f], chance %.2f\n", p.Correct, p.N, p.Value, p.Low, p.High, p.Chance)
	// Output:
	// 12/20 = 0.60 [0.36, 0.81], chance 0.05
}

// The Gabor wavelet pyramid's features of a 32 x 32 image: the contrast
// energy of every channel (4 spatial frequencies, 1 to 8 cycles per image,
// x 8 orientations; channel = frequency*8 + orientation) on a 4 x 4 grid
// of positions. A grating of 8 cycles per image with vertical stripes
// drives the 8-cycle channel of orientation 0 (varying along x) most, and
// the others less the further their orientation is from it.
func ExampleFeatures() {
	const side, pool = 32, 4
	im := kay.Images{N: 1, H: side, W: side, Pix: make([]float32, side*side)}
	for y := range side {
		for x := range side {
			if (x/2)%2 == 0 {
				im.Pix[y*side+x] = 1
			}
		}
	}
	f, _ := encoding.Features(im, []int{0}, pool)
	rows, cols := f.Dims()
	fmt.Println(rows, "image,", cols, "features")
	for o := range 8 {
		ch := 3*8 + o // 8 cycles per image, orientation o
		var e float64
		for cell := range pool * pool {
			e += f.At(0, ch*pool*pool+cell) / (pool * pool)
		}
		fmt.Printf("orientation %d: %.3f\n", o, e)
	}
	// Output:
	// 1 image, 512 features
	// orientation 0: 0.595
	// orientation 1: 0.469
	// orientation 2: 0.241
	// orientation 3: 0.149
	// orientation 4: 0.148
	// orientation 5: 0.149
	// orientation 6: 0.241
	// orientation 7: 0.469
}
