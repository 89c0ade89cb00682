package synth

import (
	"math"
	"math/rand/v2"
)

// Voxel is one simulated voxel's planted parameters.
type Voxel struct {
	ROI        int       // roi value (1..7)
	X, Y       float64   // receptive-field centre, fractions of the image (x right, y down)
	GX, GY     int       // the Grid cell of the centre
	SizeIdx    int       // index into RFSizes
	SFPref     float64   // preferred log2 spatial frequency, cycles/image
	SFBand     float64   // tuning s.d. in octaves
	OriPref    float64   // preferred orientation, radians in [0, pi)
	OriKappa   float64   // orientation selectivity
	Stimulus   float64   // weight of the energy component
	Luminance  float64   // weight of the local mean luminance
	Category   float64   // weight of the category component
	SNR        float64   // signal variance / noise variance of one trial
	CatWeights []float64 // one per level-0 class (Level0Classes order)
	// StyleWeights weigh the painted content's shape and texture parameters
	// (styleDims per level-0 class): the category component's graded,
	// within-class part.
	StyleWeights []float64
	Shared       float64   // loading on the noise component shared by all voxels
	tuning       []float64 // channel weights, summing to 1
}

// drawVoxels plants every voxel's parameters, ROI by ROI, then shuffles the
// voxel order so that no ROI is a contiguous block (as in the real file).
func drawVoxels(cfg Config, freqs []float64) []Voxel {
	r := rand.New(rand.NewPCG(cfg.Seed, 0xfeed))
	var vox []Voxel
	for k, roi := range cfg.ROIs {
		for range roi.Voxels {
			v := Voxel{ROI: k + 1, Stimulus: roi.Stimulus, Luminance: roi.Luminance, Category: roi.Category,
				SNR: roi.SNR * math.Exp(cfg.ReliabilitySD*r.NormFloat64()-cfg.ReliabilitySD*cfg.ReliabilitySD/2)}
			if cfg.Null {
				v.Category = 0
			}
			v.GX, v.GY = int((0.1+0.8*r.Float64())*Grid), int((0.1+0.8*r.Float64())*Grid)
			v.X, v.Y = (float64(v.GX)+0.5)/Grid, (float64(v.GY)+0.5)/Grid
			v.SizeIdx = nearest(RFSizes, roi.RFSigma[0]+(roi.RFSigma[1]-roi.RFSigma[0])*r.Float64())
			v.SFPref = roi.SFPeak + 0.5*r.NormFloat64()
			v.SFBand = 0.8 + 0.6*r.Float64()
			v.OriPref = r.Float64() * math.Pi
			v.OriKappa = 0.3 + 1.2*r.Float64()
			v.CatWeights = normals(r, len(Level0Classes), 1)
			v.StyleWeights = normals(r, len(Level0Classes)*styleDims, 1)
			v.Shared = 1 + 0.3*r.NormFloat64()
			if cfg.CategoryOnly {
				v.Category = math.Sqrt(v.Stimulus*v.Stimulus + v.Luminance*v.Luminance + v.Category*v.Category)
				v.Stimulus, v.Luminance = 0, 0
				clear(v.StyleWeights)
			}
			v.tuning = tuning(v, freqs)
			vox = append(vox, v)
		}
	}
	r.Shuffle(len(vox), func(i, j int) { vox[i], vox[j] = vox[j], vox[i] })
	return vox
}

func normals(r *rand.Rand, n int, sd float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = sd * r.NormFloat64()
	}
	return out
}

func nearest(list []float64, x float64) int {
	best := 0
	for i, v := range list {
		if math.Abs(math.Log(v/x)) < math.Abs(math.Log(list[best]/x)) {
			best = i
		}
	}
	return best
}

// tuning is the voxel's weight on each (frequency, orientation) channel: a
// Gaussian in log frequency times a von Mises in orientation (period pi).
func tuning(v Voxel, freqs []float64) []float64 {
	w := make([]float64, len(freqs)*Orientations)
	var sum float64
	for l, f := range freqs {
		d := math.Log2(f) - v.SFPref
		sf := math.Exp(-d * d / (2 * v.SFBand * v.SFBand))
		for o := range Orientations {
			th := float64(o) * math.Pi / Orientations
			k := sf * math.Exp(v.OriKappa*(math.Cos(2*(th-v.OriPref))-1))
			w[l*Orientations+o] = k
			sum += k
		}
	}
	for i := range w {
		w[i] /= sum
	}
	return w
}

// luminance is the voxel's receptive-field-weighted mean luminance given an
// image's pooled luminance (poolRF over one channel).
func (v *Voxel) luminance(pooled []float64) float64 {
	return pooled[v.SizeIdx*Grid*Grid+v.GY*Grid+v.GX]
}

// drive is the voxel's noise-free energy response given an image's pooled
// energy (from poolRF).
func (v *Voxel) drive(pooled []float64) float64 {
	ns := len(RFSizes)
	cell := v.GY*Grid + v.GX
	var acc float64
	for ch, w := range v.tuning {
		acc += w * pooled[(ch*ns+v.SizeIdx)*Grid*Grid+cell]
	}
	return acc
}
