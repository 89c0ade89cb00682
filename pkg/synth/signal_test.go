package synth_test

import (
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// testSignal is the truth's signal function and its noise-free responses
// to the dataset's test images (images x voxels).
func testSignal(t *testing.T, d *kay.Dataset, truth *synth.Truth) (func(kay.Images, []synth.Content) ([]float64, error), []float64) {
	t.Helper()
	signal, err := truth.Signal(d.Train.Stimuli)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signal(d.Test.Stimuli, truth.Test)
	if err != nil {
		t.Fatal(err)
	}
	return signal, sig
}

// TestTruthSignal: the truth read back from the file is the generator's
// (voxels and painted contents), and its noise-free signal for the test
// images is what the responses are made of: at a high SNR each voxel's
// responses correlate with it almost perfectly (median r > 0.95); at the
// calibrated SNR positively.
func TestTruthSignal(t *testing.T) {
	cfg, _ := synth.Profile("tiny", 4)
	for _, c := range []struct {
		cfg    synth.Config
		median float64
	}{{cfg.Clean(100), 0.95}, {cfg, 0.05}} {
		if testing.Short() && c.median < 0.5 {
			continue // the calibrated SNR: make test-long
		}
		dir := t.TempDir()
		d, gen, err := synth.Write(dir, c.cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		truth, err := synth.ReadTruth(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(truth.Voxels) != len(gen.Voxels) || truth.Voxels[7].X != gen.Voxels[7].X || truth.Voxels[7].SNR != gen.Voxels[7].SNR ||
			truth.Test[3] != gen.Test[3] || truth.Train[5] != gen.Train[5] || truth.Config.Seed != gen.Config.Seed {
			t.Fatalf("the truth read back differs from the generated one")
		}
		signal, sig := testSignal(t, d, truth)
		// A truth file from before the drives' statistics were recorded is
		// read without them; Signal then recomputes them.
		old := filepath.Join(t.TempDir(), synth.TruthFile)
		src, err := npfile.OpenNPZ(filepath.Join(dir, synth.TruthFile))
		if err != nil {
			t.Fatal(err)
		}
		var kept []npfile.Entry
		for _, k := range src.Keys() {
			if !strings.HasPrefix(k, "train_drive_") && !strings.HasPrefix(k, "train_luminance_") {
				a, err := src.Read(k)
				if err != nil {
					t.Fatal(err)
				}
				kept = append(kept, npfile.Entry{Key: k, Array: a})
			}
		}
		src.Close()
		if err := npfile.WriteNPZ(old, kept...); err != nil {
			t.Fatal(err)
		}
		if older, err := synth.ReadTruth(filepath.Dir(old)); err != nil || older.DriveStats[0] != nil {
			t.Errorf("a truth file without the drives' statistics: %v", err)
		}
		bare := *truth // the drives' standardisation recomputed from the training images
		bare.DriveStats = [4][]float64{}
		recomputed, err := bare.Signal(d.Train.Stimuli)
		if err != nil {
			t.Fatal(err)
		}
		if again, err := recomputed(d.Test.Stimuli, truth.Test); err != nil || !slices.Equal(again, sig) {
			t.Errorf("the signal with the file's drive statistics differs from the one recomputing them (%v)", err)
		}
		if _, err := signal(d.Test.Stimuli, truth.Test[1:]); err == nil {
			t.Error("one content short: accepted")
		}
		n, nv := d.Test.Stimuli.N, d.Voxels()
		rs := make([]float64, 0, nv)
		a, b := make([]float64, n), make([]float64, n)
		for v := range nv {
			for i := range n {
				a[i], b[i] = sig[i*nv+v], d.Test.Responses.Data[i*nv+v]
			}
			if r := stats.Pearson(a, b); !math.IsNaN(r) {
				rs = append(rs, r)
			}
		}
		if m := stats.Percentile(rs, 50); !(m > c.median) {
			t.Errorf("SNR x%v: median correlation of responses with the noise-free signal %.3f, want > %v", c.cfg.ROIs[0].SNR, m, c.median)
		}
	}
	if _, err := synth.ReadTruth(t.TempDir()); err == nil {
		t.Error("a folder without a truth file was read")
	}
}

// TestNoiseSDMatchesResponses: a response is its signal plus noise of s.d.
// Truth.NoiseSD, z-scored, so each voxel's responses correlate with its
// noise-free signal at sd(signal) / sqrt(sd(signal)^2 + NoiseSD^2) in
// expectation. At a per-trial SNR of 0.1 (tiny profile, where that
// correlation is far from 0 and 1) the mean over voxels of the observed
// correlations matches the mean of the expected ones within 0.03, and not
// the one-trial noise's (the s.d. before averaging the repeats).
func TestNoiseSDMatchesResponses(t *testing.T) {
	base, _ := synth.Profile("tiny", 2)
	cfg := base.Clean(0.1)
	dir := t.TempDir()
	d, _, err := synth.Write(dir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	truth, err := synth.ReadTruth(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, sig := testSignal(t, d, truth)
	noise, err := truth.NoiseSD(1)
	if err != nil {
		t.Fatal(err)
	}
	n, nv := d.Test.Stimuli.N, d.Voxels()
	if len(noise) != nv {
		t.Fatalf("%d noise s.d.s for %d voxels", len(noise), nv)
	}
	var observed, expected, oneTrial float64
	count := 0
	a, b := make([]float64, n), make([]float64, n)
	for v := range nv {
		for i := range n {
			a[i], b[i] = sig[i*nv+v], d.Test.Responses.Data[i*nv+v]
		}
		sd := stats.SD(a)
		r := stats.Pearson(a, b)
		if math.IsNaN(r) || !(sd > 0) {
			continue
		}
		one := noise[v] * math.Sqrt(float64(cfg.Repeats[1]))
		observed += r
		expected += sd / math.Hypot(sd, noise[v])
		oneTrial += sd / math.Hypot(sd, one)
		count++
	}
	observed, expected, oneTrial = observed/float64(count), expected/float64(count), oneTrial/float64(count)
	t.Logf("%d voxels, %d test images, %d repeats: mean correlation with the signal %.3f, expected %.3f (one trial's noise: %.3f)",
		count, n, cfg.Repeats[1], observed, expected, oneTrial)
	if math.Abs(observed-expected) > 0.03 {
		t.Errorf("mean correlation %.3f, expected from NoiseSD %.3f", observed, expected)
	}
	if math.Abs(observed-oneTrial) < 0.06 {
		t.Errorf("the test cannot tell NoiseSD (%.3f) from one trial's noise (%.3f): observed %.3f", expected, oneTrial, observed)
	}
	if _, err := truth.NoiseSD(2); err == nil {
		t.Error("split 2: accepted")
	}
}

// TestTestSignalPicksContents: TestSignal of some test images, in any
// order, gives each image's signal as Signal of the whole test split does
// (the same numbers); an index outside the test split is an error.
func TestTestSignalPicksContents(t *testing.T) {
	cfg, _ := synth.Profile("tiny", 4)
	d, truth, err := synth.Generate(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, all := testSignal(t, d, truth)
	idx := []int{3, 0, 7}
	ts, err := truth.TestSignal(d.Train.Stimuli, idx)
	if err != nil {
		t.Fatal(err)
	}
	im := d.Test.Stimuli
	sub := kay.Images{N: len(idx), H: im.H, W: im.W}
	for _, i := range idx {
		sub.Pix = append(sub.Pix, im.At(i)...)
	}
	got, err := ts(sub)
	if err != nil {
		t.Fatal(err)
	}
	nv := len(truth.Voxels)
	for k, i := range idx {
		if !slices.Equal(got[k*nv:(k+1)*nv], all[i*nv:(i+1)*nv]) {
			t.Errorf("test image %d (position %d): its signal differs from the whole split's", i, k)
		}
	}
	if _, err := truth.TestSignal(d.Train.Stimuli, []int{len(truth.Test)}); err == nil {
		t.Error("a test image beyond the split: accepted")
	}
}
