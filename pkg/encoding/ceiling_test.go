package encoding

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

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
	in := Result{MedianR: math.NaN(), ROIs: []ROIAccuracy{{ROI: "V1", Median: 0.25, NoiseCeiling: math.NaN(), FractionOfCeiling: math.NaN()},
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
	if !math.IsNaN(out.MedianR) || a.Median != 0.25 || !math.IsNaN(a.NoiseCeiling) || !math.IsNaN(a.FractionOfCeiling) || c.NoiseCeiling != 0.5 || c.FractionOfCeiling != 0.4 || a.ROI != "V1" {
		t.Errorf("round trip: %+v", out)
	}
}
