package train

import (
	"bytes"
	"strings"
	"testing"
)

// TestEpochLinesInLogs: a log or notebook (not a terminal) gets only the
// last epoch's line, unless Verbose; the history itself is kept either way.
func TestEpochLinesInLogs(t *testing.T) {
	for _, verbose := range []bool{false, true} {
		var buf bytes.Buffer
		cfg := Config{Epochs: 5, Label: "m", Progress: &buf, Verbose: verbose}
		for e := 1; e <= 5; e++ {
			report(cfg, Epoch{Epoch: e})
		}
		want := 1
		if verbose {
			want = 5
		}
		if n := strings.Count(buf.String(), "\n"); n != want || !strings.Contains(buf.String(), "epoch  5/5") {
			t.Errorf("verbose %v: %d lines, want %d:\n%s", verbose, n, want, buf.String())
		}
	}
}
