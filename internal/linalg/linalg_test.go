package linalg

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func random(rng *rand.Rand, r, c int) *mat.Dense {
	m := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			m.Set(i, j, rng.NormFloat64())
		}
	}
	return m
}

func maxDiff(a, b mat.Matrix) float64 {
	r, c := a.Dims()
	var d float64
	for i := range r {
		for j := range c {
			d = math.Max(d, math.Abs(a.At(i, j)-b.At(i, j)))
		}
	}
	return d
}

// TestMulMatchesGonum: every transposition, below and above the size where
// the product moves to the backend, equals gonum's product to rounding.
func TestMulMatchesGonum(t *testing.T) {
	products(t, Mul, 1e-10)
}

// TestMul32MatchesGonum: the float32 product equals gonum's float64 one to
// float32's precision (entries of about 14: sums of 200 products of standard
// normals; 1e-4 is 7e-6 of that, float32's epsilon 1.2e-7 grown by the sums), on
// the backend for the large products, and is really float32 there.
func TestMul32MatchesGonum(t *testing.T) {
	products(t, Mul32, 1e-4)
	rng := rand.New(rand.NewPCG(5, 6))
	a, b := random(rng, 300, 200), random(rng, 200, 150)
	var want mat.Dense
	want.Mul(a, b)
	if d := maxDiff(Mul32(a, false, b, false), &want); d < 1e-9 {
		t.Errorf("differs from the float64 product by only %g: not computed in float32", d)
	}
}

// TestLeft32MatchesMul32: repeated products with one held left operand
// equal Mul32's exactly (the same float32 arithmetic), below and above the
// backend's threshold, written into the right operand itself and into a
// strided view, with a right operand of another shape in between; wrong
// shapes are refused.
func TestLeft32MatchesMul32(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, size := range [][3]int{{7, 5, 3}, {64, 64, 40}, {300, 200, 150}, {300, 300, 150}} {
		m, k, n := size[0], size[1], size[2]
		a := random(rng, m, k)
		l := NewLeft32(a)
		calls := backendCalls.Load()
		for _, cols := range []int{n, n + 9, n} {
			b := random(rng, k, cols)
			want := Mul32(a, false, b, false)
			dst := mat.NewDense(m, cols+4, nil).Slice(0, m, 2, cols+2).(*mat.Dense)
			if err := l.MulTo(dst, b); err != nil {
				t.Fatal(err)
			}
			if d := maxDiff(dst, want); d != 0 {
				t.Errorf("%v, %d columns: differs from Mul32 by %g", size, cols, d)
			}
			if m == k {
				if err := l.MulTo(b, b); err != nil {
					t.Fatal(err)
				}
				if d := maxDiff(b, want); d != 0 {
					t.Errorf("%v in place: differs from Mul32 by %g", size, d)
				}
			}
		}
		if m*k*n >= smallProduct && backendCalls.Load() == calls {
			t.Errorf("%v: the products did not run on the backend", size)
		}
		if err := l.MulTo(mat.NewDense(m, n, nil), random(rng, k+1, n)); err == nil {
			t.Errorf("%v: a right operand of the wrong height was accepted", size)
		}
		l.Free()
	}
}

// products checks mul against gonum for every transposition, below and
// above the backend's threshold, and on a strided view.
func products(t *testing.T, mul func(a *mat.Dense, ta bool, b *mat.Dense, tb bool) *mat.Dense, tol float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	calls := backendCalls.Load()
	for _, size := range [][3]int{{7, 5, 3}, {300, 200, 150}} {
		m, k, n := size[0], size[1], size[2]
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				a, b := random(rng, m, k), random(rng, k, n)
				if ta {
					a = mat.DenseCopyOf(a.T())
				}
				if tb {
					b = mat.DenseCopyOf(b.T())
				}
				var ma, mb mat.Matrix = a, b
				if ta {
					ma = a.T()
				}
				if tb {
					mb = b.T()
				}
				var want mat.Dense
				want.Mul(ma, mb)
				got := mul(a, ta, b, tb)
				if r, c := got.Dims(); r != m || c != n {
					t.Fatalf("%v ta=%v tb=%v: %dx%d", size, ta, tb, r, c)
				}
				if d := maxDiff(got, &want); d > tol {
					t.Errorf("%v ta=%v tb=%v: differs from gonum by %g", size, ta, tb, d)
				}
			}
		}
	}
	if got := backendCalls.Load() - calls; got != 4 {
		t.Errorf("the backend ran %d products, want the 4 large ones", got)
	}
	// a view with a stride (a column slice) is read as the matrix it shows
	big := random(rng, 300, 400)
	view := big.Slice(0, 300, 100, 300).(*mat.Dense)
	b := random(rng, 200, 120)
	var want mat.Dense
	want.Mul(view, b)
	if d := maxDiff(mul(view, false, b, false), &want); d > tol {
		t.Errorf("strided view: differs from gonum by %g", d)
	}
}

// TestShiftedSolves: Q T Qᵀ reproduces K with Q orthogonal, and
// Q (T + λI)⁻¹ Qᵀ and its diagonal equal (K + λI)⁻¹ from gonum's Cholesky
// inverse, for a rank-deficient positive semi-definite K (more images than
// features, as a narrow layer gives).
func TestShiftedSolves(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, f, v = 120, 40, 9
	x := random(rng, n, f)
	k := mat.NewSymDense(n, nil)
	k.SymOuterK(1, x)
	tri := Reduce(k)
	checkReduction(t, k, tri, 1e-9)
	y := random(rng, n, v)
	for _, lambda := range []float64{1e-3, 0.7, 50} {
		s, err := tri.Shift(lambda)
		if err != nil {
			t.Fatal(err)
		}
		w := Mul(tri.Q, true, y, false)
		s.Solve(w)
		got := Mul(tri.Q, false, w, false)
		g := mat.NewSymDense(n, nil)
		g.CopySym(k)
		for i := range n {
			g.SetSym(i, i, g.At(i, i)+lambda)
		}
		var ch mat.Cholesky
		if !ch.Factorize(g) {
			t.Fatal("Cholesky failed")
		}
		var inv mat.SymDense
		if err := ch.InverseTo(&inv); err != nil {
			t.Fatal(err)
		}
		var want mat.Dense
		want.Mul(&inv, y)
		if d := maxDiff(got, &want); d > 1e-8*mat.Norm(&want, math.Inf(1)) {
			t.Errorf("λ=%g: (K+λI)⁻¹Y differs from gonum's by %g", lambda, d)
		}
		diag := tri.InverseDiagonal(s)
		for i := range n {
			if d := math.Abs(diag[i] - inv.At(i, i)); d > 1e-8*inv.At(i, i) {
				t.Errorf("λ=%g: inverse diagonal %d = %g, gonum %g", lambda, i, diag[i], inv.At(i, i))
				break
			}
		}
	}
	// a shift that leaves the matrix indefinite is refused
	if _, err := tri.Shift(-2 * mat.Trace(k)); err == nil {
		t.Error("a negative definite shift was accepted")
	}
}

// checkReduction: Q is orthogonal and Q T Qᵀ reproduces k to tol of its
// norm.
func checkReduction(t *testing.T, k *mat.SymDense, tri *Tridiagonal, tol float64) {
	t.Helper()
	n := k.SymmetricDim()
	var qtq, recon mat.Dense
	qtq.Mul(tri.Q.T(), tri.Q)
	if d := maxDiff(&qtq, eye(n)); d > 1e-12 {
		t.Errorf("QᵀQ differs from I by %g", d)
	}
	tm := mat.NewDense(n, n, nil)
	for i := range n {
		tm.Set(i, i, tri.D[i])
		if i+1 < n {
			tm.Set(i, i+1, tri.E[i])
			tm.Set(i+1, i, tri.E[i])
		}
	}
	recon.Product(tri.Q, tm, tri.Q.T())
	if d := maxDiff(&recon, k); d > tol*mat.Norm(k, math.Inf(1)) {
		t.Errorf("Q T Qᵀ differs from K by %g", d)
	}
}

func eye(n int) *mat.Dense {
	m := mat.NewDense(n, n, nil)
	for i := range n {
		m.Set(i, i, 1)
	}
	return m
}
