package study

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/internal/peakmem"
	"github.com/decodingthoughts/decoding-thoughts/internal/simtest"
	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/distortion"
	"github.com/decodingthoughts/decoding-thoughts/pkg/encoding"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/similarity"
	"github.com/decodingthoughts/decoding-thoughts/pkg/stats"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
	"github.com/decodingthoughts/decoding-thoughts/pkg/weights"
)

func init() {
	// Two small backbones (different widths) keep the end-to-end test fast
	// on every backend: a strided convolution, ReLU, global pooling and a
	// Linear layer to the 1000 "logits".
	for name, width := range map[string]int{"tiny_a": 8, "tiny_b": 16, "tiny_c": 12} {
		cnn.Register(name, width, name+".pth", func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
			x = nn.ReLU(nn.Conv2d(scope.In("conv"), x, nn.Conv{Out: width, Kernel: 5, Stride: 4, Padding: 2, Bias: true}))
			f := nn.Flatten(nn.AdaptiveAvgPool2d(x, 1, 1))
			return nn.Linear(scope.In("fc"), f, cnn.Classes), f
		})
	}
}

// TestStudyEndToEnd runs every stage on the tiny simulator with two small
// backbones, checks the promised outputs, and runs it again: the training
// stages are reopened and results.json is identical apart from timings.
// The tiny profile in the long suite too: its pictures are drawn as
// painted, so the small backbones classify them above chance; on the quick
// profile's pictures, as hard as photographs, they are at chance, every
// model degenerate, and the hypothesis and the area table have nothing to
// show (measured: both failed there).
func TestStudyEndToEnd(t *testing.T) {
	d := simulated(t, "tiny", 1)
	conv, dense := backends(t)
	out, cache := t.TempDir(), t.TempDir()
	var log strings.Builder
	run := func() *Results {
		c := Config{Data: d, Out: out, Models: []string{"tiny_a", "tiny_b"}, Conv: conv, Dense: dense, Seed: 3, Cache: cache, Seeds: 2, Progress: &log,
			Test:    rsa.TestConfig{Permutations: 200, Bootstraps: 100, Level: 0.95, Seed: 3},
			ROITest: rsa.TestConfig{Permutations: 100, Bootstraps: 50, Level: 0.95, Seed: 4}}
		r, err := Run(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := run()
	// the layers stage's in-silico curves read the distorted test images'
	// layers the robustness stage's pass cached: no backbone pass of its own
	if i := strings.Index(log.String(), ": layers\n"); i < 0 {
		t.Errorf("no layers stage in the log")
	} else if regexp.MustCompile(`distortions \(| gaussian-[0-9]`).MatchString(log.String()[i:]) {
		t.Errorf("the layers stage ran the backbone on distorted images:\n%s", log.String()[i:])
	}
	for _, f := range []string{ResultsFile, ReportFile, "embeddings/fmri.npz", "embeddings/tiny_a.npz", "rsm/tiny_b.npz",
		"fmri/checkpoint.npz", "fmri/seeds/4/checkpoint.npz", "cnn/tiny_a/metrics.json", "cnn/tiny_b/seeds/4/checkpoint.npz",
		"explore/summary.json", "encoding/encoding.json", "encoding/encoding_identification.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	z, err := npfile.OpenNPZ(filepath.Join(out, "embeddings", "tiny_b.npz"))
	if err != nil {
		t.Fatal(err)
	}
	emb, _ := z.Read("embedding")
	lab, _ := z.Read("label")
	z.Close()
	if emb.Kind() != "f4" || emb.Shape[0] != first.Dataset.NTest || emb.Shape[1] != 100 || lab.Kind() != "i8" || lab.Shape[0] != first.Dataset.NTest {
		t.Errorf("embeddings: %s and %s", emb.Describe(), lab.Describe())
	}
	for _, name := range []string{"tiny_a", "tiny_b"} {
		c := first.CNN[name]
		if len(c.Primary.BalancedAccuracy) != 5 || c.Primary.Seeds != 2 || len(c.Distortions) != 2 || len(c.RSMCorrFMRIDistorted) != 5 || c.Params == 0 {
			t.Errorf("%s: results incomplete: %+v", name, c)
		}
		if vs := first.VoxelSelection; vs == nil || vs.Method == "none" || vs.Selected > vs.Of || vs.Selected < encoding.MinReliable {
			t.Errorf("the brain's own RSM's voxels: %+v", vs)
		}
		if v, ok := c.RSMCorrVoxels[similarity.PooledName]; !ok || (!c.Degenerate && math.IsNaN(float64(v.WithinClass().PValue))) {
			t.Errorf("%s: no tested comparison with the voxels: %+v", name, c.RSMCorrVoxels)
		}
		wc := c.RSMCorrFMRI.WithinClass()
		if c.Degenerate != math.IsNaN(float64(wc.PValue)) || wc.Seeds != 2 || (!c.Degenerate && (wc.Permutations != 200 || !wc.Stratified || math.IsNaN(c.Holm(rsa.WithinClassSpearman)))) {
			t.Errorf("%s: degenerate %v (%s), within-class %+v", name, c.Degenerate, c.DegenerateReason, wc)
		}
	}
	checkAreaVoxels(t, d, out, first)
	if e := first.Encoding; e == nil || e.Identification.N != d.Test.Stimuli.N || !(e.Identification.Value > 5*e.Identification.Chance) ||
		e.NVoxels != 31 || len(e.ROIs) != 7 || math.IsNaN(float64(e.ROIs[0].NoiseCeiling)) {
		t.Errorf("encoding stage: identification %+v with %d voxels, areas %+v", e.Identification, e.NVoxels, e.ROIs)
	}
	if ls := first.LayersSummary; ls == nil || len(first.Layers) != 4 || len(first.Layers["tiny_a"]) != 2 || len(ls.ROIs) != 7 ||
		first.Layers["gabor"]["gwp"]["V1"].Get("encoding").Value == 0 || ls.Best["pixels"]["rsa"]["V1"].Layer != "pixels" {
		t.Errorf("layers stage: %d models, summary %+v", len(first.Layers), first.LayersSummary)
	}
	if c := first.BrainRobustness["gaussian"]["V1"]; len(c.RSMCorrClean) != len(c.Levels) || len(c.Identification) != len(c.Levels) || c.RSMCorrClean[0] != 1 {
		t.Errorf("brain robustness in silico: %+v", first.BrainRobustness["gaussian"])
	}
	if p := first.Hypothesis.Power; len(p) != 15 || p[0].Images != first.Dataset.NTest || p[0].Seeds != 2 {
		t.Errorf("the design's power table: %+v", p)
	}
	if _, err := os.Stat(filepath.Join(out, "figures", "brain_robustness_gaussian.png")); err != nil {
		t.Errorf("brain robustness figure: %v", err)
	}
	if l := first.LayersSummary.Robustness; l == nil || l["encoding"]["V1"].Models != 2 {
		t.Errorf("layers vs robustness: %+v", l)
	}
	// the best layers' in-silico curves under the primary distortion, each
	// model's and the simulated brain's over the same voxels
	if ins := first.LayersSummary.InSilico; ins == nil || ins.Distortion != "gaussian" || len(ins.Truth) != 7 || len(ins.Models) != 4 {
		t.Errorf("layers in silico: %+v", ins)
	} else {
		for _, name := range []string{"gabor", "pixels", "tiny_a", "tiny_b"} {
			c, tr := ins.Models[name]["V1"], ins.Truth["V1"]
			if c.Layer == "" || len(c.RSMCorrClean) != len(ins.Levels) || c.RSMCorrClean[0] != 1 || c.Voxels != tr.Voxels || tr.RSMCorrClean[0] != 1 {
				t.Errorf("%s's in-silico curve in V1: %+v (truth %+v)", name, c, tr)
			}
		}
	}
	for _, f := range []string{"depth_encoding.png", "gabor_encoding.png", "tiny_a_cka.png", "robustness_by_area.png", "in_silico_V1.png", "in_silico_LatOcc.png"} {
		if _, err := os.Stat(filepath.Join(out, "layers", f)); err != nil {
			t.Errorf("layers figure: %v", err)
		}
	}
	if len(first.ROI.ROIs) != 7 || first.ROI.Test.Permutations != 100 || !first.ROI.Test.Stratify {
		t.Errorf("roi table %+v", first.ROI)
	}
	for _, roi := range first.ROI.ROIs {
		if _, ok := first.ROI.Cells[roi]["fmri"]; ok || len(first.ROI.Cells[roi]) != len(first.ROI.Models) {
			t.Errorf("%s: cells %v for models %v (the decoder is not a column)", roi, first.ROI.Cells[roi], first.ROI.Models)
		}
	}
	if first.FMRI.AtChance {
		t.Errorf("the decoder is at chance on the tiny profile, so nothing was tested: %s", first.FMRI.Reason)
	}
	if n := first.Hypothesis.NModels + len(first.Hypothesis.Excluded); n != 2 || len(first.Hypothesis.Tests) != 12 || first.Hypothesis.Regression != nil {
		t.Errorf("hypothesis: %d models + %d excluded, %d tests", first.Hypothesis.NModels, len(first.Hypothesis.Excluded), len(first.Hypothesis.Tests))
	}
	html, _ := os.ReadFile(filepath.Join(out, ReportFile))
	if n := strings.Count(string(html), "data:image/png;base64,"); n < 20 {
		t.Errorf("report embeds %d figures", n)
	}
	// Every figure has words for a caption, and no number reads NaN (an
	// undefined one says n/a and why).
	for _, part := range strings.Split(string(html), `<figure data-file="`)[1:] {
		file, _, _ := strings.Cut(part, `"`)
		if text, ok := caption(file); !ok {
			t.Errorf("figure %s has no caption in the captions table (would read %q)", file, text)
		}
	}
	words := regexp.MustCompile(`data:image/png;base64,[^"]*`).ReplaceAllString(string(html), "")
	for _, a := range append([]string{similarity.PooledName}, first.ROI.ROIs...) {
		vs := first.VoxelSelection
		if a != similarity.PooledName {
			vs = first.VoxelSelectionAreas[a]
		}
		if h := fmt.Sprintf(`<th>%s<br><span class="n">%d of %d</span></th>`, a, vs.Selected, vs.Of); !strings.Contains(words, h) {
			t.Errorf("the report's table against the voxels' own RSMs lacks the column %s", h)
		}
	}
	if n := strings.Count(words, "too few reliable in "); n != 1 {
		t.Errorf("the voxel table's fallbacks said %d times, want once", n)
	}
	for what, text := range map[string]string{"report": words, "summary": first.Summary(), "area summary": first.ROISummary(), "voxel summary": first.VoxelSummary()} {
		if i := strings.Index(text, "NaN"); i >= 0 {
			t.Errorf("the %s shows NaN: %q", what, text[max(0, i-120):min(len(text), i+40)])
		}
	}
	// The tables fit a notebook's output (about 95 columns at 1280 px): the
	// area table one line per area and model, the rank tests one per test.
	for what, text := range map[string]string{"area summary": first.ROISummary(), "voxel summary": first.VoxelSummary(), "hypothesis summary": first.HypothesisSummary()} {
		rows := 0
		for _, line := range strings.Split(text, "\n") {
			f := strings.Fields(line)
			if len(f) == 0 || !slices.Contains([]string{"area", "voxels", "brain", "decoder", similarity.PooledName, "distortion", "gaussian", "box"}, f[0]) && !slices.Contains(first.ROI.ROIs, f[0]) {
				continue // prose, which wraps as prose
			}
			rows++
			if len(line) > 95 {
				t.Errorf("the %s has a table line of %d columns: %q", what, len(line), line)
			}
		}
		if rows < 2 {
			t.Errorf("the %s has %d table lines:\n%s", what, rows, text)
		}
	}
	m, err := LoadMatrices(out, "fmri")
	if err != nil || m.Name != "fMRI decoder" || m.Image.N != first.Dataset.NTest || len(m.Order) != m.Image.N || m.Class.N != 3 {
		t.Errorf("rsm/fmri.npz reloaded: %v, %+v", err, m.Image.N)
	}
	bad := filepath.Join(out, "rsm", "bad.npz")
	_ = npfile.WriteNPZ(bad, npfile.Entry{Key: "image", Array: npfile.Array{Shape: []int{1, 1}, Data: []float32{1}}})
	if _, err := LoadMatrices(out, "bad"); err == nil || !strings.Contains(err.Error(), "bad.npz") {
		t.Errorf("malformed rsm file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cache, "features")); err != nil {
		t.Errorf("backbone features were not cached under Config.Cache: %v", err)
	}
	trained := []string{"fmri/checkpoint.npz", "cnn/tiny_a/checkpoint.npz", "cnn/tiny_b/checkpoint.npz"}
	stamps := map[string]time.Time{}
	for _, f := range trained {
		st, err := os.Stat(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		stamps[f] = st.ModTime()
	}
	second := run()
	for _, f := range trained { // reopened, not retrained: the checkpoints were not written again
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || !st.ModTime().Equal(stamps[f]) {
			t.Errorf("%s was rewritten by the second run (%v)", f, err)
		}
	}
	for name, c := range first.Compilations { // a fresh run compiles each backbone's graphs
		if c.Count < 1 {
			t.Errorf("%s: %d graph compilations recorded on the first run", name, c.Count)
		}
	}
	for _, name := range []string{"cnn", "layers"} { // each stage's peak memory, where the system reports it
		if _, ok := peakmem.Peak(); ok && !(first.PeakMemoryMB[name] > 0) {
			t.Errorf("stage %s: peak memory %v MiB recorded", name, first.PeakMemoryMB[name])
		}
	}
	// Timings, compilations and memory measure the run (the second reopens
	// what the first computed), not the results.
	first.Timings, second.Timings = nil, nil
	first.PeakMemoryMB, second.PeakMemoryMB = nil, nil
	first.Compilations, second.Compilations = nil, nil
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(second)
	if string(a) != string(b) {
		t.Errorf("same inputs, different results:\n%s\n%s", a, b)
	}
}

// TestPlanRunsWhatStagesNeed: a subset runs with what it needs, in order;
// an unknown stage is an error naming the known ones.
func TestPlanRunsWhatStagesNeed(t *testing.T) {
	for req, want := range map[string]string{
		"rsa":          "encoding,fmri,cnn,rsa",
		"hypothesis":   "encoding,fmri,cnn,rsa,robustness,hypothesis",
		"roi_rsa,fmri": "encoding,fmri,cnn,rsa,roi_rsa",
		"":             strings.Join(StageNames(), ","),
	} {
		var stages []string
		if req != "" {
			stages = strings.Split(req, ",")
		}
		got, err := Plan(stages)
		if err != nil || strings.Join(got, ",") != want {
			t.Errorf("Plan(%q) = %v, %v; want %s", req, got, err, want)
		}
	}
	if _, err := Plan([]string{"rsa", "blur"}); err == nil || !strings.Contains(err.Error(), `unknown stage "blur"`) || !strings.Contains(err.Error(), "roi_rsa") {
		t.Errorf("unknown stage: %v", err)
	}
}

// TestUndefinedHypothesisIsNull: a run with fewer than 3 models (or no
// variation) has no rho; results.json says null, never NaN (which
// encoding/json refuses, failing the whole run: issue 12's F4).
func TestUndefinedHypothesisIsNull(t *testing.T) {
	ref := similarity.Matrices{Image: rsa.Matrix{N: 3, Data: make([]float64, 9), Labels: []int{0, 1, 2}}, Labels: []int{0, 1, 2}, Order: []int{0, 1, 2}}
	a, err := cnn.Get("tiny_a")
	if err != nil {
		t.Fatal(err)
	}
	st := &state{cfg: Config{Models: []string{"tiny_a"}, Distortions: []distortion.Distortion{distortion.Gaussian()}, Seeds: 1},
		fmri:   brain{rsms: []similarity.Matrices{ref}},
		models: []*record{{arch: a, res: CNNResult{Degenerate: true, DegenerateReason: "constant RSM"}}},
		res:    &Results{CNN: map[string]CNNResult{}}}
	if err := st.hypothesis(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(st.results())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"spearman_rho":null`) || !strings.Contains(st.res.Hypothesis.Verdict, "at least 3 models") {
		t.Errorf("one model: %s", b)
	}
	var back Results
	if err := json.Unmarshal(b, &back); err != nil || !math.IsNaN(float64(back.Hypothesis.SpearmanRho)) || back.Hypothesis.NModels != 0 ||
		len(back.Hypothesis.Excluded) != 1 || back.Hypothesis.Excluded[0].Model != "tiny_a" {
		t.Errorf("read back: %+v, %v", back.Hypothesis, err)
	}
}

// TestVariantsByArchitecture: issue 14's architecture-controlled analysis.
// Three models of one architecture with different weights (the registry
// name with its random weights and two variants with their own files) are
// compared like any others, each recorded with its architecture and
// weights, and the hypothesis is also tested within that architecture.
func TestVariantsByArchitecture(t *testing.T) {
	cfg, _ := synth.Profile(simtest.Profile(), 2)
	d, _, err := synth.Write(t.TempDir(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := cnn.Get("tiny_a")
	dir := t.TempDir()
	names := []string{"tiny_a"}
	for _, seed := range []int64{11, 12} {
		sd, err := a.RandomStateDict(seed)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, fmt.Sprintf("v%d.safetensors", seed))
		if err := weights.WriteSafetensors(file, sd); err != nil {
			t.Fatal(err)
		}
		v, err := cnn.Variant(fmt.Sprintf("tiny_a_v%d", seed), "tiny_a", file)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, v.Name)
	}
	conv, _, err := backend.FromEnv(os.Getenv).New("", backend.Convolutions)
	if err != nil {
		t.Fatal(err)
	}
	dense, _, err := backend.FromEnv(os.Getenv).New("", backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	c := Config{Data: d, Out: t.TempDir(), Models: names, Conv: conv, Dense: dense, Seed: 3, Cache: t.TempDir(), Seeds: 1,
		Stages: []string{"fmri", "cnn", "embeddings", "rsa", "robustness", "hypothesis"},
		Test:   rsa.TestConfig{Permutations: 100, Bootstraps: 50, Level: 0.95, Seed: 3}}
	r, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		got := r.CNN[name]
		if got.Architecture != "tiny_a" || got.Pretrained != (i > 0) || (i > 0 && !strings.HasSuffix(got.Weights, fmt.Sprintf("v%d.safetensors", 10+i))) {
			t.Errorf("%s: architecture %q, weights %q, pretrained %v", name, got.Architecture, got.Weights, got.Pretrained)
		}
	}
	if r.Hypothesis.NModels != 3 {
		t.Fatalf("tested %d models (excluded %v): the test needs the 3 (seeded; none degenerate here)", r.Hypothesis.NModels, r.Hypothesis.Excluded)
	}
	within, ok := r.Hypothesis.ByArchitecture["tiny_a"]
	if !ok || len(within.Models) != 3 || len(within.Tests) != len(r.Hypothesis.Tests) || !strings.Contains(r.HypothesisSummary(), "within tiny_a (3 variants") {
		t.Errorf("within tiny_a: %v, %+v", ok, within)
	}
}

// simulated writes a simulator profile's dataset into a new folder.
func simulated(t *testing.T, profile string, seed uint64) *kay.Dataset {
	t.Helper()
	cfg, err := synth.Profile(profile, seed)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := synth.Write(t.TempDir(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// backends starts the backbone and dense backends the environment asks for.
func backends(t *testing.T) (conv, dense compute.Backend) {
	t.Helper()
	var err error
	if conv, _, err = backend.FromEnv(os.Getenv).New("", backend.Convolutions); err != nil {
		t.Fatal(err)
	}
	if dense, _, err = backend.FromEnv(os.Getenv).New("", backend.Dense); err != nil {
		t.Fatal(err)
	}
	return conv, dense
}

// checkAreaVoxels checks rsm_corr_voxels.<area>: every area's reliable
// voxels, tested with the area table's resampling, Holm across the tested
// models within the area (recomputed here), and each value against one
// computed here from the raw responses: the area's voxels reliable on the
// training images, cosine similarity of their test patterns by hand,
// Spearman against the first seed's saved RSM, which must be one of the
// two seeds' values the reported mean and s.d. (n - 1) imply.
func checkAreaVoxels(t *testing.T, d *kay.Dataset, out string, r *Results) {
	t.Helper()
	if len(r.ROI.ROIs) != len(d.ROINames)-1 || len(r.VoxelSelectionAreas) != len(r.ROI.ROIs) {
		t.Fatalf("areas: table %v, voxel selections %v", r.ROI.ROIs, r.VoxelSelectionAreas)
	}
	sel, err := d.Select(kay.DefaultFilter())
	if err != nil {
		t.Fatal(err)
	}
	for _, area := range r.ROI.ROIs {
		vox, err := d.ROIVoxels(area)
		if err != nil {
			t.Fatal(err)
		}
		vs := r.VoxelSelectionAreas[area]
		reliable, _ := r.Encoding.Reliability.ReliableOf(vox, encoding.MinReliable)
		if vs == nil || vs.Of != len(vox) || vs.Selected != len(reliable) || vs.Selected < min(len(vox), encoding.MinReliable) || vs.Method == "none" {
			t.Errorf("%s: voxel selection %+v of %d voxels, %d reliable", area, vs, len(vox), len(reliable))
			continue
		}
		for _, m := range []rsa.Method{rsa.Spearman, rsa.WithinClassSpearman} {
			var names []string
			var ps []float64
			for _, name := range r.Models {
				c := r.CNN[name]
				inf := c.RSMCorrVoxels[area].Get(m)
				if c.Degenerate {
					if !math.IsNaN(float64(inf.PValue)) || !math.IsNaN(float64(c.PHolmAreas[area][m])) {
						t.Errorf("%s, %s, %s: a degenerate model tested: %+v", area, name, m, inf)
					}
					continue
				}
				if inf.Permutations != 100 || !inf.Stratified || inf.Seeds != 2 || math.IsNaN(float64(inf.PValue)) || !(inf.CILow <= inf.Value && inf.Value <= inf.CIHigh) {
					t.Errorf("%s, %s, %s: %+v", area, name, m, inf)
				}
				names, ps = append(names, name), append(ps, float64(inf.PValue))
				if m != rsa.Spearman {
					continue
				}
				first := firstSeedSpearman(t, d, sel, reliable, filepath.Join(out, "rsm", name+".npz"))
				half := float64(inf.SeedSD) / math.Sqrt2
				if v := float64(inf.Value); math.Abs(first-(v-half)) > 1e-6 && math.Abs(first-(v+half)) > 1e-6 {
					t.Errorf("%s, %s: the first seed's Spearman by hand %.9f; reported mean %.9f, s.d. %.9f", area, name, first, v, inf.SeedSD)
				}
			}
			for k, p := range stats.Holm(ps) {
				if got := float64(r.CNN[names[k]].PHolmAreas[area][m]); got != p {
					t.Errorf("%s, %s, %s: Holm p %v, want %v", area, names[k], m, got, p)
				}
			}
		}
	}
}

// firstSeedSpearman is the Spearman correlation, over the upper triangle,
// of the saved RSM at path with the cosine similarity of the test images'
// raw responses over voxels, in the saved RSM's image order.
func firstSeedSpearman(t *testing.T, d *kay.Dataset, sel *kay.Selection, voxels []int, path string) float64 {
	t.Helper()
	z, err := npfile.OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	img, err := z.Read("image")
	if err != nil {
		t.Fatal(err)
	}
	ord, err := z.Read("order")
	if err != nil {
		t.Fatal(err)
	}
	model, order := img.Data.([]float64), ord.Data.([]int64)
	n := len(order)
	rows := make([][]float64, n)
	for k, o := range order {
		resp := d.Test.Responses.Row(sel.Test.Index[o])
		for _, v := range voxels {
			rows[k] = append(rows[k], float64(float32(resp[v])))
		}
	}
	cos := func(a, b []float64) float64 {
		var ab, aa, bb float64
		for i := range a {
			ab, aa, bb = ab+a[i]*b[i], aa+a[i]*a[i], bb+b[i]*b[i]
		}
		return ab / math.Sqrt(aa*bb)
	}
	var x, y []float64
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			x, y = append(x, cos(rows[i], rows[j])), append(y, model[i*n+j])
		}
	}
	return stats.Spearman(x, y)
}

// TestStudyWithoutAnArea: a data set cut down to some visual areas (V3B's
// voxels relabelled Other, its name kept in roi_names, as a file with
// only some areas' voxels has it) runs every per-area analysis over the
// areas that hold voxels instead of failing on the empty one.
func TestStudyWithoutAnArea(t *testing.T) {
	d := simulated(t, "tiny", 2)
	v3b, err := d.ROIIndex("V3B")
	if err != nil {
		t.Fatal(err)
	}
	for v, r := range d.ROI {
		if r == int64(v3b) {
			d.ROI[v] = 0
		}
	}
	want := []string{"V1", "V2", "V3", "V3A", "V4", "LatOcc"}
	if got := d.Areas(); !slices.Equal(got, want) {
		t.Fatalf("areas %v, want %v", got, want)
	}
	conv, dense := backends(t)
	r, err := Run(context.Background(), Config{Data: d, Out: t.TempDir(), Cache: t.TempDir(), Models: []string{"tiny_a"}, Conv: conv, Dense: dense,
		Seed: 3, Seeds: 1, Stages: []string{"roi_rsa", "brain_robustness", "layers"},
		Test:    rsa.TestConfig{Permutations: 50, Bootstraps: 20, Level: 0.95, Seed: 3},
		ROITest: rsa.TestConfig{Permutations: 50, Bootstraps: 20, Level: 0.95, Seed: 4}})
	if err != nil {
		t.Fatal(err)
	}
	keys := func(m any) []string {
		var out []string
		switch m := m.(type) {
		case map[string]*VoxelSelection:
			for k := range m {
				out = append(out, k)
			}
		case map[string]similarity.Comparison:
			for k := range m {
				if k != similarity.PooledName {
					out = append(out, k)
				}
			}
		}
		slices.Sort(out)
		return out
	}
	sorted := slices.Sorted(slices.Values(want))
	var curves []string
	for roi := range r.BrainRobustness["gaussian"] {
		curves = append(curves, roi)
	}
	slices.Sort(curves)
	var enc []string
	for _, a := range r.Encoding.ROIs {
		enc = append(enc, a.ROI)
	}
	for what, got := range map[string][]string{
		"area table":        r.ROI.ROIs,
		"layers":            r.LayersSummary.ROIs,
		"encoding":          enc,
		"voxel selections":  keys(r.VoxelSelectionAreas),
		"voxel comparisons": keys(r.CNN["tiny_a"].RSMCorrVoxels),
		"brain robustness":  curves,
	} {
		w := want
		if what == "voxel selections" || what == "voxel comparisons" || what == "brain robustness" {
			w = sorted
		}
		if !slices.Equal(got, w) {
			t.Errorf("%s: areas %v, want %v", what, got, w)
		}
	}
}
