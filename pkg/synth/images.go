package synth

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
)

// canvas is an n x n float image, row-major, y down.
type canvas struct {
	n   int
	pix []float64
	// obj is the visible coverage of the class's painted content, while
	// object is set (the painter's strokes), reduced by what covers it later.
	obj    []float64
	object bool
	// mix is the chance that a surface is drawn from the pool shared by
	// every class instead of its class's own (Config.SurfaceMix); f makes
	// the pool's noise surfaces.
	mix float64
	// contrast scales the painted content's luminance against the
	// background's (Look.Contrast).
	contrast float64
	r        *rand.Rand
	f        *fft2
}

func newCanvas(n int) *canvas {
	return &canvas{n: n, pix: make([]float64, n*n), obj: make([]float64, n*n)}
}

// paint blends value v into the canvas with coverage alpha(x, y) in [0, 1],
// coordinates in image fractions.
func (c *canvas) paint(alpha func(x, y float64) float64, value func(x, y float64) float64) {
	n := float64(c.n)
	for py := range c.n {
		y := (float64(py) + 0.5) / n
		for px := range c.n {
			x := (float64(px) + 0.5) / n
			a := alpha(x, y)
			if a <= 0 {
				continue
			}
			i := py*c.n + px
			c.pix[i] = (1-a)*c.pix[i] + a*value(x, y)
			if c.object {
				c.obj[i] = max(c.obj[i], a)
			} else {
				c.obj[i] *= 1 - a
			}
		}
	}
}

// edge turns a signed distance (positive inside, in image fractions) into a
// coverage with a soft border a pixel or so wide.
func edge(d float64, n int) float64 {
	return 1 / (1 + math.Exp(-d*float64(n)*1.5))
}

// pinkNoise fills a canvas with 1/f^alpha noise of unit s.d., the amplitude
// spectrum of natural images.
func pinkNoise(n int, alpha float64, r *rand.Rand, f *fft2) *canvas {
	a := make([]complex128, n*n)
	for i := range a {
		a[i] = complex(r.NormFloat64(), 0)
	}
	f.forward(a)
	for v := range n {
		for u := range n {
			fr := math.Hypot(freq(u, n), freq(v, n))
			if fr == 0 {
				a[v*n+u] = 0
				continue
			}
			a[v*n+u] *= complex(math.Pow(fr, -alpha), 0)
		}
	}
	f.inverse(a)
	c := newCanvas(n)
	for i := range a {
		c.pix[i] = real(a[i])
	}
	standardize(c.pix)
	return c
}

func standardize(p []float64) {
	var m, s float64
	for _, v := range p {
		m += v
	}
	m /= float64(len(p))
	for _, v := range p {
		s += (v - m) * (v - m)
	}
	s = math.Sqrt(s / float64(len(p)))
	if s == 0 {
		s = 1
	}
	for i := range p {
		p[i] = (p[i] - m) / s
	}
}

// picture draws one stimulus of content class class0 with style s.
// painters draw each level-0 class's content onto the background.
var painters = map[string]func(*canvas, [styleDims]float64, *rand.Rand){
	"animal": animal, "artifact": artifact, "geological formation": geological, "fruit": fruit,
	"entity": entity, "fungus": fungus, "person": person, "plant": plant,
}

// picture also returns the visible coverage of the painted content: the
// fraction of the image it covers after occlusion.
func picture(n int, class0 string, s [styleDims]float64, look Look, r *rand.Rand, f *fft2) ([]float32, float64) {
	c := pinkNoise(n, 1+0.3*r.Float64(), r, f)
	c.mix, c.contrast, c.r, c.f = look.SurfaceMix, 1-look.Fade, r, f
	bg := 0.35 + 0.15*s[5]
	for i := range c.pix {
		c.pix[i] *= bg
	}
	// Scenes share their low-level make-up across classes, as photographs
	// do: a landscape behind a third of the objects, a small object of
	// another class beside some, and objects of every size.
	if class0 != "geological formation" && r.Float64() < 0.5 {
		var ls [styleDims]float64
		for i := range ls {
			ls[i] = r.Float64()
		}
		landscape(c, ls, r, 0.6+0.25*c.mix)
	}
	if paint, ok := painters[class0]; ok {
		c.object = true
		paint(c, s, r)
		c.object = false
	}
	if r.Float64() < 0.4 {
		var ds [styleDims]float64
		for i := range ds {
			ds[i] = 0.4 * r.Float64()
		}
		other := []string{"animal", "artifact"}[r.IntN(2)]
		if other != class0 {
			painters[other](c, ds, r)
		}
	}
	if r.Float64() < 0.3 {
		occlude(c, r)
	}
	if look.SpectrumMatch > 0 {
		matchSpectrum(c, look.SpectrumMatch, f)
	}
	if look.Aperture {
		aperture(c)
	}
	var cover float64
	for _, a := range c.obj {
		cover += a
	}
	return finish(c, r), cover / float64(len(c.obj))
}

// aperture shows the picture through a centred disc as wide as the image
// over a uniform surround at the picture's mean, as Kay et al.'s stimuli
// (20° circles on a grey background), with a soft edge a few pixels wide;
// painted content outside it is no longer visible.
func aperture(c *canvas) {
	standardize(c.pix)
	n := float64(c.n)
	for py := range c.n {
		for px := range c.n {
			d := math.Hypot((float64(px)+0.5)/n-0.5, (float64(py)+0.5)/n-0.5)
			a := 1 / (1 + math.Exp((d-0.485)*n/1.5))
			i := py*c.n + px
			c.pix[i] *= a
			c.obj[i] *= a
		}
	}
}

// matchSpectrum replaces the fraction m (geometrically) of the picture's
// Fourier amplitude by a 1/f amplitude, keeping its phases; the mean is
// removed (finish standardises the picture anyway).
func matchSpectrum(c *canvas, m float64, f *fft2) {
	n := c.n
	a := make([]complex128, n*n)
	for i, v := range c.pix {
		a[i] = complex(v, 0)
	}
	f.forward(a)
	for v := range n {
		for u := range n {
			i := v*n + u
			fr := math.Hypot(freq(u, n), freq(v, n))
			amp := cmplx.Abs(a[i])
			if fr == 0 || amp == 0 {
				a[i] = 0
				continue
			}
			a[i] *= complex(math.Pow(amp, -m)*math.Pow(fr, -m), 0)
		}
	}
	f.inverse(a)
	for i := range c.pix {
		c.pix[i] = real(a[i])
	}
}

// finish centres the picture and sets its contrast, roughly like the real
// stimuli (zero-centred, s.d. about 0.2, varying from image to image).
func finish(c *canvas, r *rand.Rand) []float32 {
	standardize(c.pix)
	contrast := 0.2 * (0.6 + 0.8*r.Float64())
	// (a picture behind an aperture is standardised with its surround,
	// which stays uniform: every pixel is scaled alike)
	out := make([]float32, len(c.pix))
	for i, v := range c.pix {
		out[i] = float32(math.Max(-1, math.Min(1, v*contrast)))
	}
	return out
}

// animal: a compact, curved, textured figure (a lobed blob) of any size.
func animal(c *canvas, s [styleDims]float64, r *rand.Rand) {
	animalLike(c, s, r, 0.4+0.8*r.Float64(), 2)
}

// animalLike paints a lobed textured blob scaled by size with at least
// minLobes lobes.
func animalLike(c *canvas, s [styleDims]float64, r *rand.Rand, size float64, minLobes int) {
	cx, cy := 0.3+0.4*r.Float64(), 0.3+0.4*r.Float64()
	rad := size * (0.14 + 0.12*s[0] + 0.03*r.NormFloat64())
	lobes := minLobes + int(s[1]*4)
	amp := 0.1 + 0.2*s[2]
	ph := r.Float64() * 2 * math.Pi
	level := c.contrast * (1.5 + 1.5*s[5])
	if r.Float64() < 0.5 {
		level = -level
	}
	c.paint(func(x, y float64) float64 {
		dx, dy := x-cx, y-cy
		th := math.Atan2(dy, dx)
		rr := rad * (1 + amp*math.Cos(float64(lobes)*th+ph))
		return edge(rr-math.Hypot(dx, dy), c.n)
	}, c.surface(plaid, s, level))
}

// Surfaces: each class paints its own kind, or (with the canvas's mix
// chance) one drawn from all of them.
const (
	plaid   = iota // a textured coat: two crossed gratings, 8-32 cycles per image
	gridded        // a flat surface with straight lines (windows, tiles, panels)
	bands          // layered strata
	noisy          // natural 1/f texture (foliage, rock, fur at a distance)
	surfaces
)

// surface returns the value function of a surface of the given kind
// around level, its texture set by style s.
func (c *canvas) surface(kind int, s [styleDims]float64, level float64) func(x, y float64) float64 {
	if c.mix > 0 && c.r.Float64() < c.mix {
		kind = c.r.IntN(surfaces)
	}
	r := c.r
	switch kind {
	case plaid:
		tf := 8 + 24*s[3]                         // texture cycles per image
		tth := s[4]*math.Pi + 0.3*r.NormFloat64() // texture orientation
		return func(x, y float64) float64 {
			return level + 0.9*math.Sin(2*math.Pi*tf*(x*math.Cos(tth)+y*math.Sin(tth))) +
				0.5*math.Sin(2*math.Pi*tf*0.7*(x*math.Sin(tth)-y*math.Cos(tth)))
		}
	case gridded:
		lines := 4 + 12*s[3]
		rot := (s[4] - 0.5) * 1.6 * r.Float64()
		cr, sr := math.Cos(rot), math.Sin(rot)
		return func(x, y float64) float64 {
			u, v := x*cr+y*sr, -x*sr+y*cr
			if s[3] > 0.3 && (math.Abs(math.Sin(math.Pi*lines*u)) < 0.12 || math.Abs(math.Sin(math.Pi*lines*v)) < 0.12) {
				return level - 1.5*math.Copysign(1, level)
			}
			return level
		}
	case bands:
		layers := 3 + 12*s[3]
		tilt := (s[4] - 0.5) * 0.3
		return func(x, y float64) float64 { return 0.5*level + 0.8*math.Sin(2*math.Pi*layers*(y+tilt*x)) }
	default:
		tex := pinkNoise(c.n, 0.6+0.8*s[3], r, c.f)
		n := float64(c.n)
		return func(x, y float64) float64 {
			px, py := min(c.n-1, int(x*n)), min(c.n-1, int(y*n))
			return level + 1.2*tex.pix[py*c.n+px]
		}
	}
}

// artifact: rectilinear shapes with straight edges and corners, some with a
// grid of straight internal lines.
func artifact(c *canvas, s [styleDims]float64, r *rand.Rand) {
	k := 1 + int(s[0]*3)
	size := 0.4 + 0.8*r.Float64()
	for range k {
		w := size * (0.15 + 0.3*s[1] + 0.05*r.NormFloat64())
		h := size * (0.15 + 0.3*s[2] + 0.05*r.NormFloat64())
		w, h = math.Max(0.08, w), math.Max(0.08, h)
		cx, cy := 0.25+0.5*r.Float64(), 0.25+0.5*r.Float64()
		rot := (s[4] - 0.5) * 1.6 * r.Float64()
		level := c.contrast * (r.Float64()*2 - 1) * (1.5 + s[5])
		cr, sr := math.Cos(rot), math.Sin(rot)
		c.paint(func(x, y float64) float64 {
			u, v := (x-cx)*cr+(y-cy)*sr, -(x-cx)*sr+(y-cy)*cr
			return edge(math.Min(w/2-math.Abs(u), h/2-math.Abs(v)), c.n)
		}, c.surface(gridded, s, level))
	}
}

// geological: large-scale horizon and layered structure, with an irregular
// formation (a rock, an outcrop) in front of half of them.
func geological(c *canvas, s [styleDims]float64, r *rand.Rand) {
	if c.mix > 0 && r.Float64() < 0.3 {
		// a close-up: ground filling the view, no sky
		ground := c.surface(bands, s, -c.contrast)
		c.paint(func(x, y float64) float64 { return 0.85 }, ground)
	} else {
		landscape(c, s, r, 0.85)
	}
	if r.Float64() < 0.5 {
		animalLike(c, s, r, 0.6, 3)
	}
}

// landscape paints a horizon over layered ground with the given opacity.
func landscape(c *canvas, s [styleDims]float64, r *rand.Rand, opacity float64) {
	hz := 0.3 + 0.4*s[0] + 0.05*r.NormFloat64()
	amp := 0.02 + 0.12*s[1]
	waves := 1 + 3*s[2]
	ph := r.Float64() * 2 * math.Pi
	sky := c.contrast * (1 + s[5])
	ground := c.surface(bands, s, -1)
	c.paint(func(x, y float64) float64 { return opacity }, func(x, y float64) float64 {
		ridge := hz + amp*math.Sin(2*math.Pi*waves*x+ph)
		if y < ridge {
			return sky * (1 - y)
		}
		return ground(x, y)
	})
}

// fruit: a few small smooth shaded disks.
func fruit(c *canvas, s [styleDims]float64, r *rand.Rand) {
	for range 1 + int(s[0]*3) {
		cx, cy, rad := 0.25+0.5*r.Float64(), 0.25+0.5*r.Float64(), 0.06+0.08*s[1]
		c.paint(func(x, y float64) float64 { return edge(rad-math.Hypot(x-cx, y-cy), c.n) },
			func(x, y float64) float64 { return 2 - 8*math.Hypot(x-cx+rad/3, y-cy+rad/3) })
	}
}

// entity: one large simple round shape or ring.
func entity(c *canvas, s [styleDims]float64, r *rand.Rand) {
	cx, cy, rad := 0.4+0.2*r.Float64(), 0.4+0.2*r.Float64(), 0.2+0.15*s[0]
	ring := s[1] > 0.5
	c.paint(func(x, y float64) float64 {
		d := rad - math.Hypot(x-cx, y-cy)
		if ring {
			d = math.Min(d, 0.06-math.Abs(d-0.06))
		}
		return edge(d, c.n)
	}, func(x, y float64) float64 { return 1.5 + s[2] })
}

// fungus: a cap on a stem.
func fungus(c *canvas, s [styleDims]float64, r *rand.Rand) {
	cx, cy := 0.4+0.2*r.Float64(), 0.45+0.1*r.Float64()
	w := 0.15 + 0.1*s[0]
	c.paint(func(x, y float64) float64 {
		cap := math.Min(1-math.Hypot((x-cx)/w, (y-cy)/(w*0.6)), cy-y+0.01)
		stem := math.Min(0.04-math.Abs(x-cx), math.Min(y-cy, cy+0.3-y))
		return edge(math.Max(cap*w, stem), c.n)
	}, func(x, y float64) float64 { return 1.8 })
}

// person: an upright body with a head.
func person(c *canvas, s [styleDims]float64, r *rand.Rand) {
	cx := 0.35 + 0.3*r.Float64()
	c.paint(func(x, y float64) float64 {
		body := 0.1 - math.Hypot((x-cx)/0.6, (y-0.62)/1.6)
		head := 0.07 - math.Hypot(x-cx, y-0.3)
		return edge(math.Max(body, head), c.n)
	}, func(x, y float64) float64 { return -1.5 - s[0] })
}

// plant: branching strokes growing from the bottom.
func plant(c *canvas, s [styleDims]float64, r *rand.Rand) {
	cx := 0.35 + 0.3*r.Float64()
	c.paint(func(x, y float64) float64 {
		d := 0.015 - math.Abs(x-cx)
		for k := range 4 {
			y0 := 0.3 + 0.15*float64(k)
			if y < y0 {
				t := y0 - y
				d = math.Max(d, 0.012-math.Abs(x-cx-t*(float64(k%2)*2-1)))
			}
		}
		return edge(d, c.n)
	}, func(x, y float64) float64 { return -2 })
}

// occlude covers part of the picture with a flat patch.
func occlude(c *canvas, r *rand.Rand) {
	x0, y0 := r.Float64(), r.Float64()
	w, h := 0.1+0.25*r.Float64(), 0.1+0.25*r.Float64()
	level := r.NormFloat64()
	c.paint(func(x, y float64) float64 {
		if x >= x0 && x < x0+w && y >= y0 && y < y0+h {
			return 1
		}
		return 0
	}, func(x, y float64) float64 { return level })
}
