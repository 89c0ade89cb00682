package synth

import (
	"fmt"
	"math"
)

// Grid is the side of the spatial grid on which contrast energy is pooled.
const Grid = 16

// Orientations of the Gabor pyramid, evenly spaced over 180 degrees.
const Orientations = 8

// PyramidSpec shapes a Gabor pyramid: its orientations (evenly spaced over
// 180 degrees), a shift of every spatial frequency by Octaves (0: octaves
// from 1 cycle per image; 0.5: half an octave higher), and the Gaussian
// band-pass's width as a fraction of its frequency. The simulator's brain
// sees through DefaultPyramid; an encoding model may fit another
// (encoding.Options.Pyramid), so that recovering the simulated voxels is not
// circular.
type PyramidSpec struct {
	Orientations int     `json:"orientations"`
	Octaves      float64 `json:"octaves"`
	Bandwidth    float64 `json:"bandwidth"`
}

// DefaultPyramid is the simulator's: 8 orientations, octaves from 1 to 32
// cycles per image, band-pass s.d. 0.4 of the frequency.
var DefaultPyramid = PyramidSpec{Orientations: Orientations, Octaves: 0, Bandwidth: 0.4}

// Validate says what in s no pyramid can be built with.
func (s PyramidSpec) Validate() error {
	if s.Orientations < 1 || s.Orientations > 32 || s.Octaves < -1 || s.Octaves > 1 || !(s.Bandwidth >= 0.05 && s.Bandwidth <= 2) {
		return fmt.Errorf("synth: pyramid %+v: want 1 to 32 orientations, a shift of -1 to 1 octave and a bandwidth of 0.05 to 2", s)
	}
	return nil
}

// pyramid computes compressed Gabor contrast energy on a Grid x Grid lattice
// for every (spatial frequency, orientation) channel of an image.
type pyramid struct {
	size   int
	orient int
	freqs  []float64 // cycles per image
	res    []int     // working resolution of each frequency
	ffts   map[int]*fft2
	bufs   map[int][]complex128
	spec   map[int][]complex128
	work   []complex128
	// masks[l*orient+o] is the band-pass of frequency l and orientation o
	// on its working resolution's DFT grid.
	masks [][]float64
}

// Frequencies are the pyramid's spatial frequencies for an image side n:
// octaves from 1 up to n/4 cycles per image (32 for 128-pixel images).
func Frequencies(n int) []float64 {
	var f []float64
	for v := 1.0; 4*v <= float64(n) && v <= 32; v *= 2 {
		f = append(f, v)
	}
	return f
}

func newPyramid(size int) *pyramid { return newPyramidOf(size, DefaultPyramid) }

func newPyramidOf(size int, ps PyramidSpec) *pyramid {
	p := &pyramid{size: size, orient: ps.Orientations, ffts: map[int]*fft2{}, bufs: map[int][]complex128{}, spec: map[int][]complex128{}}
	shift := math.Exp2(ps.Octaves)
	for _, f := range Frequencies(size) {
		p.freqs = append(p.freqs, f*shift)
	}
	for _, f := range p.freqs {
		// the working resolution: 4 samples per cycle, a power of two of at
		// least Grid (so that its cells pool evenly), at most the image's
		r := Grid
		for r < size && float64(r) < 4*f {
			r *= 2
		}
		r = min(r, size)
		p.res = append(p.res, r)
		if p.ffts[r] == nil {
			p.ffts[r] = newFFT2(r)
			p.bufs[r] = make([]complex128, r*r)
			p.spec[r] = make([]complex128, r*r)
		}
	}
	p.work = make([]complex128, size*size)
	for l, f := range p.freqs {
		r := p.res[l]
		sigma := ps.Bandwidth * f
		for o := range p.orient {
			th := float64(o) * math.Pi / float64(p.orient)
			u0, v0 := f*math.Cos(th), f*math.Sin(th)
			// A one-sided Gaussian band-pass gives the analytic signal: its
			// modulus is the energy of a quadrature pair of Gabor wavelets.
			// The inverse transform's 1/r² is folded in.
			m := make([]float64, r*r)
			for v := range r {
				dv := freq(v, r) - v0
				for u := range r {
					du := freq(u, r) - u0
					m[v*r+u] = math.Exp(-(du*du+dv*dv)/(2*sigma*sigma)) / float64(r*r)
				}
			}
			p.masks = append(p.masks, m)
		}
	}
	return p
}

// channels is the number of energy channels.
func (p *pyramid) channels() int { return len(p.freqs) * p.orient }

// energy fills out[ch*Grid*Grid + gy*Grid + gx] with sqrt(contrast energy)
// of channel ch = level*Orientations + orientation, averaged over grid cells.
func (p *pyramid) energy(img []float32, out []float64) {
	for r, spec := range p.spec {
		downsample(img, p.size, r, spec)
		p.ffts[r].forward(spec)
	}
	for l := range p.freqs {
		r := p.res[l]
		spec, buf := p.spec[r], p.bufs[r]
		for o := range p.orient {
			for i, m := range p.masks[l*p.orient+o] {
				buf[i] = spec[i] * complex(m, 0)
			}
			p.ffts[r].unscaledInverse(buf)
			cell := out[(l*p.orient+o)*Grid*Grid:][:Grid*Grid]
			pool(buf, r, cell)
		}
	}
}

// downsample block-averages an n x n image to r x r complex values.
func downsample(img []float32, n, r int, dst []complex128) {
	b := n / r
	inv := 1 / float64(b*b)
	for y := range r {
		for x := range r {
			var s float64
			for yy := y * b; yy < (y+1)*b; yy++ {
				for xx := x * b; xx < (x+1)*b; xx++ {
					s += float64(img[yy*n+xx])
				}
			}
			dst[y*r+x] = complex(s*inv, 0)
		}
	}
}

// pool averages |z| over Grid x Grid cells and compresses with a square root.
func pool(z []complex128, r int, cell []float64) {
	b := r / Grid
	inv := 1 / float64(b*b)
	for gy := range Grid {
		for gx := range Grid {
			var s float64
			for y := gy * b; y < (gy+1)*b; y++ {
				for x := gx * b; x < (gx+1)*b; x++ {
					v := z[y*r+x]
					s += math.Sqrt(real(v)*real(v) + imag(v)*imag(v))
				}
			}
			cell[gy*Grid+gx] = math.Sqrt(s * inv)
		}
	}
}

// RFSizes are the receptive-field s.d.s (fractions of the image width) that
// voxels snap to, log-spaced from V1's smallest to LatOcc's largest.
var RFSizes = func() []float64 {
	const k = 10
	lo, hi := math.Log(0.035), math.Log(0.4)
	out := make([]float64, k)
	for i := range out {
		out[i] = math.Exp(lo + (hi-lo)*float64(i)/(k-1))
	}
	return out
}()

// gaussians[s][c][x] is the normalised 1-D Gaussian of size RFSizes[s]
// centred on grid cell c, evaluated at the centres of the Grid cells.
var gaussians = func() [][][Grid]float64 {
	out := make([][][Grid]float64, len(RFSizes))
	for s, sd := range RFSizes {
		out[s] = make([][Grid]float64, Grid)
		for c := range Grid {
			mu := (float64(c) + 0.5) / Grid
			var sum float64
			for x := range Grid {
				d := (float64(x)+0.5)/Grid - mu
				out[s][c][x] = math.Exp(-d * d / (2 * sd * sd))
				sum += out[s][c][x]
			}
			for x := range Grid {
				out[s][c][x] /= sum
			}
		}
	}
	return out
}()

// poolRF pools every channel with every receptive field: the Gaussian is
// separable, so rows are pooled first (h), then columns. The result is
// out[(ch*len(RFSizes)+s)*Grid*Grid + cy*Grid + cx].
func poolRF(energy []float64, channels int, h, out []float64) {
	ns := len(RFSizes)
	for ch := range channels {
		e := energy[ch*Grid*Grid:]
		// h[(s*Grid+y)*Grid+cx] = sum_x g[s][cx][x] e[y][x]
		for s := range ns {
			for y := range Grid {
				row := e[y*Grid : (y+1)*Grid]
				for cx := range Grid {
					g := &gaussians[s][cx]
					var acc float64
					for x := range Grid {
						acc += g[x] * row[x]
					}
					h[(s*Grid+y)*Grid+cx] = acc
				}
			}
		}
		for s := range ns {
			o := out[(ch*ns+s)*Grid*Grid:]
			for cy := range Grid {
				g := &gaussians[s][cy]
				for cx := range Grid {
					var acc float64
					for y := range Grid {
						acc += g[y] * h[(s*Grid+y)*Grid+cx]
					}
					o[cy*Grid+cx] = acc
				}
			}
		}
	}
}

// GaborEnergy is the simulator's low-level model of an image: the
// square-root contrast energy of every channel (frequency x orientation) in
// every Grid x Grid cell, the representation V1 voxels pool. It is the
// reference the per-ROI RSA known-answer tests compare early areas with.
func GaborEnergy(imgs [][]float32, size int) [][]float32 {
	return GaborEnergyOf(imgs, size, DefaultPyramid)
}

// GaborEnergyOf is GaborEnergy through the pyramid ps (channel ch =
// frequency * ps.Orientations + orientation); ps must be valid.
func GaborEnergyOf(imgs [][]float32, size int, ps PyramidSpec) [][]float32 {
	p := newPyramidOf(size, ps)
	out := make([][]float32, len(imgs))
	buf := make([]float64, p.channels()*Grid*Grid)
	for i, img := range imgs {
		p.energy(img, buf)
		out[i] = make([]float32, len(buf))
		for k, v := range buf {
			out[i][k] = float32(v)
		}
	}
	return out
}
