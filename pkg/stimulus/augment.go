package stimulus

import (
	"math"
	"math/rand/v2"

	"github.com/decodingthoughts/decoding-thoughts/pkg/blur"
)

// Augment is the original's training augmentation, each transform applied
// with its own probability: a horizontal flip, and a shift/scale/rotate
// (albumentations' ShiftScaleRotate: shift up to Shift of the image side,
// scale by 1±Scale, rotate up to Rotate degrees, bilinear, reflect-101
// border).
type Augment struct {
	FlipP, AffineP       float64
	Shift, Scale, Rotate float64
}

// DefaultAugment is the original's configuration: HorizontalFlip(p=0.1) and
// ShiftScaleRotate(shift_limit=0.05, scale_limit=0.05, rotate_limit=0.05,
// p=0.1). albumentations reads rotate_limit in degrees, so the rotation is
// at most 0.05 degrees, not 0.05 radians.
func DefaultAugment() Augment {
	return Augment{FlipP: 0.1, AffineP: 0.1, Shift: 0.05, Scale: 0.05, Rotate: 0.05}
}

// Fires says whether any transform fires for the generator's draws: when
// none does, Apply with a generator in the same state returns the image
// itself (most views: 81% at the default probabilities).
func (a Augment) Fires(rng *rand.Rand) bool {
	flip, affine := a.draws(rng)
	return flip || affine
}

// draws are the generator's first two draws: whether the flip and the
// affine transform fire.
func (a Augment) draws(rng *rand.Rand) (flip, affine bool) {
	flip = rng.Float64() < a.FlipP
	affine = rng.Float64() < a.AffineP
	return flip, affine
}

// Apply returns an augmented copy of an h x w image (or the image itself
// when no transform fires).
func (a Augment) Apply(pix []float32, h, w int, rng *rand.Rand) []float32 {
	out := pix
	doFlip, doAffine := a.draws(rng)
	if doFlip {
		out = flip(out, h, w)
	}
	if doAffine {
		dx := (2*rng.Float64() - 1) * a.Shift * float64(w)
		dy := (2*rng.Float64() - 1) * a.Shift * float64(h)
		s := 1 + (2*rng.Float64()-1)*a.Scale
		th := (2*rng.Float64() - 1) * a.Rotate * math.Pi / 180
		out = affine(out, h, w, dx, dy, s, th)
	}
	return out
}

func flip(pix []float32, h, w int) []float32 {
	out := make([]float32, len(pix))
	for y := range h {
		for x := range w {
			out[y*w+x] = pix[y*w+w-1-x]
		}
	}
	return out
}

// affine resamples the image rotated by th, scaled by s about its centre and
// shifted by (dx, dy), with bilinear interpolation and a reflect-101 border.
func affine(pix []float32, h, w int, dx, dy, s, th float64) []float32 {
	out := make([]float32, len(pix))
	cx, cy := float64(w-1)/2, float64(h-1)/2
	cos, sin := math.Cos(th)/s, math.Sin(th)/s
	for y := range h {
		for x := range w {
			// Inverse map: output pixel -> source position.
			u, v := float64(x)-cx-dx, float64(y)-cy-dy
			sx := cos*u + sin*v + cx
			sy := -sin*u + cos*v + cy
			out[y*w+x] = bilinear(pix, h, w, sx, sy)
		}
	}
	return out
}

func bilinear(pix []float32, h, w int, x, y float64) float32 {
	x0, y0 := int(math.Floor(x)), int(math.Floor(y))
	fx, fy := x-float64(x0), y-float64(y0)
	at := func(xx, yy int) float64 { return float64(pix[blur.Reflect101(yy, h)*w+blur.Reflect101(xx, w)]) }
	top := at(x0, y0)*(1-fx) + at(x0+1, y0)*fx
	bot := at(x0, y0+1)*(1-fx) + at(x0+1, y0+1)*fx
	return float32(top*(1-fy) + bot*fy)
}
