package encoding

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// RidgeOptions set the voxel-wise ridge regression.
type RidgeOptions struct {
	// Lambdas are the penalties tried, as multiples of the mean eigenvalue
	// of the training Gram matrix (so the grid does not depend on the
	// features' scale); empty: 10^-3 ... 10^3 in decades.
	Lambdas []float64
	Folds   int    // cross-validation folds over the training images (default 5)
	Seed    uint64 // fold assignment
	// LeaveOneOut chooses each voxel's penalty by exact leave-one-out
	// cross-validation instead of folds, from the one eigendecomposition of
	// the training Gram matrix the fit needs anyway (the hat matrix's
	// diagonal gives every left-out prediction: (ŷ_i − H_ii y_i)/(1 − H_ii)),
	// with the features' standardisation and the responses' centring taken
	// from all training images, as generalized cross-validation does.
	// Several times cheaper than 5 folds; the layer-wise analysis uses it.
	LeaveOneOut bool
}

func (o RidgeOptions) lambdas() []float64 {
	if len(o.Lambdas) > 0 {
		return o.Lambdas
	}
	var out []float64
	for e := -3; e <= 3; e++ {
		out = append(out, math.Pow(10, float64(e)))
	}
	return out
}

// Validate refuses settings the fit cannot use.
func (o RidgeOptions) Validate() error {
	if o.Folds != 0 && o.Folds < 2 {
		return fmt.Errorf("encoding: %d folds: want at least 2", o.Folds)
	}
	for _, l := range o.Lambdas {
		if !(l > 0) || math.IsInf(l, 0) {
			return fmt.Errorf("encoding: ridge penalty %v: want a finite number > 0", l)
		}
	}
	return nil
}

// Ridge is a voxel-wise ridge regression from standardised features to
// centred responses, each voxel with the penalty its cross-validation
// chose.
type Ridge struct {
	Lambda []float64 // per voxel, absolute (the Gram eigenvalue scale included)
	CV     []float64 // per voxel: mean over folds of the held-out prediction correlation at its penalty
	mu, sd []float64 // feature standardisation (training)
	ymu    []float64 // response means (training)
	xs     *mat.Dense
	alpha  *mat.Dense // dual coefficients: n_train x voxels; prediction = Xs_new Xs^T alpha
}

// standardize returns X with each column centred and scaled by the
// training statistics (columns without variance are left at 0).
func standardize(x *mat.Dense, mu, sd []float64) *mat.Dense {
	r, c := x.Dims()
	out := mat.NewDense(r, c, nil)
	for i := range r {
		for j := range c {
			out.Set(i, j, (x.At(i, j)-mu[j])/sd[j])
		}
	}
	return out
}

func columnStats(x *mat.Dense) (mu, sd []float64) {
	r, c := x.Dims()
	mu, sd = make([]float64, c), make([]float64, c)
	for j := range c {
		var s, ss float64
		for i := range r {
			v := x.At(i, j)
			s += v
			ss += v * v
		}
		mu[j] = s / float64(r)
		sd[j] = math.Sqrt(math.Max(ss/float64(r)-mu[j]*mu[j], 0))
		if sd[j] == 0 {
			sd[j] = math.Inf(1) // a constant feature contributes 0
		}
	}
	return mu, sd
}

// kernelRidge solves the dual ridge problem through one eigendecomposition
// of the Gram matrix K = X X^T = U diag(e) U^T (X's SVD: U and e = s^2):
// for a penalty l, alpha = U diag(1/(e+l)) U^T Y and predictions on new
// rows are (Xnew X^T) alpha. It returns the pieces to evaluate any penalty.
type kernelRidge struct {
	u   *mat.Dense // n x n eigenvectors
	e   []float64  // eigenvalues (>= 0)
	uty *mat.Dense // U^T Y: n x voxels
}

func newKernelRidge(k *mat.SymDense, y *mat.Dense) (*kernelRidge, error) {
	var eig mat.EigenSym
	if !eig.Factorize(k, true) {
		return nil, fmt.Errorf("encoding: the Gram matrix's eigendecomposition did not converge")
	}
	kr := &kernelRidge{u: &mat.Dense{}, e: eig.Values(nil)}
	eig.VectorsTo(kr.u)
	for i, v := range kr.e {
		kr.e[i] = math.Max(v, 0)
	}
	kr.uty = &mat.Dense{}
	kr.uty.Mul(kr.u.T(), y)
	return kr, nil
}

// alpha is U diag(1/(e+l)) U^T Y restricted to the given voxel columns.
func (kr *kernelRidge) alpha(l float64, cols []int) *mat.Dense {
	n := len(kr.e)
	scaled := mat.NewDense(n, len(cols), nil)
	for i := range n {
		f := 1 / (kr.e[i] + l)
		for k, v := range cols {
			scaled.Set(i, k, kr.uty.At(i, v)*f)
		}
	}
	out := &mat.Dense{}
	out.Mul(kr.u, scaled)
	return out
}

// leaveOneOut is every voxel's correlation between its left-out
// predictions and its (centred) responses y at penalty l: with the hat
// matrix H = U diag(e/(e+l)) Uᵀ and ŷ = H y, image i's prediction without
// it is (ŷ_i − H_ii y_i)/(1 − H_ii).
func (kr *kernelRidge) leaveOneOut(l float64, y *mat.Dense) []float64 {
	n, voxels := y.Dims()
	shrink := make([]float64, n)
	for k, e := range kr.e {
		shrink[k] = e / (e + l)
	}
	scaled := mat.NewDense(n, voxels, nil)
	for k := range n {
		row, src := scaled.RawRowView(k), kr.uty.RawRowView(k)
		for v := range row {
			row[v] = src[v] * shrink[k]
		}
	}
	yhat := &mat.Dense{}
	yhat.Mul(kr.u, scaled)
	for i := range n {
		var h float64
		for k, u := range kr.u.RawRowView(i) {
			h += u * u * shrink[k]
		}
		row, yi := yhat.RawRowView(i), y.RawRowView(i)
		for v := range row {
			row[v] = (row[v] - h*yi[v]) / (1 - h)
		}
	}
	return columnCorrelations(yhat, y)
}

// FitRidge fits every voxel (a column of y) on x (rows: training images),
// choosing each voxel's penalty by k-fold cross-validation (the held-out
// prediction correlation, averaged over folds).
func FitRidge(x, y *mat.Dense, opt RidgeOptions) (*Ridge, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	n, _ := x.Dims()
	ny, voxels := y.Dims()
	if ny != n {
		return nil, fmt.Errorf("encoding: %d feature rows, %d response rows", n, ny)
	}
	folds := opt.Folds
	if folds == 0 {
		folds = 5
	}
	if n < 2*folds {
		return nil, fmt.Errorf("encoding: %d training images for %d folds", n, folds)
	}
	r := &Ridge{}
	r.mu, r.sd = columnStats(x)
	xs := standardize(x, r.mu, r.sd)
	r.ymu = make([]float64, voxels)
	yc := mat.NewDense(n, voxels, nil)
	for v := range voxels {
		s := 0.0
		for i := range n {
			s += y.At(i, v)
		}
		r.ymu[v] = s / float64(n)
		for i := range n {
			yc.Set(i, v, y.At(i, v)-r.ymu[v])
		}
	}
	gram := mat.NewSymDense(n, nil)
	gram.SymOuterK(1, xs)
	scale := mat.Trace(gram) / float64(n) // mean eigenvalue
	if !(scale > 0) {
		return nil, fmt.Errorf("encoding: the features do not vary across the training images")
	}
	lambdas := opt.lambdas()
	kr, err := newKernelRidge(gram, yc)
	if err != nil {
		return nil, err
	}
	// held-out correlation per penalty and voxel: leave-one-out, or the
	// mean over k folds
	cv := make([][]float64, len(lambdas))
	for l, lam := range lambdas {
		if opt.LeaveOneOut {
			cv[l] = kr.leaveOneOut(lam*scale, yc)
		} else {
			cv[l] = make([]float64, voxels)
		}
	}
	if opt.LeaveOneOut {
		folds = 0
	}
	perm := rand.New(rand.NewPCG(opt.Seed, 0xf01d)).Perm(n)
	for f := range folds {
		var tr, va []int
		for k, i := range perm {
			if k%folds == f {
				va = append(va, i)
			} else {
				tr = append(tr, i)
			}
		}
		ktr := mat.NewSymDense(len(tr), nil)
		for a, i := range tr {
			for b := a; b < len(tr); b++ {
				ktr.SetSym(a, b, gram.At(i, tr[b]))
			}
		}
		kva := mat.NewDense(len(va), len(tr), nil)
		for a, i := range va {
			for b, j := range tr {
				kva.Set(a, b, gram.At(i, j))
			}
		}
		kr, err := newKernelRidge(ktr, rows(yc, tr))
		if err != nil {
			return nil, err
		}
		yva := rows(yc, va)
		// held-out predictions Kva U diag(1/(e+l)) U^T Y: Kva U once, then
		// one product per penalty
		kvaU := &mat.Dense{}
		kvaU.Mul(kva, kr.u)
		scaled := mat.NewDense(len(va), len(tr), nil)
		for l, lam := range lambdas {
			for a := range len(va) {
				for b := range len(tr) {
					scaled.Set(a, b, kvaU.At(a, b)/(kr.e[b]+lam*scale))
				}
			}
			pred := &mat.Dense{}
			pred.Mul(scaled, kr.uty)
			for v, c := range columnCorrelations(pred, yva) {
				cv[l][v] += c / float64(folds)
			}
		}
	}
	r.Lambda, r.CV = make([]float64, voxels), make([]float64, voxels)
	byLambda := map[int][]int{}
	for v := range voxels {
		best := 0
		for l := range lambdas {
			if !math.IsNaN(cv[l][v]) && (math.IsNaN(cv[best][v]) || cv[l][v] > cv[best][v]) {
				best = l
			}
		}
		r.Lambda[v], r.CV[v] = lambdas[best]*scale, cv[best][v]
		byLambda[best] = append(byLambda[best], v)
	}
	r.xs = xs
	r.alpha = mat.NewDense(n, voxels, nil)
	for l, vs := range byLambda {
		a := kr.alpha(lambdas[l]*scale, vs)
		for k, v := range vs {
			for i := range n {
				r.alpha.Set(i, v, a.At(i, k))
			}
		}
	}
	return r, nil
}

// Predict returns the predicted responses (rows: images) for new features.
func (r *Ridge) Predict(x *mat.Dense) *mat.Dense {
	xs := standardize(x, r.mu, r.sd)
	k := &mat.Dense{}
	k.Mul(xs, r.xs.T())
	out := &mat.Dense{}
	out.Mul(k, r.alpha)
	rr, c := out.Dims()
	for i := range rr {
		for v := range c {
			out.Set(i, v, out.At(i, v)+r.ymu[v])
		}
	}
	return out
}

// Weights returns the primal weights on the standardised features
// (features x voxels): Xs^T alpha.
func (r *Ridge) Weights() *mat.Dense {
	w := &mat.Dense{}
	w.Mul(r.xs.T(), r.alpha)
	return w
}

func rows(m *mat.Dense, idx []int) *mat.Dense {
	_, c := m.Dims()
	out := mat.NewDense(len(idx), c, nil)
	for a, i := range idx {
		out.SetRow(a, m.RawRowView(i))
	}
	return out
}

// columnCorrelations is the Pearson correlation of each column of a with
// the same column of b (NaN where either is constant).
func columnCorrelations(a, b *mat.Dense) []float64 {
	n, c := a.Dims()
	out := make([]float64, c)
	x, y := make([]float64, n), make([]float64, n)
	for v := range c {
		for i := range n {
			x[i], y[i] = a.At(i, v), b.At(i, v)
		}
		out[v] = stats.Pearson(x, y)
	}
	return out
}

// best returns the indices of the k largest finite values, largest first.
func best(values []float64, k int) []int {
	var idx []int
	for i, v := range values {
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return values[idx[a]] > values[idx[b]] })
	if k < len(idx) {
		idx = idx[:k]
	}
	return idx
}
