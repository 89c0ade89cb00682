package synth

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/stat"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
)

var (
	quickOnce  sync.Once
	quickData  *kay.Dataset
	quickTruth *Truth
	nullData   *kay.Dataset
)

// quick generates the quick profile, made clean (per-trial SNR 1, every
// voxel alike: the planted structure well above the noise), and its null
// twin once for the tests of what the simulator plants.
func quick(t *testing.T) (*kay.Dataset, *Truth, *kay.Dataset) {
	t.Helper()
	quickOnce.Do(func() {
		cfg, _ := Profile("quick", 7)
		cfg = cfg.Clean(1)
		quickData, quickTruth, _ = Generate(cfg, nil)
		cfg.Null = true
		nullData, _, _ = Generate(cfg, nil)
	})
	if quickData == nil || nullData == nil {
		t.Fatal("generation failed")
	}
	return quickData, quickTruth, nullData
}

func small() Config {
	cfg, _ := Profile("quick", 3)
	cfg.TrainCounts = scaleCounts(realTrain, 60)
	cfg.TestCounts = scaleCounts(fullTest, 20)
	cfg.ROIs = rois(0.02, 1)
	return cfg
}

// TestDeterministicFilesLoadUnchanged: same profile and seed give identical
// bytes whatever the number of workers, and the loader reads them as they are.
func TestDeterministicFilesLoadUnchanged(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	for k, dir := range dirs {
		cfg := small()
		cfg.Workers = k + 1
		if _, _, err := Write(dir, cfg, nil); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{kay.ImagesFile, kay.LabelsFile, kay.ValLabelsFile, TruthFile} {
		a, _ := os.ReadFile(filepath.Join(dirs[0], f))
		b, _ := os.ReadFile(filepath.Join(dirs[1], f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Errorf("%s differs between runs", f)
		}
	}
	d, err := kay.Load(dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Select(kay.DefaultFilter()); err != nil {
		t.Fatal(err)
	}
	other := small()
	other.Seed = 4
	d2, _, _ := Generate(other, nil)
	if d2.Train.Stimuli.Pix[100] == d.Train.Stimuli.Pix[100] {
		t.Error("a different seed gave the same pixels")
	}
}

func TestProfilesMatchTheRealLayout(t *testing.T) {
	cfg, err := Profile("full", 1)
	if err != nil {
		t.Fatal(err)
	}
	if total(cfg.TrainCounts) != 1750 || total(cfg.TestCounts) != 120 {
		t.Fatalf("full profile: %d/%d images", total(cfg.TrainCounts), total(cfg.TestCounts))
	}
	want := map[string]int{"V1": 1294, "V2": 2083, "V3": 1790, "V3A": 484, "V3B": 314, "V4": 1535, "LatOcc": 928}
	n := 0
	for _, r := range cfg.ROIs {
		if r.Voxels != want[r.Name] {
			t.Errorf("%s: %d voxels, want %d", r.Name, r.Voxels, want[r.Name])
		}
		n += r.Voxels
	}
	if n != 8428 {
		t.Errorf("%d voxels, want 8428", n)
	}
}

func TestBadParameters(t *testing.T) {
	if _, err := Profile("huge", 1); err == nil || !strings.Contains(err.Error(), `unknown synthetic profile "huge"`) {
		t.Errorf("unknown profile: %v", err)
	}
	cfg := small()
	cfg.TrainCounts = map[string]int{}
	if _, _, err := Generate(cfg, nil); err == nil || !strings.Contains(err.Error(), "train: zero images") {
		t.Errorf("zero images: %v", err)
	}
	cfg = small()
	cfg.ROIs[0].SNR = -1
	if _, _, err := Generate(cfg, nil); err == nil || !strings.Contains(err.Error(), "ROI V1: SNR -1, want > 0") {
		t.Errorf("negative SNR: %v", err)
	}
}

// nearestCentroid trains class means on the training split's voxels and
// returns the balanced accuracy on the test split (chance = 1/classes).
func nearestCentroid(t *testing.T, d *kay.Dataset, roi string) float64 {
	f := kay.DefaultFilter()
	r, _ := d.ROIIndex(roi)
	f.ROIs = []int{r}
	s, err := d.Select(f)
	if err != nil {
		t.Fatal(err)
	}
	xtr, _, nv := s.Rows(d.Train.Responses, s.Train)
	xte, _, _ := s.Rows(d.Test.Responses, s.Test)
	k := len(s.Classes)
	cent := make([]float64, k*nv)
	cnt := s.ClassCounts(s.Train)
	for i, y := range s.Train.Y {
		for j := range nv {
			cent[y*nv+j] += float64(xtr[i*nv+j]) / float64(cnt[y])
		}
	}
	hits, per := make([]float64, k), s.ClassCounts(s.Test)
	for i, y := range s.Test.Y {
		best, bestD := 0, math.Inf(1)
		for c := range k {
			var dd float64
			for j := range nv {
				e := float64(xte[i*nv+j]) - cent[c*nv+j]
				dd += e * e
			}
			if dd < bestD {
				best, bestD = c, dd
			}
		}
		if best == y {
			hits[y]++
		}
	}
	var bal float64
	for c := range k {
		bal += hits[c] / float64(per[c]) / float64(k)
	}
	return bal
}

func TestCategoryDecodableFromLatOccOnlyWhenPlanted(t *testing.T) {
	d, _, null := quick(t)
	acc := nearestCentroid(t, d, "LatOcc")
	accNull := nearestCentroid(t, null, "LatOcc")
	t.Logf("LatOcc nearest-centroid balanced accuracy: planted %.3f, null %.3f (chance 0.333)", acc, accNull)
	// It reaches 0.98; with at least 7 test images per class the balanced
	// accuracy's standard error near there is about 0.03, so 0.88 leaves 3.
	if acc < 0.88 {
		t.Errorf("planted category signal: balanced accuracy %.3f, want >= 0.88", acc)
	}
	// 55 test images in 3 classes: the s.d. of chance accuracy is about 0.07.
	if math.Abs(accNull-1.0/3) > 0.17 {
		t.Errorf("null dataset: balanced accuracy %.3f, want chance 0.333 +- 0.17", accNull)
	}
}

// rsmUpper returns the upper triangle of the correlation matrix of rows.
func rsmUpper(rows [][]float64) []float64 {
	var out []float64
	for i := range rows {
		for j := i + 1; j < len(rows); j++ {
			out = append(out, stat.Correlation(rows[i], rows[j], nil))
		}
	}
	return out
}

func TestPixelRSMCloserToV1ThanLatOcc(t *testing.T) {
	d, _, _ := quick(t)
	te := d.Test
	pix := make([][]float64, te.Stimuli.N)
	for i := range pix {
		for _, v := range te.Stimuli.At(i) {
			pix[i] = append(pix[i], float64(v))
		}
	}
	roiRows := func(name string) [][]float64 {
		r, _ := d.ROIIndex(name)
		vox, _ := d.VoxelsOf([]int{r})
		out := make([][]float64, te.Responses.Rows)
		for i := range out {
			for _, v := range vox {
				out[i] = append(out[i], te.Responses.Row(i)[v])
			}
		}
		return out
	}
	p := rsmUpper(pix)
	v1 := stat.Correlation(p, rsmUpper(roiRows("V1")), nil)
	lo := stat.Correlation(p, rsmUpper(roiRows("LatOcc")), nil)
	t.Logf("pixel RSM vs V1 RSM r=%.3f, vs LatOcc RSM r=%.3f", v1, lo)
	if !(v1 > lo) {
		t.Errorf("pixel RSM should correlate more with V1 (%.3f) than with LatOcc (%.3f)", v1, lo)
	}
}

// TestV1ReceptiveFieldsRecovered maps each V1 voxel by correlating its
// responses with local contrast (the s.d. of pixels in each grid cell), an
// estimate independent of the simulator's Gabor code.
func TestV1ReceptiveFieldsRecovered(t *testing.T) {
	d, truth, _ := quick(t)
	tr := d.Train
	n, side := tr.Stimuli.N, tr.Stimuli.H
	b := side / Grid
	contrast := make([][]float64, Grid*Grid)
	for c := range contrast {
		contrast[c] = make([]float64, n)
		gy, gx := c/Grid, c%Grid
		for i := range n {
			img := tr.Stimuli.At(i)
			var vals []float64
			for y := gy * b; y < (gy+1)*b; y++ {
				for x := gx * b; x < (gx+1)*b; x++ {
					vals = append(vals, float64(img[y*side+x]))
				}
			}
			contrast[c][i] = stat.StdDev(vals, nil)
		}
	}
	var errs []float64
	resp := make([]float64, n)
	for v, vx := range truth.Voxels {
		if vx.ROI != 1 {
			continue
		}
		for i := range n {
			resp[i] = tr.Responses.Row(i)[v]
		}
		best, bestR := 0, math.Inf(-1)
		for c := range contrast {
			if r := stat.Correlation(contrast[c], resp, nil); r > bestR {
				best, bestR = c, r
			}
		}
		x, y := (float64(best%Grid)+0.5)/Grid, (float64(best/Grid)+0.5)/Grid
		errs = append(errs, math.Hypot(x-vx.X, y-vx.Y))
	}
	sort.Float64s(errs)
	med := errs[len(errs)/2]
	within := sort.SearchFloat64s(errs, 0.15+1e-9)
	t.Logf("V1 RF centres: %d voxels, median error %.3f image widths, %.0f%% within 0.15", len(errs), med, 100*float64(within)/float64(len(errs)))
	if med > 0.1 {
		t.Errorf("median RF-centre error %.3f, want <= 0.1 image widths", med)
	}
	if float64(within) < 0.7*float64(len(errs)) {
		t.Errorf("only %d of %d V1 centres within 0.15 image widths, want >= 70%%", within, len(errs))
	}
}

// BenchmarkGenerate times both profiles (the target: the full profile
// well under a minute on two cores).
func BenchmarkGenerate(b *testing.B) {
	for _, p := range []string{"quick", "full"} {
		b.Run(p, func(b *testing.B) {
			cfg, _ := Profile(p, 1)
			for b.Loop() {
				if _, _, err := Generate(cfg, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestRepeatsFile: with SaveRepeats the trials are written beside the NMA
// files, each image's mean over its trials is its NMA response (LoadRepeats
// checks that), the NMA files are the same bytes as without repeats, and a
// trial file that does not match the dataset is refused by name.
func TestRepeatsFile(t *testing.T) {
	with, without := t.TempDir(), t.TempDir()
	cfg := small()
	cfg.SaveRepeats = true
	if _, _, err := Write(with, cfg, nil); err != nil {
		t.Fatal(err)
	}
	cfg.SaveRepeats = false
	if _, _, err := Write(without, cfg, nil); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{kay.ImagesFile, kay.LabelsFile, kay.ValLabelsFile} {
		a, _ := os.ReadFile(filepath.Join(with, f))
		b, _ := os.ReadFile(filepath.Join(without, f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs when the trials are saved", f)
		}
	}
	d, err := kay.Load(with)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := d.LoadRepeats()
	if err != nil || rep == nil {
		t.Fatalf("repeats: %v, %v", rep, err)
	}
	if rep.Trials != [2]int{2, 13} || len(rep.Test) != 13*d.Test.Stimuli.N*d.Voxels() {
		t.Errorf("trials %v, %d test values", rep.Trials, len(rep.Test))
	}
	d2, _ := kay.Load(without)
	if r, err := d2.LoadRepeats(); r != nil || err != nil {
		t.Errorf("no trial file: %v, %v; want nil, nil", r, err)
	}
	// trials of another dataset: refused, naming the file and key
	other := small()
	other.Seed = 9
	other.SaveRepeats = true
	od := t.TempDir()
	if _, _, err := Write(od, other, nil); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(od, kay.RepeatsFile))
	if err := os.WriteFile(filepath.Join(with, kay.RepeatsFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := d.LoadRepeats(); err == nil || !strings.Contains(err.Error(), kay.RepeatsFile) || !strings.Contains(err.Error(), "responses_repeats") {
		t.Errorf("mismatched trials: %v", err)
	}
}

// TestRealLabelCounts checks the embedded level-0 x level-1 table against the
// real NMA label file where it is at hand ($DT_KAY_LABELS, or
// shared/data/kay/kay_labels.npy beside or above the repository).
func TestRealLabelCounts(t *testing.T) {
	path := os.Getenv("DT_KAY_LABELS")
	if path == "" {
		for dir, _ := os.Getwd(); dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			if p := filepath.Join(dir, "shared", "data", "kay", "kay_labels.npy"); fileExists(p) {
				path = p
				break
			}
		}
	}
	if path == "" {
		t.Skip("the real kay_labels.npy is not at hand (set DT_KAY_LABELS)")
	}
	l, err := kay.LoadLabels(path, 1750)
	if err != nil {
		t.Fatal(err)
	}
	got := map[[2]string]int{}
	for i := range l.N() {
		got[[2]string{l.Level[0][i], l.Level[1][i]}]++
	}
	if len(got) != len(realLevel1) {
		t.Errorf("%d level-0 x level-1 pairs in %s, %d embedded", len(got), path, len(realLevel1))
	}
	for _, c := range realLevel1 {
		if n := got[[2]string{c.Level0, c.Level1}]; n != c.N {
			t.Errorf("%s / %s: %d in %s, %d embedded", c.Level0, c.Level1, n, path, c.N)
		}
	}
	cfg, _ := Profile("full", 1)
	for k, n := range cfg.TrainCounts {
		if l.Counts(0)[k] != n {
			t.Errorf("full profile: %d training images of %q, the real data %d", n, k, l.Counts(0)[k])
		}
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
