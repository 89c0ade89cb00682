package train

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/nn"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// TestBalancedSampleIsUniformOverClasses: with classes of 900, 90 and 9
// samples, each class must be drawn a third of the time (within 4 standard
// errors), and within a class every member equally often.
func TestBalancedSampleIsUniformOverClasses(t *testing.T) {
	var y []int
	for c, n := range []int{900, 90, 9} {
		for range n {
			y = append(y, c)
		}
	}
	const draws = 300000
	idx := BalancedSample(rand.New(rand.NewPCG(1, 2)), y, draws)
	counts := make([]float64, 3)
	members := map[int]float64{}
	for _, i := range idx {
		counts[y[i]]++
		if y[i] == 2 {
			members[i]++
		}
	}
	se := math.Sqrt(draws * (1.0 / 3) * (2.0 / 3))
	for c, n := range counts {
		if math.Abs(n-draws/3.0) > 4*se {
			t.Errorf("class %d drawn %v times, want %v +- %.0f", c, n, draws/3.0, 4*se)
		}
	}
	if len(members) != 9 {
		t.Fatalf("the 9-sample class: %d distinct members drawn", len(members))
	}
	per := draws / 3.0 / 9
	for i, n := range members {
		if math.Abs(n-per) > 4*math.Sqrt(per) {
			t.Errorf("member %d drawn %v times, want about %.0f", i, n, per)
		}
	}
}

// linear is a one-layer network: logits = x·Wᵀ + b, embedding = x.
type linear struct{ classes int }

func (l linear) Forward(scope *model.Scope, x *graph.Node) (*graph.Node, *graph.Node) {
	return nn.Linear(scope.In("fc"), x, l.classes), x
}

// blobs is a separable 2-class problem: class c centred at +-2 on feature 0.
func blobs(seed uint64, n int) Data {
	rng := rand.New(rand.NewPCG(seed, 3))
	d := Data{N: n, D: 2, X: make([]float32, 2*n), Y: make([]int, n)}
	for i := range n {
		c := i % 2
		d.Y[i] = c
		d.X[2*i] = float32(4*c-2) + float32(rng.NormFloat64())*0.5
		d.X[2*i+1] = float32(rng.NormFloat64())
	}
	return d
}

func testBackend(t *testing.T) *Model {
	t.Helper()
	b, _, err := backend.FromEnv(os.Getenv).New("", backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(b, linear{2}, 1)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestFitLearnsAndKeepsBest: a separable problem is learned, and with
// KeepBest the returned weights reproduce the kept epoch's validation score.
func TestFitLearnsAndKeepsBest(t *testing.T) {
	m := testBackend(t)
	tr, val := blobs(1, 200), blobs(2, 100)
	h, err := Fit(context.Background(), m, tr, val, 2, Config{Epochs: 6, BatchSize: 32, LearningRate: 0.05, Balanced: true, Keep: KeepBest})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epochs) != 6 || h.Keep != KeepBest {
		t.Fatalf("history %+v", h)
	}
	kept := h.Epochs[h.KeptEpoch-1]
	for _, e := range h.Epochs {
		if better(e, kept) {
			t.Errorf("epoch %d (%+v) beats the kept epoch %d (%+v)", e.Epoch, e, kept.Epoch, kept)
		}
	}
	out, err := m.Forward(val)
	if err != nil {
		t.Fatal(err)
	}
	if acc := out.Accuracy(val.Y); acc != kept.ValAcc || acc < 0.95 {
		t.Errorf("accuracy after Fit %v, kept epoch recorded %v (want equal and >= 0.95)", acc, kept.ValAcc)
	}
	if l := out.Loss(val.Y); math.Abs(l-kept.ValLoss) > 1e-12 {
		t.Errorf("loss after Fit %v, kept epoch recorded %v", l, kept.ValLoss)
	}
}

// TestCheckpointReproducesPredictionsExactly saves, reloads into a model
// with a different seed, and compares outputs bit for bit.
func TestCheckpointReproducesPredictionsExactly(t *testing.T) {
	m := testBackend(t)
	tr := blobs(1, 64)
	if _, err := Fit(context.Background(), m, tr, tr, 2, Config{Epochs: 2, BatchSize: 16, LearningRate: 0.05}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ck.npz")
	if err := m.Save(path, map[string]int{"classes": 2}); err != nil {
		t.Fatal(err)
	}
	want, err := m.Forward(tr)
	if err != nil {
		t.Fatal(err)
	}
	entries, meta, err := ReadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(meta) != `{"classes":2}` {
		t.Errorf("meta %s", meta)
	}
	m2, err := New(m.Backend, linear{2}, 99)
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Load(entries); err != nil {
		t.Fatal(err)
	}
	got, err := m2.Forward(tr)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want.Logits {
		if got.Logits[i] != want.Logits[i] {
			t.Fatalf("logit %d: %v after reload, %v before", i, got.Logits[i], want.Logits[i])
		}
	}
	// A checkpoint for another shape is refused with the key and both shapes.
	m3, _ := New(m.Backend, linear{3}, 1)
	if _, err := m3.Forward(tr); err != nil {
		t.Fatal(err)
	}
	err = m3.Load(entries)
	if err == nil || !strings.Contains(err.Error(), `"fc.weight"`) || !strings.Contains(err.Error(), "[3, 2]") {
		t.Errorf("loading a 2-class checkpoint into a 3-class model: %v", err)
	}
}

func TestCheckpointErrors(t *testing.T) {
	dir := t.TempDir()
	noMeta := filepath.Join(dir, "plain.npz")
	if err := npfile.WriteNPZ(noMeta, npfile.Entry{Key: "fc.weight", Array: npfile.Array{Shape: []int{1}, Data: []float32{1}}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadCheckpoint(noMeta); err == nil || !strings.Contains(err.Error(), MetaKey) || !strings.Contains(err.Error(), noMeta) {
		t.Errorf("checkpoint without metadata: %v", err)
	}
	garbage := filepath.Join(dir, "garbage.npz")
	if err := os.WriteFile(garbage, []byte("not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadCheckpoint(garbage); err == nil {
		t.Error("garbage accepted as a checkpoint")
	}
}

func TestFitRefusesBadInput(t *testing.T) {
	m := testBackend(t)
	good := blobs(1, 10)
	bad := good
	bad.Y = append([]int{}, good.Y...)
	bad.Y[3] = 5
	cases := map[string]struct {
		tr  Data
		cfg Config
		msg string
	}{
		"label":  {bad, Config{Epochs: 1, BatchSize: 4, LearningRate: 0.1}, "label 5 of sample 3"},
		"keep":   {good, Config{Epochs: 1, BatchSize: 4, LearningRate: 0.1, Keep: "first"}, `keep "first"`},
		"epochs": {good, Config{BatchSize: 4, LearningRate: 0.1}, "epochs >= 1"},
		"rows":   {Data{X: good.X[:5], N: 10, D: 2, Y: good.Y}, Config{Epochs: 1, BatchSize: 4, LearningRate: 0.1}, "5 values"},
	}
	for name, c := range cases {
		if _, err := Fit(context.Background(), m, c.tr, good, 2, c.cfg); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: got %v, want an error mentioning %q", name, err, c.msg)
		}
	}
}

func TestOutputLossAndPredictions(t *testing.T) {
	o := Output{N: 2, C: 3, Logits: []float32{0, 0, 0, 1, 5, 2}}
	if p := o.Predictions(); p[0] != 0 || p[1] != 1 {
		t.Errorf("predictions %v, want [0 1]", p)
	}
	// Row 0: ln 3. Row 1, label 1: log(e^1+e^5+e^2) - 5.
	want := (math.Log(3) + math.Log(math.Exp(1)+math.Exp(5)+math.Exp(2)) - 5) / 2
	if got := o.Loss([]int{2, 1}); math.Abs(got-want) > 1e-12 {
		t.Errorf("loss %v, want %v", got, want)
	}
	if a := o.Accuracy([]int{2, 1}); a != 0.5 {
		t.Errorf("accuracy %v, want 0.5", a)
	}
}
