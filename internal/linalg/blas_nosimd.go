//go:build !(amd64 && goexperiment.simd)

package linalg

const haveSIMD = false

func dotAxpySIMD(a, x, y []float64, xi float64) float64 { return dotAxpyScalar(a, x, y, xi) }

func combineSIMD(c []float64, beta float64, coef []float64, rows [][]float64, off int) {
	combineScalar(c, beta, coef, rows, off)
}
