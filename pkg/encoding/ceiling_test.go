package encoding

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"

	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
)

// TestNoiseCeilingKnownAnswer: trials are a signal (s.d. sigma_s) plus
// independent noise (s.d. sigma_n); the ceiling must match the closed form
// sqrt(s^2 / (s^2 + n^2/R)) and the actual correlation of the planted signal
// with the trial mean (what the ceiling means), for several SNRs; one trial
// gives NaN, a voxel of pure noise a ceiling near 0.
func TestNoiseCeilingKnownAnswer(t *testing.T) {
	const images, trials = 400, 13
	sds := []float64{0.2, 0.5, 1, 3} // noise s.d.; the signal's is 1
	perVoxel := 25
	voxels := len(sds)*perVoxel + 1 // the last: no signal
	rng := rand.New(rand.NewPCG(3, 4))
	signal := make([]float64, images*voxels)
	data := make([]float32, trials*images*voxels)
	for i := range images {
		for v := range voxels {
			if v < voxels-1 {
				signal[i*voxels+v] = rng.NormFloat64()
			}
			sd := 1.0
			if v < voxels-1 {
				sd = sds[v/perVoxel]
			}
			for tr := range trials {
				data[(tr*images+i)*voxels+v] = float32(signal[i*voxels+v] + sd*rng.NormFloat64())
			}
		}
	}
	rep := &kay.Repeats{Trials: [2]int{1, trials}, Test: data, Train: data[:images*voxels]}
	nc := NoiseCeilings(rep, 1, images, voxels)
	for k, sd := range sds {
		want := math.Sqrt(1 / (1 + sd*sd/trials))
		var got, actual float64
		for v := k * perVoxel; v < (k+1)*perVoxel; v++ {
			got += nc[v] / float64(perVoxel)
			s, m := make([]float64, images), make([]float64, images)
			for i := range images {
				s[i] = signal[i*voxels+v]
				for tr := range trials {
					m[i] += float64(data[(tr*images+i)*voxels+v]) / trials
				}
			}
			actual += stats.Pearson(s, m) / float64(perVoxel)
		}
		t.Logf("noise s.d. %.1f: ceiling %.4f, closed form %.4f, actual r(signal, mean) %.4f", sd, got, want, actual)
		if math.Abs(got-want) > 0.01 || math.Abs(actual-want) > 0.01 {
			t.Errorf("noise s.d. %v: ceiling %.4f, actual %.4f, want %.4f", sd, got, actual, want)
		}
	}
	if c := nc[voxels-1]; c > 0.2 {
		t.Errorf("a voxel with no signal has ceiling %.3f, want near 0", c)
	}
	if c := NoiseCeilings(rep, 0, images, voxels)[0]; !math.IsNaN(c) {
		t.Errorf("one trial: ceiling %v, want NaN", c)
	}
}

// TestROIJSONRoundTrip: undefined ceilings and medians are null in JSON and
// read back as NaN; defined ones survive unchanged.
func TestROIJSONRoundTrip(t *testing.T) {
	nan := jsonnum.Float(math.NaN())
	isNaN := func(x jsonnum.Float) bool { return math.IsNaN(float64(x)) }
	in := Result{MedianR: nan, ROIs: []ROIAccuracy{{ROI: "V1", Median: 0.25, NoiseCeiling: nan, FractionOfCeiling: nan},
		{ROI: "V2", Median: 0.2, NoiseCeiling: 0.5, FractionOfCeiling: 0.4}}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"noise_ceiling":null`) || !strings.Contains(string(b), `"median_r":null`) {
		t.Errorf("JSON %s", b)
	}
	var out Result
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	a, c := out.ROIs[0], out.ROIs[1]
	if !isNaN(out.MedianR) || a.Median != 0.25 || !isNaN(a.NoiseCeiling) || !isNaN(a.FractionOfCeiling) || c.NoiseCeiling != 0.5 || c.FractionOfCeiling != 0.4 || a.ROI != "V1" {
		t.Errorf("round trip: %+v", out)
	}
}

// TestLeaveOneOutMatchesRefits: the leave-one-out penalty choice from the
// hat matrix equals refitting without each image in turn (the features'
// standardisation and the responses' centring fixed from all images, as
// documented): same correlation per voxel and penalty, same choice.
func TestLeaveOneOutMatchesRefits(t *testing.T) {
	const n, p, voxels = 40, 15, 3
	rng := rand.New(rand.NewPCG(7, 8))
	x, y := mat.NewDense(n, p, nil), mat.NewDense(n, voxels, nil)
	for i := range n {
		for j := range p {
			x.Set(i, j, rng.NormFloat64())
		}
		for v := range voxels {
			y.Set(i, v, float64(v+1)*x.At(i, v)+rng.NormFloat64()*float64(v+1))
		}
	}
	lams := []float64{0.01, 0.3, 3, 30}
	fit, err := FitRidge(x, y, RidgeOptions{Lambdas: lams, LeaveOneOut: true})
	if err != nil {
		t.Fatal(err)
	}
	mu, sd := columnStats(x)
	xs := standardize(x, mu, sd)
	gram := mat.NewSymDense(n, nil)
	gram.SymOuterK(1, xs)
	scale := mat.Trace(gram) / n
	for v := range voxels {
		yc := centredColumn(y, v)
		bestR, bestL := math.Inf(-1), 0.0
		for _, lam := range lams {
			pred := make([]float64, n)
			for i := range n {
				// primal ridge on the other images: (XᵀX + λI) w = Xᵀy
				a, b := mat.NewDense(p, p, nil), mat.NewVecDense(p, nil)
				for k := range n {
					if k == i {
						continue
					}
					row := xs.RawRowView(k)
					for r := range p {
						b.SetVec(r, b.AtVec(r)+row[r]*yc[k])
						for c := range p {
							a.Set(r, c, a.At(r, c)+row[r]*row[c])
						}
					}
				}
				for r := range p {
					a.Set(r, r, a.At(r, r)+lam*scale)
				}
				var w mat.VecDense
				if err := w.SolveVec(a, b); err != nil {
					t.Fatal(err)
				}
				pred[i] = mat.Dot(mat.NewVecDense(p, xs.RawRowView(i)), &w)
			}
			if r := stats.Pearson(pred, yc); r > bestR {
				bestR, bestL = r, lam*scale
			}
		}
		if math.Abs(fit.CV[v]-bestR) > 1e-9 || math.Abs(fit.Lambda[v]-bestL) > 1e-9*bestL {
			t.Errorf("voxel %d: leave-one-out r %.12f at penalty %g, refits %.12f at %g", v, fit.CV[v], fit.Lambda[v], bestR, bestL)
		}
	}
}

// TestRidgeAtSizeMatchesDirectSolve: at a size whose products run on the
// GoMLX backend (internal/linalg), one penalty's leave-one-out correlations
// equal the closed form from gonum's inverse of G = K + λI (left-out
// prediction y_i − (G⁻¹y)_i/(G⁻¹)_ii) to 1e-6 (the penalty search's
// products run in float32 there; about 1e-7 seen), and the test predictions
// equal the primal ridge solved directly (float64 throughout).
func TestRidgeAtSizeMatchesDirectSolve(t *testing.T) {
	const n, p, voxels, nt = 300, 50, 200, 20
	rng := rand.New(rand.NewPCG(9, 10))
	x, xt, y := mat.NewDense(n, p, nil), mat.NewDense(nt, p, nil), mat.NewDense(n, voxels, nil)
	for _, m := range []*mat.Dense{x, xt} {
		r, _ := m.Dims()
		for i := range r {
			for j := range p {
				m.Set(i, j, rng.NormFloat64()+0.1*float64(j))
			}
		}
	}
	for i := range n {
		for v := range voxels {
			y.Set(i, v, x.At(i, v%p)*float64(v%3)+rng.NormFloat64())
		}
	}
	const lam = 0.05
	fit, err := FitRidge(x, y, RidgeOptions{Lambdas: []float64{lam}, LeaveOneOut: true})
	if err != nil {
		t.Fatal(err)
	}
	mu, sd := columnStats(x)
	xs := standardize(x, mu, sd)
	k := mat.NewSymDense(n, nil)
	k.SymOuterK(1, xs)
	l := lam * mat.Trace(k) / n
	for i := range n {
		k.SetSym(i, i, k.At(i, i)+l)
	}
	var ch mat.Cholesky
	if !ch.Factorize(k) {
		t.Fatal("Cholesky failed")
	}
	var ginv mat.SymDense
	if err := ch.InverseTo(&ginv); err != nil {
		t.Fatal(err)
	}
	for v := range voxels {
		yc := centredColumn(y, v)
		var alpha mat.VecDense
		alpha.MulVec(&ginv, mat.NewVecDense(n, yc))
		loo := make([]float64, n)
		for i := range n {
			loo[i] = yc[i] - alpha.AtVec(i)/ginv.At(i, i)
		}
		if want := stats.Pearson(loo, yc); math.Abs(fit.CV[v]-want) > 1e-6 {
			t.Errorf("voxel %d: leave-one-out r %.12f, closed form %.12f", v, fit.CV[v], want)
		}
	}
	// primal: w = (XsᵀXs + lI)⁻¹ Xsᵀ yc
	a := mat.NewDense(p, p, nil)
	a.Mul(xs.T(), xs)
	for j := range p {
		a.Set(j, j, a.At(j, j)+l)
	}
	yc := mat.DenseCopyOf(y)
	for v := range voxels {
		yc.SetCol(v, centredColumn(y, v))
	}
	var rhs, w, want mat.Dense
	rhs.Mul(xs.T(), yc)
	if err := w.Solve(a, &rhs); err != nil {
		t.Fatal(err)
	}
	want.Mul(standardize(xt, mu, sd), &w)
	got := fit.Predict(xt)
	for i := range nt {
		for v := range voxels {
			if d := math.Abs(got.At(i, v) - fit.ymu[v] - want.At(i, v)); d > 1e-8 {
				t.Fatalf("prediction (%d, %d) differs from the primal solve by %g", i, v, d)
			}
		}
	}
}

// TestStandardGramsMatchFitRidge: the Gram matrices StandardGrams sums over
// blocks of columns (here 2500 features: two blocks, a constant column
// among them) equal those of the float64 features standardised whole, and
// FitRidgeGram with PredictGram gives FitRidge's penalties, held-out
// correlations and predictions.
func TestStandardGramsMatchFitRidge(t *testing.T) {
	const n, nt, width, voxels = 30, 6, 2500, 4
	rng := rand.New(rand.NewPCG(12, 13))
	train, test := make([]float32, n*width), make([]float32, nt*width)
	for i := range train {
		train[i] = float32(rng.NormFloat64() + float64(i%width%7))
	}
	for i := range test {
		test[i] = float32(rng.NormFloat64())
	}
	for i := range n {
		train[i*width+3] = 2 // constant
	}
	x64 := func(x []float32, rows int) *mat.Dense {
		m := mat.NewDense(rows, width, nil)
		for i, v := range x {
			m.RawMatrix().Data[i] = float64(v)
		}
		return m
	}
	x, xt := x64(train, n), x64(test, nt)
	y := mat.NewDense(n, voxels, nil)
	for i := range n {
		for v := range voxels {
			y.Set(i, v, x.At(i, v*5)+rng.NormFloat64())
		}
	}
	opt := RidgeOptions{LeaveOneOut: true}
	want, err := FitRidge(x, y, opt)
	if err != nil {
		t.Fatal(err)
	}
	k, kt := StandardGrams(train, test, n, nt, width)
	mu, sd := columnStats(x)
	xs := standardize(x, mu, sd)
	var wk, wkt mat.Dense
	wk.Mul(xs, xs.T())
	wkt.Mul(standardize(xt, mu, sd), xs.T())
	for i := range n {
		for j := range n {
			if d := math.Abs(k.At(i, j) - wk.At(i, j)); d > 1e-9*math.Abs(wk.At(i, i)) {
				t.Fatalf("Gram (%d, %d): %v, whole %v", i, j, k.At(i, j), wk.At(i, j))
			}
		}
		for a := range nt {
			if d := math.Abs(kt.At(a, i) - wkt.At(a, i)); d > 1e-9*math.Abs(wk.At(i, i)) {
				t.Fatalf("test products (%d, %d): %v, whole %v", a, i, kt.At(a, i), wkt.At(a, i))
			}
		}
	}
	got, err := FitRidgeGram(k, y, opt)
	if err != nil {
		t.Fatal(err)
	}
	for v := range voxels {
		if got.Lambda[v] != want.Lambda[v] && math.Abs(got.Lambda[v]-want.Lambda[v]) > 1e-9*want.Lambda[v] || math.Abs(got.CV[v]-want.CV[v]) > 1e-9 {
			t.Errorf("voxel %d: penalty %g r %v, FitRidge %g r %v", v, got.Lambda[v], got.CV[v], want.Lambda[v], want.CV[v])
		}
	}
	pg, pw := got.PredictGram(kt), want.Predict(xt)
	for a := range nt {
		for v := range voxels {
			if d := math.Abs(pg.At(a, v) - pw.At(a, v)); d > 1e-8 {
				t.Errorf("prediction (%d, %d): %v, FitRidge %v", a, v, pg.At(a, v), pw.At(a, v))
			}
		}
	}
}

// centredColumn is column v of y minus its mean.
func centredColumn(y *mat.Dense, v int) []float64 {
	n, _ := y.Dims()
	out := make([]float64, n)
	var m float64
	for i := range n {
		m += y.At(i, v) / float64(n)
	}
	for i := range n {
		out[i] = y.At(i, v) - m
	}
	return out
}
