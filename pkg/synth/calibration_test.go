package synth_test

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"sort"
	"testing"

	"gonum.org/v1/gonum/stat"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// TestCalibrationFull checks the simulator's calibration to the real data on
// the full profile with seed 1 (issue 15's targets): the original's decoder
// recipe reaches a test accuracy in [0.45, 0.62] (the original's notebook
// 03: 0.52 on the real data); Kay et al.'s identification with the 500 best
// voxels reaches [0.70, 0.97] (subjects S1 and S2: 92% and 72%; 0.88 before
// the pictures were made as hard as photographs, 0.73 since: their common
// amplitude spectrum leaves the Gabor model less to tell them apart by); the test images' raw-pixel
// RSM correlates more with V1's voxel RSM than with LatOcc's, and the
// Gabor-energy RSM more with V1's than the pixels do; the level-0 counts are
// the real ones; and the encoding model recovers the planted receptive-field
// centres and spatial-frequency preferences of its best V1-V3 voxels (median
// centre error under 0.15 image widths and under half of what shuffled
// voxels give; preferred frequency correlated > 0.5 with the planted one).
func TestCalibrationFull(t *testing.T) {
	if testing.Short() {
		t.Skip("the full profile: about 2.5 minutes")
	}
	cfg, _ := synth.Profile("full", 1)
	d, truth, err := synth.Generate(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, d)
	acc := decode(t, d)
	if acc < 0.45 || acc > 0.62 {
		t.Errorf("decoder test accuracy %.3f, want [0.45, 0.62] (the real data: 0.52)", acc)
	}
	px, gab := lowLevel(t, d)
	if !(px["V1"] > px["LatOcc"]) {
		t.Errorf("raw-pixel RSM vs V1 %.3f, vs LatOcc %.3f: want V1's higher", px["V1"], px["LatOcc"])
	}
	if !(gab["V1"] > px["V1"]) {
		t.Errorf("V1's RSM vs the Gabor-energy RSM %.3f, vs the pixels' %.3f: want the Gabor model's higher", gab["V1"], px["V1"])
	}
	res, err := encoding.Run(d, encoding.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	id := res.Identification
	t.Logf("identification with %d voxels: %d/%d = %.3f [%.3f, %.3f]; median test r %.3f", res.NVoxels, id.Correct, id.N, id.Value, id.Low, id.High, res.MedianR)
	for _, p := range res.Curve {
		t.Logf("  %4d voxels: %.3f", p.Voxels, p.Identification.Value)
	}
	if id.Value < 0.70 || id.Value > 0.97 {
		t.Errorf("identification %.3f, want [0.70, 0.97] (Kay et al.'s S1: 0.92, S2: 0.72)", id.Value)
	}
	tun, err := res.Model.Tunings(d.Train.Stimuli.H, encoding.DefaultOptions().Pool)
	if err != nil {
		t.Fatal(err)
	}
	var early []int
	for v, vx := range truth.Voxels {
		if vx.ROI <= 3 {
			early = append(early, v)
		}
	}
	sort.Slice(early, func(a, b int) bool { return res.CVR[early[a]] > res.CVR[early[b]] })
	early = early[:100]
	shuffled := rand.New(rand.NewPCG(1, 2)).Perm(len(early))
	var errs, chance, sf, sfTrue []float64
	for k, v := range early {
		tv, other := truth.Voxels[v], truth.Voxels[early[shuffled[k]]]
		errs = append(errs, math.Hypot(tun[v].X-tv.X, tun[v].Y-tv.Y))
		chance = append(chance, math.Hypot(tun[v].X-other.X, tun[v].Y-other.Y))
		sf, sfTrue = append(sf, tun[v].SFLog2), append(sfTrue, tv.SFPref)
	}
	med, medChance, sfr := median(errs), median(chance), stat.Correlation(sf, sfTrue, nil)
	t.Logf("best 100 V1-V3 voxels: median receptive-field centre error %.3f image widths (shuffled voxels %.3f); preferred frequency r %.3f", med, medChance, sfr)
	if med > 0.15 || med > medChance/2 {
		t.Errorf("receptive-field centres: median error %.3f (shuffled %.3f), want < 0.15 and under half the shuffled error", med, medChance)
	}
	if sfr < 0.5 {
		t.Errorf("preferred spatial frequency: r %.3f with the planted one, want > 0.5", sfr)
	}
}

// TestCalibrationQuick: the quick profile (the embedded default) lands its
// decoder in the same range as the full profile's.
func TestCalibrationQuick(t *testing.T) {
	cfg, _ := synth.Profile("quick", 1)
	d, _, err := synth.Generate(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if acc := decode(t, d); acc < 0.45 || acc > 0.65 {
		t.Errorf("decoder test accuracy %.3f on the quick profile, want [0.45, 0.65]", acc)
	}
}

func median(x []float64) float64 {
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// checkCounts: the full profile's level-0 counts are the real data's.
func checkCounts(t *testing.T, d *kay.Dataset) {
	t.Helper()
	train := map[string]int{"artifact": 812, "animal": 589, "geological formation": 192, "fruit": 77, "entity": 72, "fungus": 5, "person": 2, "plant": 1}
	test := map[string]int{"animal": 54, "artifact": 50, "geological formation": 10, "fruit": 3, "entity": 2, "fungus": 1}
	for split, want := range map[string]map[string]int{"train": train, "test": test} {
		l := d.Train.Labels
		if split == "test" {
			l = d.Test.Labels
		}
		got := l.Counts(0)
		for k, n := range want {
			if got[k] != n {
				t.Errorf("%s: %d images of %q, want %d", split, got[k], k, n)
			}
		}
		if len(got) != len(want) {
			t.Errorf("%s: classes %v, want %v", split, got, want)
		}
	}
}

// decode runs the original's decoder recipe and returns its test accuracy.
func decode(t *testing.T, d *kay.Dataset) float64 {
	t.Helper()
	b, _, err := backend.FromEnv(os.Getenv).New("", backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	r, err := decoder.Run(context.Background(), b, d, decoder.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("decoder: test accuracy %.3f, balanced %.3f, macro F1 %.3f", r.Report.Accuracy, r.Report.Macro.Recall, r.Report.Macro.F1)
	for k, c := range r.Report.Classes {
		p := r.Report.PerClass[k]
		t.Logf("  %-21s precision %.2f recall %.2f F1 %.2f support %d", c, p.Precision, p.Recall, p.F1, p.Support)
	}
	return r.Report.Accuracy
}

// lowLevel returns, per ROI, the Pearson correlation of the test images'
// voxel RSM (pattern correlations) with their raw-pixel RSM and with their
// Gabor-energy RSM.
func lowLevel(t *testing.T, d *kay.Dataset) (pixel, gabor map[string]float64) {
	t.Helper()
	te := d.Test
	rsm := func(rows [][]float64) []float64 {
		var out []float64
		for i := range rows {
			for j := i + 1; j < len(rows); j++ {
				out = append(out, stat.Correlation(rows[i], rows[j], nil))
			}
		}
		return out
	}
	imgs := make([][]float32, te.Stimuli.N)
	pix, gab := make([][]float64, te.Stimuli.N), make([][]float64, te.Stimuli.N)
	for i := range imgs {
		imgs[i] = te.Stimuli.At(i)
		for _, v := range imgs[i] {
			pix[i] = append(pix[i], float64(v))
		}
	}
	for i, e := range synth.GaborEnergy(imgs, te.Stimuli.H) {
		for _, v := range e {
			gab[i] = append(gab[i], float64(v))
		}
	}
	pr, gr := rsm(pix), rsm(gab)
	pixel, gabor = map[string]float64{}, map[string]float64{}
	for r, name := range d.ROINames[1:] {
		vox, _ := d.VoxelsOf([]int{r + 1})
		rows := make([][]float64, te.Responses.Rows)
		for i := range rows {
			for _, v := range vox {
				rows[i] = append(rows[i], te.Responses.Row(i)[v])
			}
		}
		rr := rsm(rows)
		pixel[name], gabor[name] = stat.Correlation(pr, rr, nil), stat.Correlation(gr, rr, nil)
		t.Logf("%-7s RSM vs raw pixels %.3f, vs Gabor energy %.3f", name, pixel[name], gabor[name])
	}
	return pixel, gabor
}

// TestCalibrationSeeds: the decoder lands in the real data's range, [0.45,
// 0.62] (the real data: 0.52), for seeds 1 to 5 on the quick and the full
// profiles, not only for the seed the calibration was set on (issue 29).
// Measured: quick 0.579, 0.491, 0.614, 0.526, 0.456; full 0.553, 0.544,
// 0.474, 0.456, 0.553. The range is narrow for it: one binomial s.d. of an
// accuracy on the full profile's 114 test images is 0.047 (the quick
// profile's 57: 0.066), and the seeds spread about that much.
func TestCalibrationSeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("10 datasets and decoders: about 5 minutes")
	}
	for _, profile := range []string{"quick", "full"} {
		if p := os.Getenv("DT_CALIBRATION_PROFILE"); p != "" && p != profile {
			continue
		}
		var accs []float64
		for seed := uint64(1); seed <= 5; seed++ {
			cfg, _ := synth.Profile(profile, seed)
			d, _, err := synth.Generate(cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			acc := decode(t, d)
			t.Logf("%s seed %d: decoder test accuracy %.3f", profile, seed, acc)
			if acc < 0.45 || acc > 0.62 {
				t.Errorf("%s profile, seed %d: decoder test accuracy %.3f, want [0.45, 0.62] (the real data: 0.52)", profile, seed, acc)
			}
			accs = append(accs, acc)
		}
		m := stat.Mean(accs, nil)
		t.Logf("%s: mean over seeds 1-5 %.3f (s.d. %.3f)", profile, m, stat.StdDev(accs, nil))
		if m < 0.45 || m > 0.62 {
			t.Errorf("%s profile: mean decoder test accuracy %.3f over seeds 1-5, want [0.45, 0.62] (the real data: 0.52)", profile, m)
		}
	}
}
