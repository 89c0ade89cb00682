//go:build !(amd64 && goexperiment.simd)

package linalg

const haveSIMD = false

func dotAxpySIMD(a, x, y []float64, xi float64) float64 { return dotAxpyScalar(a, x, y, xi) }

func rank2kSIMD(c []float64, beta float64, s, t []float64, p, q [][]float64, off int) {
	rank2kScalar(c, beta, s, t, p, q, off)
}
