package npfile_test

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// seedFiles adds the files matching the patterns to the corpus, those
// under 16 kB (larger ones slow the mutator down).
func seedFiles(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		files, _ := filepath.Glob(p)
		for _, name := range files {
			if b, err := os.ReadFile(name); err == nil && len(b) < 16<<10 {
				f.Add(b)
			}
		}
	}
}

// FuzzReadNPY: any bytes give an array or an error, never a panic or an
// allocation beyond what the file holds.
func FuzzReadNPY(f *testing.F) {
	dir := f.TempDir()
	p := filepath.Join(dir, "seed.npy")
	for _, e := range sample() {
		if err := WriteNPY(p, e.Array); err != nil {
			f.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "x.npy")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		a, err := ReadNPY(p)
		if err == nil && a.Len() != SliceLen(a.Data) {
			t.Fatalf("accepted %s with %d values", a.Describe(), SliceLen(a.Data))
		}
	})
}

// FuzzOpenNPZ: any bytes open as an archive whose every key reads, or give
// errors; the committed golden archives and the dataset-shaped sample seed it.
func FuzzOpenNPZ(f *testing.F) {
	p := filepath.Join(f.TempDir(), "seed.npz")
	if err := WriteNPZ(p, sample()...); err != nil {
		f.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	f.Add(b)
	seedFiles(f, "testdata/golden/*/*.npz", "../*/testdata/golden/*.npz")
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(t.TempDir(), "x.npz")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		z, err := OpenNPZ(p)
		if err != nil {
			return
		}
		defer z.Close()
		for _, k := range z.Keys() {
			if a, err := z.Read(k); err == nil && a.Len() != SliceLen(a.Data) {
				t.Fatalf("key %s: accepted %s with %d values", k, a.Describe(), SliceLen(a.Data))
			}
		}
	})
}
