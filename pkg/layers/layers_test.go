package layers

import (
	"context"
	"gonum.org/v1/gonum/mat"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/jsonnum"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stimulus"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

// cleanQuick is the quick profile with seed made clean at a per-trial SNR
// (every voxel alike), and its default selection.
func cleanQuick(t *testing.T, seed uint64, snr float64) (*kay.Dataset, *kay.Selection) {
	t.Helper()
	cfg, _ := synth.Profile("quick", seed)
	d, _, err := synth.Generate(cfg.Clean(snr), nil)
	if err != nil {
		t.Fatal(err)
	}
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		t.Fatal(err)
	}
	return d, sel
}

// planted is a model whose layers are the simulator's own ROI-specific
// responses without noise (the same brain at an enormous SNR), one layer per
// ROI in hierarchy order, for the selection of d.
func planted(t *testing.T, clean *kay.Dataset, sel *kay.Selection) Model {
	t.Helper()
	m := Model{Name: "planted", NTrain: len(sel.Train.Index), NTest: len(sel.Test.Index)}
	for _, roi := range clean.ROINames[1:] {
		vox, _ := clean.ROIVoxels(roi)
		pick := func(resp kay.Matrix, idx []int) []float32 {
			var out []float32
			for _, i := range idx {
				for _, v := range vox {
					out = append(out, float32(resp.Row(i)[v]))
				}
			}
			return out
		}
		m.Layers = append(m.Layers, roi)
		m.Widths = append(m.Widths, len(vox))
		m.Train = append(m.Train, pick(clean.Train.Responses, sel.Train.Index))
		m.Test = append(m.Test, pick(clean.Test.Responses, sel.Test.Index))
	}
	return m
}

// TestPlantedMappingRecovered is the known answer: a "model" whose layers
// are the simulator's noise-free ROI responses is compared with the noisy
// brain (per-trial SNR 0.3). Each ROI's own layer must be its best layer
// (or its twin's: V3A and V3B are planted alike) under every measure (RSA
// over all pairs and within classes, CKA, encoding), chosen on held-out
// training images; and the best layer's depth must grow from V1 to LatOcc,
// the trend's interval over the models above 0. A layer equal to an ROI's
// measured patterns has RSA and CKA 1 with it.
func TestPlantedMappingRecovered(t *testing.T) {
	noisy, sel := cleanQuick(t, 4, 0.3)
	clean, _ := cleanQuick(t, 4, 1e6)
	b, err := NewBrain(noisy, sel, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := planted(t, clean, sel)
	// self's layers are the brain's own measured patterns over each ROI's
	// reliable voxels (the brain's selection)
	self := Model{Name: "self", NTrain: len(sel.Train.Index), NTest: len(sel.Test.Index)}
	for r, roi := range b.ROIs {
		pick := func(x *mat.Dense) []float32 {
			n, _ := x.Dims()
			var out []float32
			for i := range n {
				for _, c := range b.cols[r] {
					out = append(out, float32(x.At(i, c)))
				}
			}
			return out
		}
		self.Layers, self.Widths = append(self.Layers, roi), append(self.Widths, len(b.cols[r]))
		self.Train, self.Test = append(self.Train, pick(b.train)), append(self.Test, pick(b.test))
	}
	tab, sum, err := Analyze(b, []Model{m, self}, "none", Options{Bootstraps: 50, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	level := map[string]int{"V1": 0, "V2": 1, "V3": 2, "V3A": 3, "V3B": 3, "V4": 4, "LatOcc": 5}
	rsaAll, within, ckaName := MeasureName(rsa.Spearman), MeasureName(rsa.WithinClassSpearman), MeasureName(rsa.CKA)
	for _, meas := range []string{rsaAll, within, ckaName, Encoding} {
		for _, roi := range b.ROIs {
			best := sum.Best["planted"][meas][roi]
			t.Logf("%-9s %-7s best layer %-7s (%.3f; own layer %.3f)", meas, roi, best.Layer, float64(best.Value), float64(tab["planted"][roi][roi].Get(meas).Value))
			if level[best.Layer] != level[roi] {
				t.Errorf("%s: %s's best layer is %s, not its own (or its twin's)", meas, roi, best.Layer)
			}
		}
		if tr, ci := float64(sum.DepthTrend[meas]), sum.DepthTrendCI[meas]; !(tr > 0.7) || !(ci.Low > 0 && ci.Low <= ci.High) {
			t.Errorf("%s: depth trend %.3f [%.3f, %.3f], want the best layers deeper for later areas (> 0.7, interval above 0)", meas, tr,
				float64(ci.Low), float64(ci.High))
		}
	}
	// The planted relation is found by the permutation tests: every ROI's
	// own layer rejects the stratified null after adjustment across the
	// table, over all pairs and within classes.
	for _, roi := range b.ROIs {
		c := tab["planted"][roi][roi]
		raw, _ := c.Tested(rsaAll)
		wc, _ := c.Tested(within)
		if !(raw.PBH < 0.05) || !(wc.PBH < 0.05) {
			t.Errorf("%s: own layer's adjusted p %v (all pairs), %v (within classes), want < 0.05", roi, raw.PBH, wc.PBH)
		}
	}
	for _, roi := range b.ROIs {
		c := tab["self"][roi][roi]
		for _, meas := range []string{rsaAll, within, ckaName} {
			if v := c.Get(meas).Value; math.Abs(float64(v)-1) > 1e-9 {
				t.Errorf("%s with itself: %s %v, want 1", roi, meas, v)
			}
		}
	}
}

// TestGaborBeatsRandomCNNOnV1 is the known answer for the reference model:
// the simulator's V1 voxels pool Gabor energy, so the Gabor pyramid predicts
// them better than every layer of a random-weight ResNet-18 (encoding
// score, per-trial SNR 0.3).
func TestGaborBeatsRandomCNNOnV1(t *testing.T) {
	d, sel := cleanQuick(t, 6, 0.3)
	b, err := NewBrain(d, sel, []string{"V1", "LatOcc"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	bk, _, err := backend.FromEnv(os.Getenv).New("", backend.Convolutions)
	if err != nil {
		t.Fatal(err)
	}
	defer bk.Finalize()
	a, _ := cnn.Get("resnet18")
	net, err := cnn.NewRandom(bk, a, a.Seed(1))
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	m, err := FromBackbone(context.Background(), net, d, sel, nil, cnn.PoolGrid4, stimulus.FeatureOptions{Batch: 32})
	if err != nil {
		t.Fatal(err)
	}
	g, err := GaborModel(d, sel, 8)
	if err != nil {
		t.Fatal(err)
	}
	// the same model from the encoding analysis's features of every image
	enc, err := encoding.Run(d, encoding.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	g2, err := GaborModelOf(d, enc.Gabor, sel)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.Train[0], g2.Train[0]) || !slices.Equal(g.Test[0], g2.Test[0]) || g.Widths[0] != g2.Widths[0] {
		t.Errorf("the Gabor model from the encoding analysis's features differs from its own")
	}
	tab, _, err := Analyze(b, []Model{g, PixelModel(d, sel), m}, cnn.PoolGrid4, Options{Bootstraps: 20, Seed: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	gv := tab["gabor"]["gwp"]["V1"].Get(Encoding)
	t.Logf("V1 encoding score: gabor %.3f [%.3f, %.3f], pixels %.3f", float64(gv.Value), float64(gv.Low), float64(gv.High), float64(tab["pixels"]["pixels"]["V1"].Get(Encoding).Value))
	for _, l := range m.Layers {
		v := tab["resnet18"][l]["V1"].Get(Encoding).Value
		t.Logf("  resnet18 %-12s %.3f", l, float64(v))
		if !(gv.Value > v) {
			t.Errorf("resnet18 %s predicts V1 at %.3f, not below the Gabor model's %.3f", l, float64(v), float64(gv.Value))
		}
	}
}

// TestPermutationNullCalibrated states the layer tests' null and checks its
// rate on the simulator: 200 random "layers" that carry the test images'
// class structure (a class prototype plus independent noise per image) but
// nothing else of the brain are compared with every ROI of a simulated brain
// whose areas carry class signal too. Under the stratified permutations the
// p-values must be uniform: about 5% below 0.05 and 20% below 0.2 for RSA
// over all pairs (which free permutations reject far above the nominal rate,
// as both sides share the class blocks: checked) and within classes;
// Benjamini-Hochberg across the table rejects almost never.
func TestPermutationNullCalibrated(t *testing.T) {
	d, sel := cleanQuick(t, 8, 0.5)
	b, err := NewBrain(d, sel, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	n, dim, classes := len(sel.Test.Y), 16, len(sel.Classes)
	rng := rand.New(rand.NewPCG(3, 4))
	const layers = 200
	var rsms []rsa.Matrix
	for range layers {
		proto := make([]float64, classes*dim)
		for i := range proto {
			proto[i] = 2 * rng.NormFloat64()
		}
		p := rsa.Patterns{N: n, D: dim, X: make([]float32, n*dim)}
		for i, y := range sel.Test.Y {
			for k := range dim {
				p.X[i*dim+k] = float32(proto[y*dim+k] + rng.NormFloat64())
			}
		}
		m, err := rsa.Cosine(p)
		if err != nil {
			t.Fatal(err)
		}
		m.Labels = b.labels
		rsms = append(rsms, m)
	}
	cells := make([][]Cell, layers)
	for l := range cells {
		cells[l] = make([]Cell, len(b.ROIs))
	}
	if err := b.permutationTests(cells, rsms, nil, Options{Permutations: 999, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	free, err := rsa.PermutationPValues(rsms, b.rsms, rsa.Spearman, rsa.TestConfig{Permutations: 999, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	rejected := 0
	for l := range free {
		for _, p := range free[l] {
			if p < 0.05 {
				rejected++
			}
		}
	}
	t.Logf("rsa, free permutations: %d of %d below 0.05", rejected, layers*len(b.ROIs))
	if rejected < layers*len(b.ROIs)/5 {
		t.Errorf("free permutations reject %d of %d: the shared class structure should make them reject far above 5%%", rejected, layers*len(b.ROIs))
	}
	for _, meas := range []string{MeasureName(rsa.Spearman), MeasureName(rsa.WithinClassSpearman)} {
		var below05, below20, adjusted, total float64
		for l := range cells {
			for k := range cells[l] {
				tt, ok := cells[l][k].Tested(meas)
				if !ok {
					t.Fatalf("%s: no permutation test", meas)
				}
				total++
				if tt.P < 0.05 {
					below05++
				}
				if tt.P < 0.2 {
					below20++
				}
				if tt.PBH < 0.05 {
					adjusted++
				}
			}
		}
		t.Logf("%s: %d tests, %.3f below 0.05, %.3f below 0.2, %.3f adjusted below 0.05", meas, int(total), below05/total, below20/total, adjusted/total)
		if r := below05 / total; r < 0.02 || r > 0.09 {
			t.Errorf("%s: %.3f of null p-values below 0.05, want about 0.05", meas, r)
		}
		if r := below20 / total; r < 0.13 || r > 0.27 {
			t.Errorf("%s: %.3f of null p-values below 0.2, want about 0.2", meas, r)
		}
		if r := adjusted / total; r > 0.02 {
			t.Errorf("%s: %.3f of adjusted null p-values below 0.05, want almost none", meas, r)
		}
	}
}

// TestDepthTableSaysWhy: a trend over depths that do not vary, a trend
// without an interval and an area no CNN reached read n/a or "no
// interval" with the reason, never NaN.
func TestDepthTableSaysWhy(t *testing.T) {
	nan := jsonnum.Float(math.NaN())
	s := Summary{ROIs: []string{"V1", "V2"}, Measures: []string{"rsa", "cka", "encoding"},
		Depth: map[string]map[string]Depth{
			"rsa": {"V1": {Mean: 0.5}, "V2": {Mean: 0.5}}, "cka": {"V1": {Mean: 0.2}, "V2": {Mean: nan}},
			"encoding": {"V1": {Mean: 0.1}, "V2": {Mean: 0.9}}},
		DepthTrend:   map[string]jsonnum.Float{"rsa": nan, "cka": 0.5, "encoding": 1},
		DepthTrendCI: map[string]Interval{"rsa": {nan, nan}, "cka": {nan, nan}, "encoding": {0.2, 1}}}
	got := s.DepthTable()
	for _, want := range []string{"measure               V1     V2  depth trend", "rsa                 0.50   0.50  trend n/a: the mean depths do not vary",
		"cka                 0.20    n/a  trend 0.50, no interval: under 2 CNNs", "encoding            0.10   0.90  trend 1.00 [0.20, 1.00]"} {
		if !strings.Contains(got, want) {
			t.Errorf("depth table lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "NaN") {
		t.Errorf("depth table shows NaN:\n%s", got)
	}
}
