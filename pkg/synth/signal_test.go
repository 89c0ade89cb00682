package synth_test

import (
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

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
		signal, err := truth.Signal(d.Train.Stimuli)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := signal(d.Test.Stimuli, truth.Test)
		if err != nil {
			t.Fatal(err)
		}
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
