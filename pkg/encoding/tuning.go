package encoding

import (
	"fmt"
	"math"

	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// Tuning is a voxel's receptive field and spatial-frequency preference read
// from its fitted Gabor-model weights.
type Tuning struct {
	X, Y float64 // receptive-field centre, fractions of the image (x right, y down)
	// SFLog2 is the preferred spatial frequency, log2 cycles per image.
	SFLog2 float64
}

// Tunings reads every voxel's tuning from the ridge weights on the Gabor
// features of Features(..., pool) for images of side size: the positive
// part of the weights summed over channels gives a map over the pool x pool
// grid whose squared-weight centroid is the receptive-field centre; summed
// over orientations and positions, the weights on each spatial frequency
// give the preference as the squared-weight mean of log2 frequency. A voxel
// with no positive weight gets NaNs.
func (r *Ridge) Tunings(size, pool int) ([]Tuning, error) {
	w := r.Weights()
	nf, voxels := w.Dims()
	freqs := synth.Frequencies(size)
	cells := pool * pool
	if nf != len(freqs)*synth.Orientations*cells {
		return nil, fmt.Errorf("encoding: %d weights per voxel are not those of the Gabor features of %d-pixel images on a %d x %d grid", nf, size, pool, pool)
	}
	out := make([]Tuning, voxels)
	pos := make([]float64, cells)
	sf := make([]float64, len(freqs))
	for v := range voxels {
		clear(pos)
		clear(sf)
		for f := range nf {
			x := math.Max(w.At(f, v), 0)
			ch, cell := f/cells, f%cells
			pos[cell] += x
			sf[ch/synth.Orientations] += x
		}
		var sw, sx, sy float64
		for c, p := range pos {
			p *= p
			sw += p
			sx += p * (float64(c%pool) + 0.5) / float64(pool)
			sy += p * (float64(c/pool) + 0.5) / float64(pool)
		}
		var fw, fl float64
		for l, p := range sf {
			p *= p
			fw += p
			fl += p * math.Log2(freqs[l])
		}
		out[v] = Tuning{X: sx / sw, Y: sy / sw, SFLog2: fl / fw}
	}
	return out, nil
}
