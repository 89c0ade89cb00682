package similarity

import (
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// TestROIRSAOnTheSimulator is the known answer: on the simulator (made
// clean: per-trial SNR 1), whose early areas see local image energy through
// small receptive fields and whose LatOcc voxels carry the planted category
// signal, the per-ROI RSA must put an early area (V1-V3) closest to the
// Gabor-energy representation and LatOcc farthest from it, and LatOcc
// closest to the category structure, with and without controlling the
// Gabor model.
func TestROIRSAOnTheSimulator(t *testing.T) {
	cfg, err := synth.Profile("full", 5)
	if err != nil {
		t.Fatal(err)
	}
	if testing.Short() {
		cfg, _ = synth.Profile("quick", 5)
	}
	cfg = cfg.Clean(1)
	roiM, gabor, sel := areasAndModel(t, cfg, kay.ROINames[1:]...)
	classes := len(sel.Classes)
	onehot := rsa.Patterns{N: len(sel.Test.Index), D: classes}
	for k := range sel.Test.Index {
		row := make([]float32, classes)
		row[sel.Test.Y[k]] = 1
		onehot.X = append(onehot.X, row...)
	}
	category, err := Build(Representation{Name: "category", Patterns: onehot, Labels: sel.Test.Y}, classes)
	if err != nil {
		t.Fatal(err)
	}
	refs := []Matrices{gabor, category}
	tab, err := CrossTable(roiM, refs, rsa.Spearman)
	if err != nil {
		t.Fatal(err)
	}
	best := func(col int) string {
		b := 0
		for r := range tab.Rows {
			t.Logf("%-7s vs %-8s %.3f", tab.Rows[r], tab.Cols[col], tab.Values[r][col])
			if tab.Values[r][col] > tab.Values[b][col] {
				b = r
			}
		}
		return tab.Rows[b]
	}
	if got := best(0); got != "V1" && got != "V2" && got != "V3" {
		t.Errorf("closest area to the Gabor-energy representation: %s, want V1, V2 or V3", got)
	}
	for r, roi := range tab.Rows {
		if roi != "LatOcc" && tab.Values[r][0] <= tab.Values[len(tab.Rows)-1][0] {
			t.Errorf("%s vs the Gabor model %.3f, not above LatOcc's %.3f", roi, tab.Values[r][0], tab.Values[len(tab.Rows)-1][0])
		}
	}
	// Category structure beyond the low-level model: V1's class structure
	// comes from image statistics, LatOcc's from the planted signal.
	partial := make([]float64, len(roiM))
	bp := 0
	for r, m := range roiM {
		partial[r] = stats.PartialSpearman(m.Image.UpperTriangle(), refs[1].Image.UpperTriangle(), refs[0].Image.UpperTriangle())
		t.Logf("%-7s vs category given gabor %.3f", m.Name, partial[r])
		if partial[r] > partial[bp] {
			bp = r
		}
	}
	if got := roiM[bp].Name; got != "LatOcc" {
		t.Errorf("closest area to the category structure beyond the Gabor model: %s, want LatOcc", got)
	}
	// Without the control too: the pictures' low-level statistics differ
	// by class far less than the planted category signal.
	if got := best(1); got != "LatOcc" {
		t.Errorf("closest area to the category structure: %s, want LatOcc", got)
	}
}

// gaborModel is the Gabor-energy representation of the selection's test
// images: a stimulus-driven model whose class structure comes only from the
// images' content.
func gaborModel(d *kay.Dataset, sel *kay.Selection) Representation {
	var imgs [][]float32
	for _, i := range sel.Test.Index {
		imgs = append(imgs, d.Test.Stimuli.At(i))
	}
	energy := synth.GaborEnergy(imgs, d.Test.Stimuli.H)
	pix := rsa.Patterns{N: len(energy), D: len(energy[0])}
	for _, e := range energy {
		pix.X = append(pix.X, e...)
	}
	return Representation{Name: "gabor", Patterns: pix, Labels: sel.Test.Y}
}

// areasAndModel simulates a dataset and returns the named areas' test
// matrices and the Gabor-energy model's.
func areasAndModel(t *testing.T, cfg synth.Config, areas ...string) ([]Matrices, Matrices, *kay.Selection) {
	t.Helper()
	d, _, err := synth.Generate(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		t.Fatal(err)
	}
	rois, err := ROIs(d, sel, areas)
	if err != nil {
		t.Fatal(err)
	}
	var out []Matrices
	for _, r := range rois {
		a, err := Build(r, len(sel.Classes))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	m, err := Build(gaborModel(d, sel), len(sel.Classes))
	if err != nil {
		t.Fatal(err)
	}
	return out, m, sel
}

// TestCategoryOnlyBrainCalibration is issue 13's calibration (a): a brain
// with no stimulus-driven component (the simulator's category-only switch)
// against the Gabor-energy model of the same images. Both carry the class
// structure (the brain by its category signal, the model because the
// classes' pictures differ), nothing within a class. Over 24 simulated
// subjects the raw test (free permutations) rejects nearly always; the
// within-class and partial tests (stratified) reject at the nominal rate:
// at most 4 of 24 at 5% (P(X >= 5) = 0.008 under the null).
func TestCategoryOnlyBrainCalibration(t *testing.T) {
	const subjects = 24
	cfg := rsa.TestConfig{Permutations: 399, Seed: 11}
	rejected := map[rsa.Method]int{}
	for s := range subjects {
		sim, _ := synth.Profile("quick", uint64(100+s))
		sim.TrainCounts = map[string]int{"artifact": 40, "animal": 30, "geological formation": 10} // only the test split is used
		sim.Size = 64                                                                              // faster; the null does not depend on it
		sim.CategoryOnly = true
		// pictures drawn as painted, whose classes differ at the low level:
		// the model then shares the brain's class structure strongly, the
		// hardest case for the within-class tests (the calibrated pictures
		// are as hard as photographs and share less of it)
		sim.Look = synth.Look{}
		areas, model, _ := areasAndModel(t, sim.Clean(1), "LatOcc")
		for _, m := range []rsa.Method{rsa.Spearman, rsa.WithinClassSpearman, rsa.PartialSpearmanCategory} {
			inf, err := rsa.Test(areas[0].Image, model.Image, m, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if inf.PValue < 0.05 {
				rejected[m]++
			}
		}
	}
	t.Logf("category-only brains: rejections at 5%% of %d: %v", subjects, rejected)
	if rejected[rsa.Spearman] < subjects*3/4 {
		t.Errorf("raw Spearman rejected %d of %d: the shared class structure should drive it", rejected[rsa.Spearman], subjects)
	}
	for _, m := range []rsa.Method{rsa.WithinClassSpearman, rsa.PartialSpearmanCategory} {
		if rejected[m] > 4 {
			t.Errorf("%s rejected %d of %d category-only brains, want at most 4 (nominal 5%%)", m, rejected[m], subjects)
		}
	}
}

// TestPlantedStimulusStructureDetected is calibration (b): on the planted
// simulator, V1-V3 see local image energy, so the within-class test against
// the Gabor-energy model must reject there (at a per-trial SNR of 0.3, every
// voxel alike: the calibrated profile's median voxel is far noisier, and
// with the quick profile's 58 test images the test has little power there).
func TestPlantedStimulusStructureDetected(t *testing.T) {
	sim, _ := synth.Profile("quick", 5)
	sim = sim.Clean(0.3)
	cfg := rsa.TestConfig{Permutations: 999, Seed: 12}
	areas, m, _ := areasAndModel(t, sim, "V1", "V2", "V3")
	for _, a := range areas {
		area := a.Name
		inf, err := rsa.Test(a.Image, m.Image, rsa.WithinClassSpearman, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s vs Gabor energy, within-class: %.3f, p = %.4f", area, inf.Value, inf.PValue)
		if inf.PValue >= 0.05 {
			t.Errorf("%s: planted stimulus-driven structure not detected (within-class %.3f, p = %.3f)", area, inf.Value, inf.PValue)
		}
	}
}

// TestCollapsedModelFlagged is calibration (c): a model that maps every
// image to (nearly) the same embedding has a constant RSM and is flagged;
// a real representation is not.
func TestCollapsedModelFlagged(t *testing.T) {
	const n, d = 20, 16
	labels := make([]int, n)
	collapsed := rsa.Patterns{N: n, D: d}
	varied := rsa.Patterns{N: n, D: d}
	for i := range n {
		labels[i] = i % 3
		for k := range d {
			collapsed.X = append(collapsed.X, 1+float32(k)+1e-7*float32(i%2)) // a float32 rounding apart
			varied.X = append(varied.X, float32((i*7+k*3)%11))
		}
	}
	for _, c := range []struct {
		p    rsa.Patterns
		want bool
	}{{collapsed, true}, {varied, false}} {
		m, err := Build(Representation{Name: "m", Patterns: c.p, Labels: labels}, 3)
		if err != nil {
			t.Fatal(err)
		}
		if got, spread := Collapsed(m); got != c.want {
			t.Errorf("collapsed %v (spread %.2g), want %v", got, spread, c.want)
		}
	}
}
