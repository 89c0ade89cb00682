// Package linalg holds the dense float64 linear algebra the ridge
// regressions need at the real size: matrix products on GoMLX's pure-Go
// backend (about 105 GFLOP/s on this project's 2-core reference CPU, where
// gonum's Dgemm reaches 18) and a symmetric matrix's reduction to
// tridiagonal form, whose shifted systems (T + λI) are solved in O(n) per
// right-hand side: every ridge penalty from one O(n³) reduction, without the
// eigenvectors (gonum's Dsteqr, 85% of an n = 1593 eigendecomposition's
// 18.6 s here).
package linalg

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/dtypes"
	_ "github.com/gomlx/compute/gobackend" // the products' backend
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/mat"
)

// smallProduct is the size (multiply-adds) below which Mul stays in gonum:
// a backend call's fixed cost (tensor copies, a compilation per new shape)
// is then larger than the product.
const smallProduct = 1 << 22

var (
	once  sync.Once
	be    compute.Backend
	beErr error
	execs [4]*graph.Exec // by transposition: 2*ta + tb
	// backendCalls counts the products the backend ran (tests check the
	// large ones do).
	backendCalls atomic.Int64
)

func backend() (compute.Backend, error) {
	once.Do(func() {
		be, beErr = compute.NewWithConfig("go")
		if beErr != nil {
			return
		}
		for k := range execs {
			ta, tb := k&2 != 0, k&1 != 0
			ca, cb := 1, 0
			if ta {
				ca = 0
			}
			if tb {
				cb = 1
			}
			execs[k] = graph.MustNewExec(be, func(x, y *graph.Node) *graph.Node {
				return graph.DotGeneral(x, []int{ca}, nil, y, []int{cb}, nil)
			}).SetMaxCache(64)
		}
	})
	return be, beErr
}

// Mul returns op(a)·op(b), op transposing its matrix when ta (tb) is set,
// in float64. Large products run on GoMLX's pure-Go backend (same
// arithmetic, blocked and vectorised); small ones, and any the backend
// cannot run, in gonum.
func Mul(a *mat.Dense, ta bool, b *mat.Dense, tb bool) *mat.Dense { return mul(a, ta, b, tb, false) }

// Mul32 is Mul computed in float32 on the backend: the operands rounded to
// float32, the products accumulated in float32 (about twice Mul's speed
// there), the result returned in float64 with a relative error of about
// 1e-6 instead of 1e-15. For products whose results only rank or select,
// such as the ridge penalty search's held-out predictions. Small products,
// and any the backend cannot run, are Mul's.
func Mul32(a *mat.Dense, ta bool, b *mat.Dense, tb bool) *mat.Dense { return mul(a, ta, b, tb, true) }

func mul(a *mat.Dense, ta bool, b *mat.Dense, tb bool, f32 bool) *mat.Dense {
	ar, ac := a.Dims()
	br, bc := b.Dims()
	if ta {
		ar, ac = ac, ar
	}
	if tb {
		br, bc = bc, br
	}
	if ac != br {
		panic(fmt.Sprintf("linalg.Mul: %dx%d times %dx%d", ar, ac, br, bc))
	}
	if ar*ac*bc >= smallProduct {
		if out, err := mulBackend(a, ta, b, tb, ar, bc, f32); err == nil {
			return out
		}
	}
	var ma, mb mat.Matrix = a, b
	if ta {
		ma = a.T()
	}
	if tb {
		mb = b.T()
	}
	out := mat.NewDense(ar, bc, nil)
	out.Mul(ma, mb)
	return out
}

// transposition indexes execs.
func transposition(ta, tb bool) int {
	k := 0
	if ta {
		k |= 2
	}
	if tb {
		k |= 1
	}
	return k
}

func mulBackend(a *mat.Dense, ta bool, b *mat.Dense, tb bool, rows, cols int, f32 bool) (out *mat.Dense, err error) {
	if _, err := backend(); err != nil {
		return nil, err
	}
	tensor := tensorOf
	if f32 {
		tensor = tensor32
	}
	ta_, tb_ := tensor(a), tensor(b)
	defer ta_.MustFinalizeAll() // freed now, not when the collector runs
	defer tb_.MustFinalizeAll()
	res, err := execs[transposition(ta, tb)].Exec1(ta_, tb_)
	if err != nil {
		return nil, err
	}
	backendCalls.Add(1)
	defer res.MustFinalizeAll()
	out = mat.NewDense(rows, cols, nil)
	dst := out.RawMatrix().Data
	if f32 {
		err = tensors.ConstFlatData(res, func(flat []float32) { widen(out, flat) })
	} else {
		err = tensors.ConstFlatData(res, func(flat []float64) { copy(dst, flat) })
	}
	return out, err
}

// Left32 is a left operand held in float32 for repeated Mul32 products
// with right operands of one shape: the operand is converted once, the
// right operand's float32 copy is reused and the product written into a
// given matrix, so that a loop of products (the ridge penalty search: one
// per penalty, n x n times n x voxels) allocates nothing large per product.
type Left32 struct {
	src   *mat.Dense
	a     *tensors.Tensor
	right *tensors.Tensor // the last right operand's float32 copy
}

// NewLeft32 holds a for products a·b.
func NewLeft32(a *mat.Dense) *Left32 {
	return &Left32{src: a, a: tensor32(a)}
}

// MulTo sets dst (rows x b's columns) to a·b computed as Mul32 computes it
// (products the backend runs: operands rounded to float32, float32
// accumulation; small ones Mul's). dst may be b.
func (l *Left32) MulTo(dst, b *mat.Dense) error {
	rows, cols := l.src.Dims()
	br, bc := b.Dims()
	if dr, dc := dst.Dims(); br != cols || dr != rows || dc != bc {
		return fmt.Errorf("linalg.Left32: %dx%d times %dx%d into %dx%d", rows, cols, br, bc, dr, dc)
	}
	if _, err := backend(); err != nil || rows*cols*bc < smallProduct {
		dst.Copy(Mul32(l.src, false, b, false))
		return nil
	}
	if l.right == nil || !slices.Equal(l.right.Shape().Dimensions, []int{br, bc}) {
		l.freeRight()
		l.right = tensors.FromShape(shapes.Make(dtypes.Float32, br, bc))
	}
	if err := tensors.MutableFlatData(l.right, func(flat []float32) { round32(flat, b) }); err != nil {
		return err
	}
	res, err := execs[0].Exec1(l.a, l.right)
	if err != nil {
		return err
	}
	backendCalls.Add(1)
	defer res.MustFinalizeAll()
	return tensors.ConstFlatData(res, func(flat []float32) { widen(dst, flat) })
}

func (l *Left32) freeRight() {
	if l.right != nil {
		l.right.MustFinalizeAll()
		l.right = nil
	}
}

// Free releases the operands' memory now (GoMLX tensors have no finalizer).
func (l *Left32) Free() {
	l.a.MustFinalizeAll()
	l.freeRight()
}

// tensor32 is m rounded to float32.
func tensor32(m *mat.Dense) *tensors.Tensor {
	r, c := m.Dims()
	data := make([]float32, r*c)
	round32(data, m)
	return tensors.FromFlatDataAndDimensions(data, r, c)
}

// round32 writes m, rounded to float32, into flat (row-major, m's size).
func round32(flat []float32, m *mat.Dense) {
	raw := m.RawMatrix()
	for i := range raw.Rows {
		row := flat[i*raw.Cols : (i+1)*raw.Cols]
		for j, v := range raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols] {
			row[j] = float32(v)
		}
	}
}

// widen writes flat (row-major, m's size) into m.
func widen(m *mat.Dense, flat []float32) {
	raw := m.RawMatrix()
	for i := range raw.Rows {
		row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
		for j, v := range flat[i*raw.Cols : (i+1)*raw.Cols] {
			row[j] = float64(v)
		}
	}
}

func tensorOf(m *mat.Dense) *tensors.Tensor {
	raw := m.RawMatrix()
	if raw.Stride == raw.Cols {
		return tensors.FromFlatDataAndDimensions(raw.Data[:raw.Rows*raw.Cols], raw.Rows, raw.Cols)
	}
	return tensors.FromFlatDataAndDimensions(mat.DenseCopyOf(m).RawMatrix().Data, raw.Rows, raw.Cols)
}

// Tridiagonal is a symmetric matrix K = Q T Qᵀ reduced to the symmetric
// tridiagonal T (diagonal D, off-diagonal E) by an orthogonal Q (LAPACK's
// Dsytrd and Dorgtr).
type Tridiagonal struct {
	Q    *mat.Dense
	D, E []float64
	qt   *mat.Dense // Qᵀ
}

// Reduce reduces k to tridiagonal form (k is not modified).
func Reduce(k mat.Symmetric) *Tridiagonal {
	n := k.SymmetricDim()
	a := make([]float64, n*n)
	for i := range n {
		for j := i; j < n; j++ {
			a[i*n+j] = k.At(i, j)
		}
	}
	t := &Tridiagonal{D: make([]float64, n), E: make([]float64, max(n-1, 0))}
	if n == 0 {
		t.Q, t.qt = &mat.Dense{}, &mat.Dense{}
		return t
	}
	var impl gonum.Implementation
	tau := make([]float64, max(n-1, 1))
	work := []float64{0}
	impl.Dsytrd(blas.Upper, n, a, n, t.D, t.E, tau, work, -1)
	work = make([]float64, int(work[0]))
	impl.Dsytrd(blas.Upper, n, a, n, t.D, t.E, tau, work, len(work))
	work = []float64{0}
	impl.Dorgtr(blas.Upper, n, a, n, tau, work, -1)
	work = make([]float64, max(int(work[0]), 1))
	impl.Dorgtr(blas.Upper, n, a, n, tau, work, len(work))
	t.Q = mat.NewDense(n, n, a)
	t.qt = mat.DenseCopyOf(t.Q.T())
	return t
}

// Shifted is the LDLᵀ factorisation of T + λI for a λ that makes it
// positive definite (any λ > 0 when K is positive semi-definite).
type Shifted struct {
	m, d []float64 // unit lower bidiagonal multipliers, pivots
}

// Shift factors T + λI; it fails where a pivot is not positive (λ too small
// for K's rounding, or K not positive semi-definite).
func (t *Tridiagonal) Shift(lambda float64) (*Shifted, error) {
	n := len(t.D)
	s := &Shifted{m: make([]float64, n), d: make([]float64, n)}
	for k := range n {
		a := t.D[k] + lambda
		if k > 0 {
			s.m[k] = t.E[k-1] / s.d[k-1]
			a -= s.m[k] * t.E[k-1]
		}
		if !(a > 0) || math.IsInf(a, 0) {
			return nil, fmt.Errorf("linalg: the shifted matrix (penalty %g) is not positive definite at pivot %d (%g)", lambda, k, a)
		}
		s.d[k] = a
	}
	return s, nil
}

// Solve overwrites z (n rows, any number of columns) with (T + λI)⁻¹ z.
func (s *Shifted) Solve(z *mat.Dense) {
	n, _ := z.Dims()
	for k := 1; k < n; k++ {
		axpy(-s.m[k], z.RawRowView(k-1), z.RawRowView(k))
	}
	for k := n - 1; k >= 0; k-- {
		row := z.RawRowView(k)
		inv := 1 / s.d[k]
		for j := range row {
			row[j] *= inv
		}
		if k < n-1 {
			axpy(-s.m[k+1], z.RawRowView(k+1), row)
		}
	}
}

func axpy(alpha float64, x, y []float64) {
	y = y[:len(x)]
	for j, v := range x {
		y[j] += alpha * v
	}
}

// InverseDiagonal is the diagonal of Q (T + λI)⁻¹ Qᵀ = (K + λI)⁻¹:
// element i is Σ_k Q_ik G_ki with G = (T + λI)⁻¹ Qᵀ.
func (t *Tridiagonal) InverseDiagonal(s *Shifted) []float64 {
	n, _ := t.Q.Dims()
	g := mat.DenseCopyOf(t.qt)
	s.Solve(g)
	out := make([]float64, n)
	for k := range n {
		grow, qrow := g.RawRowView(k), t.qt.RawRowView(k)
		for i, q := range qrow {
			out[i] += q * grow[i]
		}
	}
	return out
}
