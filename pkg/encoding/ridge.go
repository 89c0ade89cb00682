package encoding

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/decodingthoughts/decoding-thoughts/internal/linalg"
	"github.com/decodingthoughts/decoding-thoughts/internal/parallel"
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
	// cross-validation instead of folds, from the one tridiagonal reduction
	// of the training Gram matrix the fit needs anyway (with G = K + λI,
	// every left-out prediction is y_i − (G⁻¹y)_i/(G⁻¹)_ii, the hat matrix's
	// (ŷ_i − H_ii y_i)/(1 − H_ii)),
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
// chose. It is solved in the dual: with the training Gram matrix
// K = Xs Xsᵀ = Q T Qᵀ (T tridiagonal, Q orthogonal), a voxel's dual
// coefficients at penalty λ are α = (K + λI)⁻¹ y = Q (T + λI)⁻¹ Qᵀ y.
type Ridge struct {
	Lambda []float64 // per voxel, absolute (the Gram eigenvalue scale included)
	CV     []float64 // per voxel: the held-out prediction correlation at its penalty (mean over folds, or leave-one-out)
	mu, sd []float64 // feature standardisation (training)
	ymu    []float64 // response means (training)
	xs     *mat.Dense
	// x32 are the float32 training features of a fit by FitFeatures
	// (n x width, not copied), standardised on the fly.
	x32   []float32
	width int
	q     *mat.Dense // Q
	w     *mat.Dense // per voxel (T + λ_v I)⁻¹ Qᵀ y_v: n_train x voxels; α = Q w
}

// standardize returns X with each column centred and scaled by the
// training statistics (columns without variance are left at 0).
func standardize(x *mat.Dense, mu, sd []float64) *mat.Dense {
	out := mat.DenseCopyOf(x)
	r, _ := out.Dims()
	for i := range r {
		row := out.RawRowView(i)
		for j := range row {
			row[j] = (row[j] - mu[j]) / sd[j]
		}
	}
	return out
}

func columnStats(x *mat.Dense) (mu, sd []float64) {
	r, c := x.Dims()
	mu, ss := make([]float64, c), make([]float64, c)
	for i := range r {
		for j, v := range x.RawRowView(i) {
			mu[j] += v
			ss[j] += v * v
		}
	}
	return finishStats(mu, ss, r)
}

// finishStats turns per-column sums and sums of squares over n rows into
// means and standard deviations (in place of the sums), a constant
// column's deviation infinite so that it standardises to 0.
func finishStats(sum, ss []float64, n int) (mu, sd []float64) {
	for j := range sum {
		sum[j] /= float64(n)
		ss[j] = math.Sqrt(math.Max(ss[j]/float64(n)-sum[j]*sum[j], 0))
		if ss[j] == 0 {
			ss[j] = math.Inf(1) // a constant feature contributes 0
		}
	}
	return sum, ss
}

// gramBlock is how many feature columns StandardGrams standardises at once.
const gramBlock = 2048

// StandardGrams returns, for float32 features (rows: images; train n x
// width, test nt x width), the Gram matrix of the training features
// standardised by their own column statistics (K = Xs Xsᵀ, as FitRidge
// computes it) and the test images' products with them (Xs_test Xsᵀ), in
// float64, summed over blocks of columns so that no float64 copy of wide
// features is ever whole in memory. FitFeatures and PredictFeatures compute
// the same two products.
func StandardGrams(train, test []float32, n, nt, width int) (*mat.SymDense, *mat.Dense) {
	mu, sd := standardStats32(train, n, width)
	return standardGram(train, n, width, mu, sd), crossGram(test, nt, train, n, width, mu, sd)
}

// standardStats32 are the column means and deviations of float32 features
// (finishStats: a constant column's deviation is infinite).
func standardStats32(train []float32, n, width int) (mu, sd []float64) {
	sum, ss := make([]float64, width), make([]float64, width)
	for i := range n {
		for j, v := range train[i*width : (i+1)*width] {
			sum[j] += float64(v)
			ss[j] += float64(v) * float64(v)
		}
	}
	return finishStats(sum, ss, n)
}

// standardBlock is columns lo..hi of float32 features (rows x width),
// standardised, in float64.
func standardBlock(x []float32, rows, width, lo, hi int, mu, sd []float64) *mat.Dense {
	out := mat.NewDense(rows, hi-lo, nil)
	for i := range rows {
		row, src := out.RawRowView(i), x[i*width+lo:i*width+hi]
		for j, v := range src {
			row[j] = (float64(v) - mu[lo+j]) / sd[lo+j]
		}
	}
	return out
}

// standardGram is Xs Xsᵀ of the standardised training features, summed
// over blocks of gramBlock columns.
func standardGram(train []float32, n, width int, mu, sd []float64) *mat.SymDense {
	k := mat.NewDense(n, n, nil)
	for lo := 0; lo < width; lo += gramBlock {
		hi := min(lo+gramBlock, width)
		xs := standardBlock(train, n, width, lo, hi, mu, sd)
		k.Add(k, linalg.Mul(xs, false, xs, true))
	}
	return mat.NewSymDense(n, k.RawMatrix().Data)
}

// crossGram is Xs_new Xsᵀ: new images' standardised features times the
// training ones, summed over the same blocks as standardGram.
func crossGram(x []float32, nx int, train []float32, n, width int, mu, sd []float64) *mat.Dense {
	kt := mat.NewDense(nx, n, nil)
	for lo := 0; lo < width; lo += gramBlock {
		hi := min(lo+gramBlock, width)
		kt.Add(kt, linalg.Mul(standardBlock(x, nx, width, lo, hi, mu, sd), false, standardBlock(train, n, width, lo, hi, mu, sd), true))
	}
	return kt
}

// dual is the pieces every penalty's fit is computed from: the Gram
// matrix's tridiagonal reduction K = Q T Qᵀ (one O(n³) reduction; each
// penalty then costs a tridiagonal solve and one product with Q) and Qᵀ Y.
type dual struct {
	tri *linalg.Tridiagonal
	z   *mat.Dense // Qᵀ Y: n x voxels
}

func newDual(k *mat.SymDense, y *mat.Dense) *dual {
	tri := linalg.Reduce(k)
	return &dual{tri: tri, z: linalg.Mul(tri.Q, true, y, false)}
}

// coef is (T + λI)⁻¹ Qᵀ Y for the voxel columns cols (all when nil).
func (d *dual) coef(s *linalg.Shifted, cols []int) *mat.Dense {
	var w *mat.Dense
	if cols == nil {
		w = mat.DenseCopyOf(d.z)
	} else {
		n, _ := d.z.Dims()
		w = mat.NewDense(n, len(cols), nil)
		for i := range n {
			row, src := w.RawRowView(i), d.z.RawRowView(i)
			for k, v := range cols {
				row[k] = src[v]
			}
		}
	}
	s.Solve(w)
	return w
}

// leaveOneOut is every voxel's correlation between its left-out
// predictions and its (centred) responses y at penalty l: with
// G = K + λI and α = G⁻¹ y, image i's prediction from the others is
// y_i − α_i / (G⁻¹)_ii (the hat matrix H = K G⁻¹ = I − λG⁻¹ turns the
// usual (ŷ_i − H_ii y_i)/(1 − H_ii) into this). q holds Q in float32 and w
// is an n x voxels buffer (overwritten), both reused across penalties.
func (d *dual) leaveOneOut(l float64, y *mat.Dense, q *linalg.Left32, w *mat.Dense) ([]float64, error) {
	s, err := d.tri.Shift(l)
	if err != nil {
		return nil, err
	}
	w.Copy(d.z)
	s.Solve(w)
	ginv := d.tri.InverseDiagonal(s)
	n, _ := y.Dims()
	// float32 product: the values only choose the penalty (and are
	// reported as CV), to about 1e-6; w becomes α
	if err := q.MulTo(w, w); err != nil {
		return nil, err
	}
	for i := range n {
		row, yi := w.RawRowView(i), y.RawRowView(i)
		f := 1 / ginv[i]
		for v := range row {
			row[v] = yi[v] - row[v]*f
		}
	}
	return columnCorrelations(w, y), nil
}

// FitRidge fits every voxel (a column of y) on x (rows: training images),
// choosing each voxel's penalty by k-fold cross-validation (the held-out
// prediction correlation, averaged over folds).
func FitRidge(x, y *mat.Dense, opt RidgeOptions) (*Ridge, error) {
	if err := opt.Validate(); err != nil { // before the Gram matrix's product
		return nil, err
	}
	n, _ := x.Dims()
	if ny, _ := y.Dims(); ny != n {
		return nil, fmt.Errorf("encoding: %d feature rows, %d response rows", n, ny)
	}
	mu, sd := columnStats(x)
	xs := standardize(x, mu, sd)
	g := linalg.Mul(xs, false, xs, true)
	r, err := FitRidgeGram(mat.NewSymDense(n, g.RawMatrix().Data), y, opt)
	if err != nil {
		return nil, err
	}
	r.mu, r.sd, r.xs = mu, sd, xs
	return r, nil
}

// FitRidgeGram is FitRidge from the Gram matrix of the standardised
// training features (K = Xs Xsᵀ, e.g. StandardGrams'): the fit only needs
// K, so wide features need not be held in float64. Its Ridge predicts with
// PredictGram.
func FitRidgeGram(gram *mat.SymDense, y *mat.Dense, opt RidgeOptions) (*Ridge, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	n := gram.SymmetricDim()
	ny, voxels := y.Dims()
	if ny != n {
		return nil, fmt.Errorf("encoding: %d training images in the Gram matrix, %d response rows", n, ny)
	}
	folds := opt.Folds
	if folds == 0 {
		folds = 5
	}
	if n < 2*folds {
		return nil, fmt.Errorf("encoding: %d training images for %d folds", n, folds)
	}
	r := &Ridge{}
	r.ymu = make([]float64, voxels)
	yc := mat.DenseCopyOf(y)
	for i := range n {
		for v, x := range yc.RawRowView(i) {
			r.ymu[v] += x
		}
	}
	for v := range r.ymu {
		r.ymu[v] /= float64(n)
	}
	for i := range n {
		row := yc.RawRowView(i)
		for v := range row {
			row[v] -= r.ymu[v]
		}
	}
	scale := mat.Trace(gram) / float64(n) // mean eigenvalue
	if !(scale > 0) {
		return nil, fmt.Errorf("encoding: the features do not vary across the training images")
	}
	lambdas := opt.lambdas()
	if opt.LeaveOneOut {
		folds = 0
	}
	// The full fit's reduction and the folds' (serial LAPACK each) run
	// side by side: task 0 is the full fit, task f+1 fold f; each writes
	// its own results, summed in fold order below.
	var full *dual
	foldCV := make([][][]float64, folds) // fold -> penalty -> voxel
	errs := make([]error, folds+1)
	perm := rand.New(rand.NewPCG(opt.Seed, 0xf01d)).Perm(n)
	parallel.For(folds+1, func(task int) {
		if task == 0 {
			full = newDual(gram, yc)
			return
		}
		foldCV[task-1], errs[task] = foldFit(gram, yc, perm, task-1, folds, lambdas, scale)
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	// held-out correlation per penalty and voxel: leave-one-out, or the
	// mean over k folds
	cv := make([][]float64, len(lambdas))
	var q *linalg.Left32
	var w *mat.Dense
	if opt.LeaveOneOut {
		q, w = linalg.NewLeft32(full.tri.Q), mat.NewDense(n, voxels, nil)
		defer q.Free()
	}
	for l, lam := range lambdas {
		if opt.LeaveOneOut {
			var err error
			if cv[l], err = full.leaveOneOut(lam*scale, yc, q, w); err != nil {
				return nil, fmt.Errorf("encoding: %w", err)
			}
			continue
		}
		cv[l] = make([]float64, voxels)
		for f := range folds {
			for v, c := range foldCV[f][l] {
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
	r.q = full.tri.Q
	r.w = mat.NewDense(n, voxels, nil)
	for l, vs := range byLambda {
		s, err := full.tri.Shift(lambdas[l] * scale)
		if err != nil {
			return nil, fmt.Errorf("encoding: %w", err)
		}
		w := full.coef(s, vs)
		for i := range n {
			dst, src := r.w.RawRowView(i), w.RawRowView(i)
			for k, v := range vs {
				dst[v] = src[k]
			}
		}
	}
	return r, nil
}

// foldFit is fold f of folds (the images at positions k ≡ f mod folds of
// perm held out): the held-out prediction correlation per penalty and
// voxel, from Kva Q (T + λI)⁻¹ Qᵀ Y (Kva Q once, then one solve and one
// product per penalty).
func foldFit(gram *mat.SymDense, yc *mat.Dense, perm []int, f, folds int, lambdas []float64, scale float64) ([][]float64, error) {
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
	d := newDual(ktr, rows(yc, tr))
	yva := rows(yc, va)
	kvaQ := linalg.Mul(kva, false, d.tri.Q, false)
	out := make([][]float64, len(lambdas))
	for l, lam := range lambdas {
		s, err := d.tri.Shift(lam * scale)
		if err != nil {
			return nil, fmt.Errorf("encoding: fold %d: %w", f+1, err)
		}
		pred := linalg.Mul32(kvaQ, false, d.coef(s, nil), false) // as in leaveOneOut
		out[l] = columnCorrelations(pred, yva)
	}
	return out, nil
}

// FitFeatures is FitRidge from float32 features (train: n images x width,
// row-major), the Gram matrix summed over blocks of columns (StandardGrams)
// so that wide features (CNN layers) are never whole in float64. It is the
// encoding score's one fit: the encoding analysis (Run, on the Gabor
// features) and the layer-wise comparison (every layer) both call it, so
// the same features and voxels give the same scores. train is kept (not
// copied) for PredictFeatures, Predict and Weights.
func FitFeatures(train []float32, n, width int, y *mat.Dense, opt RidgeOptions) (*Ridge, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if len(train) != n*width {
		return nil, fmt.Errorf("encoding: %d feature values for %d images x %d", len(train), n, width)
	}
	mu, sd := standardStats32(train, n, width)
	r, err := FitRidgeGram(standardGram(train, n, width, mu, sd), y, opt)
	if err != nil {
		return nil, err
	}
	r.mu, r.sd, r.x32, r.width = mu, sd, train, width
	return r, nil
}

// PredictFeatures returns the predicted responses of nt new images from
// their float32 features (a fit by FitFeatures).
func (r *Ridge) PredictFeatures(test []float32, nt int) *mat.Dense {
	n, _ := r.q.Dims()
	return r.PredictGram(crossGram(test, nt, r.x32, n, r.width, r.mu, r.sd))
}

// Predict returns the predicted responses (rows: images) for new features
// (a fit by FitRidge or FitFeatures): PredictGram of Xs_new Xsᵀ.
func (r *Ridge) Predict(x *mat.Dense) *mat.Dense {
	if r.x32 != nil {
		nx, c := x.Dims()
		x32 := make([]float32, 0, nx*c)
		for i := range nx {
			for _, v := range x.RawRowView(i) {
				x32 = append(x32, float32(v))
			}
		}
		return r.PredictFeatures(x32, nx)
	}
	return r.PredictGram(linalg.Mul(standardize(x, r.mu, r.sd), false, r.xs, true))
}

// PredictGram returns the predicted responses for new images from their
// standardised features' products with the training ones (kt: new images x
// training images, Xs_new Xsᵀ): kt Q w plus the training means.
func (r *Ridge) PredictGram(kt *mat.Dense) *mat.Dense {
	out := linalg.Mul(linalg.Mul(kt, false, r.q, false), false, r.w, false)
	rr, c := out.Dims()
	for i := range rr {
		row := out.RawRowView(i)
		for v := range c {
			row[v] += r.ymu[v]
		}
	}
	return out
}

// Weights returns the primal weights on the standardised features
// (features x voxels): Xsᵀ Q w (a fit by FitRidge or FitFeatures).
func (r *Ridge) Weights() *mat.Dense {
	xs := r.xs
	if r.x32 != nil {
		n, _ := r.q.Dims()
		xs = standardBlock(r.x32, n, r.width, 0, r.width, r.mu, r.sd)
	}
	return linalg.Mul(xs, true, linalg.Mul(r.q, false, r.w, false), false)
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
// the same column of b (NaN where either is constant), as stats.Pearson
// computes it, row by row.
func columnCorrelations(a, b *mat.Dense) []float64 {
	n, c := a.Dims()
	if n < 2 {
		out := make([]float64, c)
		for v := range out {
			out[v] = math.NaN()
		}
		return out
	}
	ma, mb := make([]float64, c), make([]float64, c)
	for i := range n {
		ra, rb := a.RawRowView(i), b.RawRowView(i)
		for v := range c {
			ma[v] += ra[v]
			mb[v] += rb[v]
		}
	}
	for v := range c {
		ma[v] /= float64(n)
		mb[v] /= float64(n)
	}
	sab, saa, sbb := make([]float64, c), make([]float64, c), make([]float64, c)
	for i := range n {
		ra, rb := a.RawRowView(i), b.RawRowView(i)
		for v := range c {
			da, db := ra[v]-ma[v], rb[v]-mb[v]
			sab[v] += da * db
			saa[v] += da * da
			sbb[v] += db * db
		}
	}
	out := make([]float64, c)
	for v := range c {
		out[v] = math.NaN()
		if saa[v] != 0 && sbb[v] != 0 {
			out[v] = sab[v] / math.Sqrt(saa[v]*sbb[v])
		}
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
