package synth

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"
)

// TestFFT2MatchesTheDFT: the 2-D transform and its inverse, on the radix-2
// path (powers of two) and gonum's (other sides), equal the DFT's sum
// X[v,u] = Σ x[y,x] exp(-2πi (vy + ux)/n) to 1e-12 of its scale, and the
// inverse brings the image back.
func TestFFT2MatchesTheDFT(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{2, 8, 16, 12, 32} {
		x := make([]complex128, n*n)
		for i := range x {
			x[i] = complex(rng.NormFloat64(), rng.NormFloat64())
		}
		want := make([]complex128, n*n)
		for v := range n {
			for u := range n {
				var s complex128
				for y := range n {
					for xx := range n {
						s += x[y*n+xx] * cmplx.Exp(complex(0, -2*math.Pi*float64(v*y+u*xx)/float64(n)))
					}
				}
				want[v*n+u] = s
			}
		}
		f := newFFT2(n)
		if radix := f.fft == nil; radix != (n&(n-1) == 0) {
			t.Errorf("n=%d: radix-2 path %v", n, radix)
		}
		got := append([]complex128(nil), x...)
		f.forward(got)
		worst := 0.0
		for i := range got {
			worst = math.Max(worst, cmplx.Abs(got[i]-want[i]))
		}
		if worst > 1e-12*float64(n*n) {
			t.Errorf("n=%d: forward differs from the DFT by %g", n, worst)
		}
		f.inverse(got)
		worst = 0
		for i := range got {
			worst = math.Max(worst, cmplx.Abs(got[i]-x[i]))
		}
		if worst > 1e-12 {
			t.Errorf("n=%d: inverse(forward(x)) differs from x by %g", n, worst)
		}
	}
}

func BenchmarkPyramidEnergy(b *testing.B) {
	p := newPyramid(128)
	img := make([]float32, 128*128)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img {
		img[i] = float32(rng.NormFloat64())
	}
	out := make([]float64, p.channels()*Grid*Grid)
	for b.Loop() {
		p.energy(img, out)
	}
}
