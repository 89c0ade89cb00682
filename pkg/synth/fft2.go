package synth

import "gonum.org/v1/gonum/dsp/fourier"

// fft2 transforms n x n complex images in place; one value per worker.
type fft2 struct {
	n        int
	fft      *fourier.CmplxFFT
	row, out []complex128
}

func newFFT2(n int) *fft2 {
	return &fft2{n: n, fft: fourier.NewCmplxFFT(n), row: make([]complex128, n), out: make([]complex128, n)}
}

// forward replaces a (row-major n x n) with its 2-D DFT.
func (f *fft2) forward(a []complex128) { f.apply(a, f.fft.Coefficients) }

// inverse replaces a with its inverse 2-D DFT, normalised by 1/n².
func (f *fft2) inverse(a []complex128) {
	f.apply(a, f.fft.Sequence)
	s := complex(1/float64(f.n*f.n), 0)
	for i := range a {
		a[i] *= s
	}
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

// freq is the signed frequency (cycles per image) of DFT index i.
func freq(i, n int) float64 {
	if i > n/2 {
		return float64(i - n)
	}
	return float64(i)
}
