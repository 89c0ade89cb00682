package linalg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	blasgonum "gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/mat"
)

func randoms(rng *rand.Rand, n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	return x
}

// paths runs f with the AVX-512 kernels (where the CPU has them) and with
// the scalar ones.
func paths(t *testing.T, f func(t *testing.T)) {
	defer func(v bool) { vectorised = v }(vectorised)
	for _, v := range []bool{true, false} {
		if v && !haveSIMD {
			continue
		}
		vectorised = v
		t.Run(fmt.Sprintf("simd=%v", v), f)
	}
}

// closeTo reports the largest difference between got and want relative to
// want's largest magnitude.
func closeTo(got, want []float64) float64 {
	var d, m float64
	for i := range want {
		d = math.Max(d, math.Abs(got[i]-want[i]))
		m = math.Max(m, math.Abs(want[i]))
	}
	return d / math.Max(m, 1)
}

// TestDsymvMatchesGonum: the rewritten Dsymv gives gonum's result (to
// rounding) for both triangles, strided vectors, padded rows and the
// betas the BLAS distinguishes (0 must overwrite even a NaN), sizes on both
// sides of the hand-over to gonum and of the vector width; the other
// triangle is never read (it holds NaN here).
func TestDsymvMatchesGonum(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		var ref blasgonum.Implementation
		for _, n := range []int{fastMin - 1, fastMin, 71, 200, 517} {
			for _, ul := range []blas.Uplo{blas.Upper, blas.Lower} {
				for _, c := range []struct {
					lda, incX, incY int
					beta            float64
				}{{n, 1, 1, 0}, {n + 3, 2, 1, 1}, {n, 1, 3, -0.5}, {n + 1, 3, 2, 0}} {
					a := randoms(rng, c.lda*n)
					for i := range n {
						for j := range n {
							if (ul == blas.Upper && j < i) || (ul == blas.Lower && j > i) {
								a[i*c.lda+j] = math.NaN()
							}
						}
					}
					x, y := randoms(rng, (n-1)*c.incX+1), randoms(rng, (n-1)*c.incY+1)
					if c.beta == 0 {
						y[0] = math.NaN()
					}
					want := slices.Clone(y)
					ref.Dsymv(ul, n, 0.7, a, c.lda, x, c.incX, c.beta, want, c.incY)
					fastBLAS{}.Dsymv(ul, n, 0.7, a, c.lda, x, c.incX, c.beta, y, c.incY)
					if d := closeTo(y, want); !(d < 1e-13) {
						t.Errorf("n=%d %v %+v: differs from gonum by %g", n, ul, c, d)
					}
				}
			}
		}
	})
}

// TestDsyr2kMatchesGonum: the same for Dsyr2k, both triangles and
// transpositions; the other triangle of C is left as it was.
func TestDsyr2kMatchesGonum(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 8))
		var ref blasgonum.Implementation
		for _, n := range []int{fastMin - 1, fastMin, 77, 300} {
			for _, k := range []int{1, 5, 32} {
				for _, ul := range []blas.Uplo{blas.Upper, blas.Lower} {
					for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
						for _, beta := range []float64{0, 1, 0.3} {
							rows, cols := n, k
							if tA == blas.Trans {
								rows, cols = k, n
							}
							lda, ldb, ldc := cols+2, cols, n+1
							a, b := randoms(rng, lda*rows), randoms(rng, ldb*rows)
							c := randoms(rng, ldc*n)
							want := slices.Clone(c)
							ref.Dsyr2k(ul, tA, n, k, -1.3, a, lda, b, ldb, beta, want, ldc)
							fastBLAS{}.Dsyr2k(ul, tA, n, k, -1.3, a, lda, b, ldb, beta, c, ldc)
							if d := closeTo(c, want); !(d < 1e-13) {
								t.Errorf("n=%d k=%d %v %v beta=%g: differs from gonum by %g", n, k, ul, tA, beta, d)
							}
						}
					}
				}
			}
		}
	})
}

// TestDgemmMatchesGonum: the same for Dgemm, every transposition, padded
// leading dimensions, the betas the BLAS distinguishes (0 must overwrite
// even a NaN), sizes on both sides of the hand-over to gonum.
func TestDgemmMatchesGonum(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(13, 14))
		var ref blasgonum.Implementation
		for _, size := range [][3]int{{3, 4, 5}, {40, 41, 39}, {90, 70, 33}, {33, 200, 90}} {
			m, n, k := size[0], size[1], size[2]
			for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
					for _, beta := range []float64{0, 1, -0.4} {
						ar, ac, br, bc := m, k, k, n
						if tA == blas.Trans {
							ar, ac = k, m
						}
						if tB == blas.Trans {
							br, bc = n, k
						}
						lda, ldb, ldc := ac+1, bc+3, n+2
						a, b, c := randoms(rng, lda*ar), randoms(rng, ldb*br), randoms(rng, ldc*m)
						if beta == 0 {
							c[0] = math.NaN()
						}
						want := slices.Clone(c)
						ref.Dgemm(tA, tB, m, n, k, 0.9, a, lda, b, ldb, beta, want, ldc)
						fastBLAS{}.Dgemm(tA, tB, m, n, k, 0.9, a, lda, b, ldb, beta, c, ldc)
						if d := closeTo(c, want); !(d < 1e-13) {
							t.Errorf("%v %v %v beta=%g: differs from gonum by %g", size, tA, tB, beta, d)
						}
					}
				}
			}
		}
	})
}

// TestReduceBlocked: at an order where LAPACK's blocked reduction runs
// (the rank-2k updates), Q is orthogonal and Q T Qᵀ reproduces K, and T
// equals the one gonum's own BLAS gives.
func TestReduceBlocked(t *testing.T) {
	paths(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(9, 10))
		const n = 300
		k := mat.NewSymDense(n, nil)
		k.SymOuterK(1, random(rng, n, n+20))
		UseFastBLAS()
		tri := Reduce(k)
		checkReduction(t, k, tri, 1e-10)
		blas64.Use(blasgonum.Implementation{})
		ref := Reduce(k)
		blas64.Use(fastBLAS{})
		if d := closeTo(tri.D, ref.D); d > 1e-11 {
			t.Errorf("diagonal differs from gonum's BLAS by %g", d)
		}
		if d := closeTo(tri.E, ref.E); d > 1e-11 {
			t.Errorf("off-diagonal differs from gonum's BLAS by %g", d)
		}
	})
}

// BenchmarkReduce: the tridiagonal reduction at the real data's order
// (1593 training images), with this package's BLAS and with gonum's.
func BenchmarkReduce(b *testing.B) {
	rng := rand.New(rand.NewPCG(11, 12))
	const n = 1593
	k := mat.NewSymDense(n, nil)
	k.SymOuterK(1, random(rng, n, 2048))
	for _, c := range []struct {
		name string
		impl blas.Float64
	}{{"this", fastBLAS{}}, {"gonum", blasgonum.Implementation{}}} {
		b.Run(c.name, func(b *testing.B) {
			blas64.Use(c.impl)
			defer blas64.Use(fastBLAS{})
			for b.Loop() {
				Reduce(k)
			}
		})
	}
}
