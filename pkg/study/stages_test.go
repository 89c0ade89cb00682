package study

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/decoder"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
	"github.com/decodingthoughts/decoding-thoughts/pkg/train"
)

// TestReusedCheckpointHoldingNaNIsRetrained: a finished decoder stage whose
// checkpoint was later damaged with one NaN is not reopened (issue 31: the
// study reported the damaged network's accuracy); it is trained again, to
// the same result, saying why.
func TestReusedCheckpointHoldingNaNIsRetrained(t *testing.T) {
	d := simulated(t, "tiny", 1)
	_, b := backends(t)
	dir := t.TempDir()
	opt := decoder.DefaultOptions()
	opt.Train.Epochs = 2
	first, err := FMRI(context.Background(), b, d, opt, dir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, train.CheckpointFile)
	entries, err := npfile.ReadNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	planted := ""
	for _, e := range entries {
		if x, ok := e.Array.Data.([]float32); ok && planted == "" {
			x[len(x)/2], planted = float32(math.NaN()), e.Key
		}
	}
	if err := npfile.WriteNPZ(path, entries...); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	opt.Progress = &log
	second, err := FMRI(context.Background(), b, d, opt, dir)
	if err != nil {
		t.Fatal(err)
	}
	if msg := log.String(); !strings.Contains(msg, "cannot reopen") || !strings.Contains(msg, planted) || !strings.Contains(msg, "NaN") {
		t.Errorf("no word of the damaged checkpoint %q:\n%s", planted, msg)
	}
	if !slices.Equal(first.Test.Logits, second.Test.Logits) || first.Report.Accuracy != second.Report.Accuracy {
		t.Errorf("retrained decoder: accuracy %v, first run %v", second.Report.Accuracy, first.Report.Accuracy)
	}
	if _, _, err := decoder.Load(b, path); err != nil {
		t.Errorf("the retrained checkpoint was not written back: %v", err)
	}
}
