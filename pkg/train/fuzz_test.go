package train

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// FuzzReadCheckpoint: any bytes give a checkpoint's tensors and metadata or
// an error naming the file, never a panic.
func FuzzReadCheckpoint(f *testing.F) {
	p := filepath.Join(f.TempDir(), "checkpoint.npz")
	if err := npfile.WriteNPZ(p,
		npfile.Entry{Key: "fc1.weight", Array: npfile.Array{Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}},
		npfile.Entry{Key: "__meta__", Array: npfile.Array{Shape: []int{1}, Data: []string{`{"model":"fmri","classes":["a","b"]}`}}}); err != nil {
		f.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "checkpoint.npz")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, _ = ReadCheckpoint(p)
	})
}
