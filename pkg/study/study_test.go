package study

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/cnn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/rsa"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
)

func init() {
	// Two small backbones (different widths) keep the end-to-end test fast
	// on every backend: a strided convolution, ReLU, global pooling and a
	// Linear layer to the 1000 "logits".
	for name, width := range map[string]int{"tiny_a": 8, "tiny_b": 16} {
		cnn.Register(name, width, name+".pth", func(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
			x = nn.ReLU(nn.Conv2d(scope.In("conv"), x, nn.Conv{Out: width, Kernel: 5, Stride: 4, Padding: 2, Bias: true}))
			f := nn.Flatten(nn.AdaptiveAvgPool2d(x, 1, 1))
			return nn.Linear(scope.In("fc"), f, cnn.Classes), f
		})
	}
}

// TestStudyEndToEnd runs every stage on the quick simulator with two small
// backbones, checks the promised outputs, and runs it again: the training
// stages are reopened and results.json is identical apart from timings.
func TestStudyEndToEnd(t *testing.T) {
	t.Setenv("DT_CACHE", t.TempDir())
	cfg, _ := synth.Profile("quick", 1)
	dataDir := t.TempDir()
	d, _, err := synth.Write(dataDir, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	conv, _, err := backend.New("", backend.Convolutions)
	if err != nil {
		t.Fatal(err)
	}
	dense, _, err := backend.New("", backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	run := func() *Results {
		c := Config{Data: d, Out: out, Models: []string{"tiny_a", "tiny_b"}, Conv: conv, Dense: dense, Seed: 3,
			Test:      rsa.TestConfig{Permutations: 200, Bootstraps: 100, Level: 0.95, Seed: 3},
			Backbones: func(a cnn.Arch, i int) (*cnn.Model, error) { return cnn.NewRandom(conv, a, int64(i+1)) }}
		r, err := Run(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	first := run()
	for _, f := range []string{ResultsFile, ReportFile, "embeddings/fmri.npz", "embeddings/tiny_a.npz", "rsm/tiny_b.npz",
		"fmri/checkpoint.npz", "cnn/tiny_a/metrics.json", "figures/hypothesis.png", "figures/roi_rsa.png", "explore/summary.json"} {
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
	c := first.CNN["tiny_a"]
	if len(c.Blur.Accuracy) != 5 || len(c.BlurAll) != 2 || len(c.RSMCorrFMRIBlur) != 5 || c.Params == 0 || c.RSMCorrFMRI.Permutations != 200 {
		t.Errorf("tiny_a results incomplete: %+v", c)
	}
	if first.Hypothesis.NModels != 2 || len(first.ROIRSA) != 7 || first.ROIRSA["V1"]["fmri"] == 0 {
		t.Errorf("hypothesis %+v, roi_rsa %v", first.Hypothesis, first.ROIRSA)
	}
	html, _ := os.ReadFile(filepath.Join(out, ReportFile))
	if n := strings.Count(string(html), "data:image/png;base64,"); n < 20 {
		t.Errorf("report embeds %d figures", n)
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
	second := run()
	if second.Timings["fmri"] > first.Timings["fmri"] || second.Timings["cnn"] > first.Timings["cnn"]+0.5 {
		t.Logf("timings: first %v, second %v", first.Timings, second.Timings)
	}
	first.Timings, second.Timings = nil, nil
	a, _ := json.Marshal(first)
	b, _ := json.Marshal(second)
	if string(a) != string(b) {
		t.Errorf("same inputs, different results:\n%s\n%s", a, b)
	}
}
