package decoder

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/synth"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

// TestWriteAndOpen runs the stage on the quick simulator, writes it, and
// checks that the folder holds what the CLI promises and reopens to the same
// predictions, bit for bit; a dataset with other voxels is refused.
func TestWriteAndOpen(t *testing.T) {
	cfg, err := synth.Profile("quick", 3)
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := synth.Generate(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := backend.FromEnv(os.Getenv).New("", backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	opt := DefaultOptions()
	opt.Train.Epochs = 3
	r, err := Run(context.Background(), b, d, opt)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := r.Write(dir); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{train.CheckpointFile, train.MetricsFile, train.EmbeddingsFile, "fmri_loss.png", "fmri_accuracy.png", "fmri_confusion.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	var m struct {
		History struct{ Epochs []json.RawMessage }
		Test    struct{ Accuracy float64 }
	}
	js, _ := os.ReadFile(filepath.Join(dir, train.MetricsFile))
	if err := json.Unmarshal(js, &m); err != nil || len(m.History.Epochs) != 3 || m.Test.Accuracy != r.Report.Accuracy {
		t.Errorf("metrics.json: %v %+v", err, m)
	}
	z, err := npfile.OpenNPZ(filepath.Join(dir, train.EmbeddingsFile))
	if err != nil {
		t.Fatal(err)
	}
	emb, _ := z.Read("embedding")
	lab, _ := z.Read("label")
	z.Close()
	if emb.Shape[0] != len(r.Sel.Test.Y) || emb.Shape[1] != 100 || lab.Data.([]int64)[0] != int64(r.Sel.Test.Y[0]) {
		t.Errorf("embeddings.npz: embedding %v, label %v", emb.Shape, lab.Shape)
	}

	again, err := Open(b, dir, d)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range r.Test.Embedding {
		if again.Test.Embedding[i] != v {
			t.Fatalf("embedding value %d: %v reopened, %v when trained", i, again.Test.Embedding[i], v)
		}
	}
	if again.Report.Accuracy != r.Report.Accuracy || again.Meta.History.KeptEpoch != 3 {
		t.Errorf("reopened: accuracy %v vs %v, kept epoch %d", again.Report.Accuracy, r.Report.Accuracy, again.Meta.History.KeptEpoch)
	}

	other := *d
	other.ROI = append([]int64{}, d.ROI...)
	other.ROI[0], other.ROI[1] = 0, 0 // two voxels fewer in the selection (if they were in ROIs 1..7)
	v, _ := d.VoxelsOf(kay.DefaultROIs)
	if v[0] != 0 && v[0] != 1 {
		other.ROI[v[0]] = 0
	}
	if _, err := Open(b, dir, &other); err == nil || !strings.Contains(err.Error(), "voxels") {
		t.Errorf("dataset with other voxels: %v", err)
	}
}

// TestSummaryCountsTheStateDict: the parameter count Summary prints equals
// the trainable entries of the state dict (weights and biases, BatchNorm's
// scale and shift; not its running averages).
func TestSummaryCountsTheStateDict(t *testing.T) {
	b, _, err := backend.FromEnv(os.Getenv).New("go", backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Default(50, 3)
	m, err := train.New(b, cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Forward(randomData(1, 4, 50)); err != nil {
		t.Fatal(err)
	}
	sd, err := nnState(m)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range sd {
		if !strings.Contains(e.Key, "running_") && !strings.Contains(e.Key, "num_batches") {
			n += e.Array.Len()
		}
	}
	if want := fmt.Sprintf("trainable parameters: %d;", n); !strings.Contains(cfg.Summary(), want) {
		t.Errorf("summary lacks %q:\n%s", want, cfg.Summary())
	}
}
