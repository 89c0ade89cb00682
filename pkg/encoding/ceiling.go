package encoding

import (
	"math"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
)

// NoiseCeilings are the voxels' noise ceilings on split s of repeated
// measurements: the correlation a perfect model of the signal would reach
// with the mean over the trials. With R trials of n images, the noise
// variance is the mean within-image variance of the trials (s_n^2, n-1
// weighting per image: R-1), the signal variance is what the variance of the
// image means has beyond s_n^2/R (clipped at 0), and the ceiling is
// sqrt(signal / (signal + s_n^2/R)) (Hsu et al. 2004; Kay et al. 2013's
// noise ceiling in correlation units). NaN for a split with one trial.
func NoiseCeilings(rep *kay.Repeats, s, images, voxels int) []float64 {
	trials := rep.Trials[s]
	out := make([]float64, voxels)
	if trials < 2 {
		for v := range out {
			out[v] = math.NaN()
		}
		return out
	}
	mean := make([]float64, images*voxels)
	noise := make([]float64, voxels)
	for i := range images {
		m := mean[i*voxels:][:voxels]
		for t := range trials {
			for v, x := range rep.Trial(s, t, i, voxels) {
				m[v] += float64(x) / float64(trials)
			}
		}
		for t := range trials {
			for v, x := range rep.Trial(s, t, i, voxels) {
				d := float64(x) - m[v]
				noise[v] += d * d / float64(trials-1) / float64(images)
			}
		}
	}
	for v := range voxels {
		var mu, ss float64
		for i := range images {
			mu += mean[i*voxels+v]
		}
		mu /= float64(images)
		for i := range images {
			d := mean[i*voxels+v] - mu
			ss += d * d
		}
		total := ss / float64(images-1)
		sig := math.Max(total-noise[v]/float64(trials), 0)
		if total == 0 {
			out[v] = math.NaN()
			continue
		}
		out[v] = math.Sqrt(sig / (sig + noise[v]/float64(trials)))
	}
	return out
}
