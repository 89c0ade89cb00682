package linalg

import (
	"slices"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	blasgonum "gonum.org/v1/gonum/blas/gonum"

	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
)

// fastBLAS is gonum's BLAS with the routines a symmetric matrix's
// tridiagonal reduction and the forming of its Q (LAPACK's Dsytrd and
// Dorgtr, which gonum's lapack runs through blas64's implementation) spend
// nearly all their time in rewritten: Dsymv reads each row once for its dot
// product and its update (gonum's reads it twice), and Dsyr2k and Dgemm
// keep each output tile in registers over the sum of products, all with
// AVX-512 where the CPU has it and over fixed row chunks in parallel. At
// n = 1593 on the 2-core reference CPU gonum's Dsytrd spent 60% of its 3 s
// in Dsymv and 37% in Dsyr2k, and Dorgtr 0.3 s in Dgemm (BenchmarkReduce
// has the times now). Calls outside the fast path (small, negative or zero
// increments, short slices) are gonum's own.
type fastBLAS struct{ blasgonum.Implementation }

// UseFastBLAS makes fastBLAS the BLAS behind gonum's blas64 and lapack64
// (and so behind every tridiagonal reduction in this module) for the whole
// process. Importing the package changes nothing: a program opts in once
// (pkg/backend.UseFastBLAS). Results equal gonum's BLAS's to rounding.
func UseFastBLAS() { blas64.Use(fastBLAS{}) }

// fastMin is the order below which the rewritten routines hand the call to
// gonum: their fixed cost (partial sums, goroutines) is then larger than
// the work.
const fastMin = 64

// gemmMin is the same for Dgemm, in multiply-adds.
const gemmMin = 1 << 16

// chunks is how many row ranges the rewritten routines split a call into,
// fixed so that the results do not depend on the number of cores.
const chunks = 4

// vectorised is whether the kernels use AVX-512 (a variable so that tests
// run both paths).
var vectorised = haveSIMD

// Dsymv computes y = alpha·A·x + beta·y for the symmetric n x n A stored in
// its ul triangle (row-major, as all of gonum).
func (f fastBLAS) Dsymv(ul blas.Uplo, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) {
	if n < fastMin || alpha == 0 || incX <= 0 || incY <= 0 || lda < n || (ul != blas.Upper && ul != blas.Lower) ||
		len(a) < lda*(n-1)+n || len(x) <= (n-1)*incX || len(y) <= (n-1)*incY {
		f.Implementation.Dsymv(ul, n, alpha, a, lda, x, incX, beta, y, incY)
		return
	}
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = x[i*incX]
	}
	// Row i touches elements i..n-1 (Upper) or 0..i (Lower) of y: each
	// chunk sums into its own copy, the copies added in chunk order.
	bounds := triangleChunks(n, ul == blas.Upper)
	parts := make([][]float64, chunks)
	parallel.For(chunks, func(c int) {
		p := make([]float64, n)
		for i := bounds[c]; i < bounds[c+1]; i++ {
			row := a[i*lda : i*lda+n]
			if ul == blas.Upper {
				// diagonal once, then the strictly upper part both ways
				p[i] += row[i]*xs[i] + dotAxpy(row[i+1:], xs[i+1:], p[i+1:], xs[i])
			} else {
				p[i] += row[i]*xs[i] + dotAxpy(row[:i], xs[:i], p[:i], xs[i])
			}
		}
		parts[c] = p
	})
	for i := range n {
		var s float64
		for _, p := range parts {
			s += p[i]
		}
		yi := &y[i*incY]
		if beta == 0 {
			*yi = alpha * s
		} else {
			*yi = beta**yi + alpha*s
		}
	}
}

// Dsyr2k computes the ul triangle of C = alpha·(A·Bᵀ + B·Aᵀ) + beta·C
// (tA NoTrans: A and B n x k) or alpha·(Aᵀ·B + Bᵀ·A) + beta·C (tA Trans:
// A and B k x n).
func (f fastBLAS) Dsyr2k(ul blas.Uplo, tA blas.Transpose, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	rowsAB, colsAB := n, k
	if tA == blas.Trans {
		rowsAB, colsAB = k, n
	}
	if n < fastMin || k == 0 || alpha == 0 || (ul != blas.Upper && ul != blas.Lower) || (tA != blas.NoTrans && tA != blas.Trans) ||
		lda < max(1, colsAB) || ldb < max(1, colsAB) || ldc < n ||
		len(a) < lda*(rowsAB-1)+colsAB || len(b) < ldb*(rowsAB-1)+colsAB || len(c) < ldc*(n-1)+n {
		f.Implementation.Dsyr2k(ul, tA, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	// at[l] and bt[l]: column l of A and B over the n rows (NoTrans:
	// transposed here; Trans: the rows as they are)
	var at, bt [][]float64
	if tA == blas.Trans {
		at, bt = rowsOf(a, lda, k, n), rowsOf(b, ldb, k, n)
	} else {
		at, bt = columnsOf(a, lda, n, k), columnsOf(b, ldb, n, k)
	}
	// row i: C_ij += Σ_l (alpha·A_il)·B_jl + (alpha·B_il)·A_jl
	rows := append(slices.Clone(bt), at...)
	bounds := triangleChunks(n, ul == blas.Upper)
	parallel.For(chunks, func(ch int) {
		coef := make([]float64, 2*k)
		for i := bounds[ch]; i < bounds[ch+1]; i++ {
			for l := range k {
				coef[l], coef[k+l] = alpha*at[l][i], alpha*bt[l][i]
			}
			lo, hi := 0, i+1
			if ul == blas.Upper {
				lo, hi = i, n
			}
			combine(c[i*ldc+lo:i*ldc+hi], beta, coef, rows, lo)
		}
	})
}

// Dgemm computes C = alpha·op(A)·op(B) + beta·C (C m x n, op(A) m x k).
func (f fastBLAS) Dgemm(tA, tB blas.Transpose, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	ar, ac, br, bc := m, k, k, n // A's and B's stored shapes
	if tA == blas.Trans {
		ar, ac = k, m
	}
	if tB == blas.Trans {
		br, bc = n, k
	}
	if m*n*k < gemmMin || alpha == 0 || (tA != blas.NoTrans && tA != blas.Trans) || (tB != blas.NoTrans && tB != blas.Trans) ||
		lda < max(1, ac) || ldb < max(1, bc) || ldc < max(1, n) ||
		len(a) < lda*(ar-1)+ac || len(b) < ldb*(br-1)+bc || len(c) < ldc*(m-1)+n {
		f.Implementation.Dgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	// rows[l]: row l of op(B) (n values)
	var rows [][]float64
	if tB == blas.Trans {
		rows = columnsOf(b, ldb, n, k)
	} else {
		rows = rowsOf(b, ldb, k, n)
	}
	parallel.For(chunks, func(ch int) {
		coef := make([]float64, k)
		for i := ch * m / chunks; i < (ch+1)*m/chunks; i++ {
			for l := range k {
				if tA == blas.NoTrans {
					coef[l] = alpha * a[i*lda+l]
				} else {
					coef[l] = alpha * a[l*lda+i]
				}
			}
			combine(c[i*ldc:i*ldc+n], beta, coef, rows, 0)
		}
	})
}

// rowsOf is the r rows of the row-major r x c matrix a (leading dimension
// lda), as views.
func rowsOf(a []float64, lda, r, c int) [][]float64 {
	out := make([][]float64, r)
	for i := range r {
		out[i] = a[i*lda : i*lda+c]
	}
	return out
}

// columnsOf is the c columns of the row-major r x c matrix a, copied.
func columnsOf(a []float64, lda, r, c int) [][]float64 {
	out := make([][]float64, c)
	for l := range c {
		out[l] = make([]float64, r)
	}
	for i := range r {
		for l, v := range a[i*lda : i*lda+c] {
			out[l][i] = v
		}
	}
	return out
}

// triangleChunks splits the n rows of a triangle (upper: row i holds n-i
// elements; lower: i+1) into chunks ranges of about equal area: chunk c is
// rows bounds[c] to bounds[c+1].
func triangleChunks(n int, upper bool) []int {
	bounds := make([]int, chunks+1)
	total := float64(n) * float64(n+1) / 2
	row, area := 0, 0.0
	for c := 1; c < chunks; c++ {
		for row < n && area < total*float64(c)/chunks {
			if upper {
				area += float64(n - row)
			} else {
				area += float64(row + 1)
			}
			row++
		}
		bounds[c] = row
	}
	bounds[chunks] = n
	return bounds
}

// dotAxpy returns Σ a_j x_j and adds xi·a to y, reading a once.
func dotAxpy(a, x, y []float64, xi float64) float64 {
	if vectorised {
		return dotAxpySIMD(a, x, y, xi)
	}
	return dotAxpyScalar(a, x, y, xi)
}

func dotAxpyScalar(a, x, y []float64, xi float64) float64 {
	x, y = x[:len(a)], y[:len(a)]
	var s float64
	for j, v := range a {
		s += v * x[j]
		y[j] += xi * v
	}
	return s
}

// combine sets c_j = beta·c_j + Σ_l coef_l·rows[l][off+j] (beta 0: c is
// not read).
func combine(c []float64, beta float64, coef []float64, rows [][]float64, off int) {
	if vectorised {
		combineSIMD(c, beta, coef, rows, off)
		return
	}
	combineScalar(c, beta, coef, rows, off)
}

func combineScalar(c []float64, beta float64, coef []float64, rows [][]float64, off int) {
	for j := range c {
		var v float64
		if beta != 0 {
			v = beta * c[j]
		}
		for l, s := range coef {
			v += s * rows[l][off+j]
		}
		c[j] = v
	}
}
