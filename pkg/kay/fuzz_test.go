package kay

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// FuzzLoadLabels: any bytes give a validated label set or an error naming
// the file, never a panic; a small real-format file seeds it.
func FuzzLoadLabels(f *testing.F) {
	p := filepath.Join(f.TempDir(), "seed.npy")
	names := []string{"animal", "artifact", "animal", "geological formation",
		"mammal", "structure", "bird", "rock", "dog", "building", "heron", "cliff", "terrier", "house", "egret", "crag"}
	if err := npfile.WriteNPY(p, npfile.Array{Shape: []int{Levels, 4}, Data: names}); err != nil {
		f.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "kay_labels.npy")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		l, err := LoadLabels(p, -1)
		if err == nil && len(l.Level) != Levels {
			t.Fatalf("accepted labels with %d levels", len(l.Level))
		}
	})
}
