package synth

import (
	"math"
	"math/bits"

	"gonum.org/v1/gonum/dsp/fourier"
)

// fft2 transforms n x n complex images in place; one value per worker.
// Sides that are powers of two (every working resolution of the pyramid
// and the generator's 128-pixel images) use an iterative radix-2 transform
// with precomputed twiddles, rows then (after a transpose) columns; other
// sides use gonum's mixed-radix transform.
type fft2 struct {
	n        int
	fft      *fourier.CmplxFFT // sides that are not powers of two
	row, out []complex128
	rev      []int        // bit reversal of the indices
	tw, itw  []complex128 // exp(∓2πik/n), k < n/2: forward, inverse
}

func newFFT2(n int) *fft2 {
	f := &fft2{n: n, row: make([]complex128, n), out: make([]complex128, n)}
	if n < 2 || n&(n-1) != 0 {
		f.fft = fourier.NewCmplxFFT(n)
		return f
	}
	shift := 64 - bits.TrailingZeros(uint(n))
	f.rev = make([]int, n)
	for i := range n {
		f.rev[i] = int(bits.Reverse64(uint64(i)) >> shift)
	}
	f.tw, f.itw = make([]complex128, n/2), make([]complex128, n/2)
	for k := range f.tw {
		s, c := math.Sincos(-2 * math.Pi * float64(k) / float64(n))
		f.tw[k], f.itw[k] = complex(c, s), complex(c, -s)
	}
	return f
}

// forward replaces a (row-major n x n) with its 2-D DFT.
func (f *fft2) forward(a []complex128) {
	if f.fft != nil {
		f.apply(a, f.fft.Coefficients)
		return
	}
	f.radix2(a, false)
}

// inverse replaces a with its inverse 2-D DFT, normalised by 1/n².
func (f *fft2) inverse(a []complex128) {
	f.unscaledInverse(a)
	s := complex(1/float64(f.n*f.n), 0)
	for i := range a {
		a[i] *= s
	}
}

// unscaledInverse is inverse without the 1/n² (n² times the inverse).
func (f *fft2) unscaledInverse(a []complex128) {
	if f.fft != nil {
		f.apply(a, f.fft.Sequence)
		return
	}
	f.radix2(a, true)
}

func (f *fft2) apply(a []complex128, op func(dst, src []complex128) []complex128) {
	n := f.n
	for r := range n {
		op(f.out, a[r*n:(r+1)*n])
		copy(a[r*n:], f.out)
	}
	for c := range n {
		for r := range n {
			f.row[r] = a[r*n+c]
		}
		op(f.out, f.row)
		for r := range n {
			a[r*n+c] = f.out[r]
		}
	}
}

// radix2 is the unnormalised 2-D DFT (inverse: with exp(+2πi...)) of a
// power-of-two side: every row, a transpose, every row again, a transpose.
func (f *fft2) radix2(a []complex128, inverse bool) {
	n := f.n
	for pass := 0; pass < 2; pass++ {
		for r := range n {
			f.line(a[r*n:(r+1)*n], inverse)
		}
		for i := range n {
			for j := i + 1; j < n; j++ {
				a[i*n+j], a[j*n+i] = a[j*n+i], a[i*n+j]
			}
		}
	}
}

// line transforms one row in place (decimation in time).
func (f *fft2) line(x []complex128, inverse bool) {
	n, tw := f.n, f.tw
	if inverse {
		tw = f.itw
	}
	for i, j := range f.rev {
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	for i := 0; i < n; i += 2 { // the first stage's twiddle is 1
		x[i], x[i+1] = x[i]+x[i+1], x[i]-x[i+1]
	}
	for size := 4; size <= n; size <<= 1 {
		half, step := size/2, n/size
		for start := 0; start < n; start += size {
			lo, hi := x[start:start+half], x[start+half:start+size]
			hi = hi[:len(lo)]
			for k := range lo {
				v := hi[k] * tw[k*step]
				lo[k], hi[k] = lo[k]+v, lo[k]-v
			}
		}
	}
}

// freq is the signed frequency (cycles per image) of DFT index i.
func freq(i, n int) float64 {
	if i > n/2 {
		return float64(i - n)
	}
	return float64(i)
}
