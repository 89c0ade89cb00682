package layers

import (
	"encoding/json"
	"math"
	"slices"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/plots"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/similarity"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// TestNewMethodIsOneEntry: a comparison method added to rsa's table (here
// Kendall's tau-a under a new name, registered for the layer-wise cells,
// tested, and for the per-area table) reaches, with no code naming it, the
// measures, every layer x ROI cell with its permutation test, the summary,
// the figures and layers.json, and a column of similarity.ROITable; and is
// gone again when unregistered.
func TestNewMethodIsOneEntry(t *testing.T) {
	const method, key = rsa.Method("kendall_a_test"), "tau_a"
	unregister, err := rsa.Register(rsa.MethodSpec{Method: method, Title: "Kendall tau-a (test entry)", Confounded: true,
		Layers: true, LayersKey: key, Tested: true, ROI: true,
		Stat: func(a, b, _ []float64) float64 { return stats.KendallTauA(a, b) }})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		unregister()
		if slices.Contains(Measures(), key) || slices.Contains(rsa.Methods, method) {
			t.Errorf("still a measure after unregistering: %v, %v", Measures(), rsa.Methods)
		}
	}()
	if _, err := rsa.Register(rsa.MethodSpec{Method: method, Stat: func(a, b, _ []float64) float64 { return 0 }}); err == nil {
		t.Errorf("registering %s twice: no error", method)
	}
	if ms := Measures(); !slices.Contains(ms, key) || ms[len(ms)-1] != Encoding {
		t.Fatalf("measures %v: want %s among them, encoding last", ms, key)
	}

	cfg, _ := synth.Profile("quick", 3)
	cfg.Size = 32
	cfg.TrainCounts = map[string]int{"animal": 20, "artifact": 20, "geological formation": 20}
	cfg.TestCounts = map[string]int{"animal": 8, "artifact": 8, "geological formation": 8}
	d, _, err := synth.Generate(cfg.Clean(1), nil)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		t.Fatal(err)
	}
	rois := []string{"V1", "LatOcc"}
	b, err := NewBrain(d, sel, rois, nil)
	if err != nil {
		t.Fatal(err)
	}
	pix := PixelModel(d, sel)
	tab, sum, err := Analyze(b, []Model{pix}, "none", Options{Bootstraps: 20, Permutations: 99, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rsm, err := rsa.Cosine(rsa.Patterns{N: pix.NTest, D: pix.Widths[0], X: pix.Test[0]})
	if err != nil {
		t.Fatal(err)
	}
	for k, roi := range rois {
		c := tab["pixels"]["pixels"][roi]
		want, err := rsa.Compare(rsm, b.rsms[k], rsa.KendallTauA)
		if err != nil {
			t.Fatal(err)
		}
		got := c.Get(key)
		test, tested := c.Tested(key)
		if math.Abs(float64(got.Value)-want) > 1e-12 || !(got.Low <= got.Value && got.Value <= got.High) {
			t.Errorf("%s: %s %+v, want the value %v inside its interval", roi, key, got, want)
		}
		if !tested || !(test.P > 0 && test.P <= 1) || !(test.PBH >= test.P) {
			t.Errorf("%s: %s's permutation test %+v (tested %v)", roi, key, test, tested)
		}
	}
	if !slices.Contains(sum.Measures, key) || sum.Significant["pixels"][key].Cells != len(rois) || sum.Best["pixels"][key]["V1"].Layer != "pixels" {
		t.Errorf("summary: measures %v, significance %+v, best %+v", sum.Measures, sum.Significant["pixels"], sum.Best["pixels"][key])
	}
	if !slices.ContainsFunc(Figures(tab, sum), func(s plots.Spec) bool { return s.Name == "pixels_"+key }) {
		t.Errorf("no figure pixels_%s", key)
	}
	// layers.json: the measure under its key, and the table reads back as
	// it was written.
	js, err := json.Marshal(tab)
	if err != nil {
		t.Fatal(err)
	}
	var back Table
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if again, _ := json.Marshal(back); string(again) != string(js) {
		t.Errorf("layers.json does not read back:\n%s\n%s", js, again)
	}
	var raw map[string]map[string]map[string]map[string]json.RawMessage
	if err := json.Unmarshal(js, &raw); err != nil {
		t.Fatal(err)
	}
	if cell := raw["pixels"]["pixels"]["V1"]; cell[key] == nil || cell[fractionKey] == nil || cell[MeasureName(rsa.Spearman)] == nil {
		t.Errorf("layers.json cell %s: want keys %s, %s and rsa", js, key, fractionKey)
	}

	// The per-area table: a column of its own, tested and adjusted.
	areas, err := similarity.ROIs(d, sel, rois)
	if err != nil {
		t.Fatal(err)
	}
	var am []similarity.Matrices
	for _, a := range areas {
		m, err := similarity.Build(a, len(sel.Classes))
		if err != nil {
			t.Fatal(err)
		}
		am = append(am, m)
	}
	pm, err := similarity.Build(similarity.Representation{Name: "pixels", Patterns: rsa.Patterns{N: pix.NTest, D: pix.Widths[0], X: pix.Test[0]}, Labels: sel.Test.Y}, len(sel.Classes))
	if err != nil {
		t.Fatal(err)
	}
	cells, err := similarity.ROITable(am, [][]similarity.Matrices{{pm}}, rsa.TestConfig{Permutations: 99, Bootstraps: 20, Level: 0.95, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for r, roi := range rois {
		inf, ok := cells[r][0][method]
		if !ok || inf.Method != method || !(inf.PValue > 0) || !(inf.PBH >= inf.PValue) || math.IsNaN(float64(inf.CILow)) {
			t.Errorf("ROITable %s: %s %+v (present %v)", roi, method, inf, ok)
		}
		if len(cells[r][0]) != len(rsa.ROIMethods()) {
			t.Errorf("ROITable %s: %d methods, want %d", roi, len(cells[r][0]), len(rsa.ROIMethods()))
		}
	}
}
