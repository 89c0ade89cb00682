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

// FuzzReadNPY: any bytes give an array or an error naming the file and
// what is wrong, never a panic, Go's internals in the message, or an
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
		if err != nil {
			checkMessage(t, err, p)
		} else if a.Len() != SliceLen(a.Data) {
			t.Fatalf("accepted %s with %d values", a.Describe(), SliceLen(a.Data))
		}
	})
}

// FuzzNPYHeader mutates the header text alone, the part a byte-level
// mutator rarely keeps well-formed enough to reach the parser's depths:
// any text gives an error saying what is wrong, and a header the parser
// accepts, followed by as many data bytes as it declares, is read.
func FuzzNPYHeader(f *testing.F) {
	for _, d := range []string{
		dict("<f4", "False", "(2, 3)"), dict("<U71", "False", "(4, 1750)"), dict(">i8", "True", "(3,)"),
		dict("|u1", "False", "()"), `{"shape": (1, 2), "descr": "<f8", "fortran_order": False}`,
		"{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2L, 3L), }",
	} {
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, header string) {
		if len(header) > 1<<12 {
			return
		}
		p := filepath.Join(t.TempDir(), "x.npy")
		if err := os.WriteFile(p, npy(header, nil), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ReadNPY(p)
		if err == nil {
			return // an array of no data
		}
		checkMessage(t, err, p)
		h, err := ParseHeader(header)
		if err != nil || h.DataBytes() > 1<<20 {
			return
		}
		if err := os.WriteFile(p, npy(header, make([]byte, h.DataBytes())), 0o644); err != nil {
			t.Fatal(err)
		}
		if a, err := ReadNPY(p); err != nil || a.Len() != SliceLen(a.Data) || a.Describe() != h.Describe() {
			t.Fatalf("header %q parsed as %s, but reading its data gave %v", header, h.Describe(), err)
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
			checkMessage(t, err, p)
			return
		}
		defer z.Close()
		for _, k := range z.Keys() {
			h, herr := z.Header(k)
			if herr != nil {
				checkMessage(t, herr, p)
			}
			a, err := z.Read(k)
			switch {
			case err != nil:
				checkMessage(t, err, p)
			case a.Len() != SliceLen(a.Data):
				t.Fatalf("key %s: accepted %s with %d values", k, a.Describe(), SliceLen(a.Data))
			case herr != nil || h.Describe() != a.Describe():
				t.Fatalf("key %s: read %s, but its header gave %s, %v", k, a.Describe(), h.Describe(), herr)
			}
		}
	})
}
