package weights

import (
	"os"
	"path/filepath"
	"testing"
)

// fuzzRead checks that any bytes under a checkpoint name give entries or an
// error naming the file, never a panic or an endless loop.
func fuzzRead(f *testing.F, ext string) {
	seeds := []string{filepath.Join("checkpoints", "w"+ext), filepath.Join("checkpoints", "w_legacy"+ext)}
	if ext == ".pth" { // the wrapped layouts
		seeds = append(seeds, filepath.Join("wrapped", "robustness.pt"), filepath.Join("wrapped", "legacy_module.pth.tar"), filepath.Join("wrapped", "plain.pth"))
	}
	for _, name := range seeds {
		if b, err := os.ReadFile(filepath.Join("testdata", "golden", name)); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "w"+ext)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		entries, err := Read(p)
		for _, e := range entries {
			if e.Array.Len() < 0 {
				t.Fatalf("%s: negative size", e.Key)
			}
		}
		_ = err
	})
}

func FuzzReadPTH(f *testing.F)         { fuzzRead(f, ".pth") }
func FuzzReadSafetensors(f *testing.F) { fuzzRead(f, ".safetensors") }
