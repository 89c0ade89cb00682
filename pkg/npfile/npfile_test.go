package npfile_test

import (
	"archive/zip"
	"bytes"
	"cmp"
	"compress/flate"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	. "github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

func sample() []Entry {
	return []Entry{
		{"f32", Array{Shape: []int{2, 3}, Data: []float32{1, -2.5, 3, 4, 5, 6.25}}},
		{"f64", Array{Shape: []int{3}, Data: []float64{0.1, -1e300, 7}}},
		{"i64", Array{Shape: []int{2, 2}, Data: []int64{-1, 0, 1 << 40, 3}}},
		{"str", Array{Shape: []int{2, 2}, Data: []string{"animal", "géo", "", "artifact"}}},
	}
}

func TestNPZRoundTripAndDeterminism(t *testing.T) {
	dir := t.TempDir()
	p1, p2 := filepath.Join(dir, "a.npz"), filepath.Join(dir, "b.npz")
	for _, p := range []string{p1, p2} {
		if err := WriteNPZ(p, sample()...); err != nil {
			t.Fatal(err)
		}
	}
	b1, _ := os.ReadFile(p1)
	b2, _ := os.ReadFile(p2)
	if string(b1) != string(b2) {
		t.Fatal("same arrays gave different bytes")
	}
	z, err := OpenNPZ(p1)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if got := strings.Join(z.Keys(), ","); got != "f32,f64,i64,str" {
		t.Fatalf("keys %s", got)
	}
	for _, e := range sample() {
		got, err := z.Read(e.Key)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, e.Array) {
			t.Errorf("%s: got %+v want %+v", e.Key, got, e.Array)
		}
	}
	if _, err := z.Read("nope"); err == nil || !strings.Contains(err.Error(), `key "nope" is missing`) {
		t.Errorf("missing key error: %v", err)
	}
}

func TestShapeMismatchRefused(t *testing.T) {
	err := WriteNPY(filepath.Join(t.TempDir(), "x.npy"), Array{Shape: []int{2, 2}, Data: []float32{1, 2, 3}})
	if err == nil || !strings.Contains(err.Error(), "does not fit shape (2, 2)") {
		t.Fatalf("got %v", err)
	}
}

func TestNotNumPyRefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.npy")
	_ = os.WriteFile(p, []byte("hello world, not numpy"), 0o644)
	if _, err := ReadNPY(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("want an error naming the file, got %v", err)
	}
}

// TestNumPyReadsOurFilesAndWeReadNumPys checks both directions against numpy.
func TestNumPyReadsOurFilesAndWeReadNumPys(t *testing.T) {
	ours := filepath.Join(t.TempDir(), "ours.npz")
	if err := WriteNPZ(ours, sample()...); err != nil {
		t.Fatal(err)
	}
	// The reference folder holds what numpy read from our file (read.txt)
	// and a file numpy wrote (theirs.npz).
	refs := pyref.Golden(t, "numpy_roundtrip", []string{"numpy"}, func(t testing.TB, dir string) {
		out := pyref.Run(t, `
import sys, numpy as np
z = np.load(sys.argv[1])
print(z["f32"].dtype, z["f32"].shape, z["f32"].sum(), z["str"].dtype, z["str"][0,1], z["i64"][1,0])
np.savez(sys.argv[2], a=np.arange(12, dtype=np.float32).reshape(3,4), s=np.array([["x","yy"],["zzz","w"]]))
`, ours, filepath.Join(dir, "theirs.npz"))
		if err := os.WriteFile(filepath.Join(dir, "read.txt"), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	})
	for _, ref := range refs {
		out := pyref.ReadText(t, filepath.Join(ref, "read.txt"))
		if want := "float32 (2, 3) 16.75 <U8 géo 1099511627776"; strings.TrimSpace(out) != want {
			t.Fatalf("numpy read %q, want %q (%s)", strings.TrimSpace(out), want, ref)
		}
		z, err := OpenNPZ(filepath.Join(ref, "theirs.npz"))
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		a, err := z.Read("a")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a.Shape, []int{3, 4}) || a.Data.([]float32)[11] != 11 {
			t.Fatalf("read numpy's array as %+v", a)
		}
		s, _ := z.Read("s")
		if !reflect.DeepEqual(s.Data, []string{"x", "yy", "zzz", "w"}) {
			t.Fatalf("strings %v", s.Data)
		}
	}
}

// TestTruncatedFilesGiveErrors cuts a valid file at every length: each must
// give an error (never a panic or a silently short array).
func TestTruncatedFilesGiveErrors(t *testing.T) {
	dir := t.TempDir()
	full := filepath.Join(dir, "full.npy")
	if err := WriteNPY(full, Array{Shape: []int{3, 5}, Data: make([]float64, 15)}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(full)
	for n := 0; n < len(b); n += 7 {
		p := filepath.Join(dir, "cut.npy")
		_ = os.WriteFile(p, b[:n], 0o644)
		if _, err := ReadNPY(p); err == nil {
			t.Fatalf("file cut at %d of %d bytes was accepted", n, len(b))
		}
	}
}

// TestCorruptedEntryIsAnError flips one byte inside a stored (uncompressed)
// entry's data: numpy reports "Bad CRC-32"; so must we, naming file and key,
// instead of returning the changed numbers.
func TestCorruptedEntryIsAnError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.npz")
	if err := WriteNPZ(p, Entry{"big", Array{Shape: []int{1000}, Data: make([]float64, 1000)}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	b[len(b)/2] ^= 0x40 // inside the data of the only entry
	_ = os.WriteFile(p, b, 0o644)
	z, err := OpenNPZ(p)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if _, err := z.Read("big"); err == nil || !strings.Contains(err.Error(), "CRC-32") || !strings.Contains(err.Error(), `key "big"`) || !strings.Contains(err.Error(), p) {
		t.Fatalf("corrupted entry: %v", err)
	}
}

// TestHugeDeclaredShapeIsRefused: a header claiming 10^12 elements in a
// small file is refused before any allocation, naming the declared shape.
func TestHugeDeclaredShapeIsRefused(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.npy")
	if err := WriteNPY(p, Array{Shape: []int{2, 3}, Data: make([]float32, 6)}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	for _, shape := range []string{"(1000000, 1000000)", "(-5, 3)", "(4611686018427387904, 4)"} {
		hacked := strings.Replace(string(b), "(2, 3)", shape, 1)
		// keep the header length: the header is padded with spaces
		hacked = strings.Replace(hacked, strings.Repeat(" ", len(shape)-len("(2, 3)")), "", 1)
		if err := os.WriteFile(p, []byte(hacked), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadNPY(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("declared shape %s: %v", shape, err)
		} else {
			t.Logf("%s: %v", shape, err)
		}
	}
}

// TestHugeHeaderLengthIsRefused: a header length beyond the file (up to
// 4 GB in a version 2 header) is refused before it is read.
func TestHugeHeaderLengthIsRefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.npy")
	if err := WriteNPY(p, Array{Shape: []int{2}, Data: []float32{1, 2}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	b[6], b[7] = 2, 0 // version 2.0: a 4-byte header length
	b[8], b[9], b[10], b[11] = 0xff, 0xff, 0xff, 0xf0
	_ = os.WriteFile(p, b, 0o644)
	if _, err := ReadNPY(p); err == nil || !strings.Contains(err.Error(), "header of") || !strings.Contains(err.Error(), p) {
		t.Errorf("huge header length: %v", err)
	}
}

// zipMember is one entry of a hand-made archive: data deflated (or stored)
// as they are, and declared as declared bytes when not zero, whatever they
// inflate to, as a hostile archive may.
type zipMember struct {
	name     string
	data     []byte
	deflate  bool
	declared uint64
}

func writeZip(t testing.TB, path string, members ...zipMember) {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		raw, method := m.data, zip.Store
		if m.deflate {
			var b bytes.Buffer
			fw, _ := flate.NewWriter(&b, flate.BestSpeed)
			_, _ = fw.Write(m.data)
			_ = fw.Close()
			raw, method = b.Bytes(), zip.Deflate
		}
		size := uint64(len(m.data))
		if m.declared != 0 {
			size = m.declared
		}
		w, err := zw.CreateRaw(&zip.FileHeader{Name: m.name, Method: method, CRC32: crc32.ChecksumIEEE(m.data),
			CompressedSize64: uint64(len(raw)), UncompressedSize64: size})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(raw)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// allocated is the bytes the Go heap allocated while f ran.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// TestHeaderInflatesOnlyTheHeader: a member declaring 512 MiB, stored as a
// 0.7 MB deflate stream of zeros, tells its dtype and shape without being
// inflated.
func TestHeaderInflatesOnlyTheHeader(t *testing.T) {
	const n = 64 << 20 // int64s: 512 MiB
	p := filepath.Join(t.TempDir(), "big.npz")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	w, _ := zw.CreateHeader(&zip.FileHeader{Name: "big.npy", Method: zip.Deflate})
	_, _ = w.Write(npy(dict("<i8", "False", "(67108864,)"), nil))
	if _, err := io.CopyN(w, zeros{}, 8*n); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	z, err := OpenNPZ(p)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var h Header
	got := allocated(func() { h, err = z.Header("big") })
	if err != nil {
		t.Fatal(err)
	}
	if h.Describe() != "i8 (67108864,)" || h.DataBytes() != 8*n {
		t.Fatalf("header %s of %d bytes", h.Describe(), h.DataBytes())
	}
	if got > 1<<20 {
		t.Fatalf("reading the header allocated %d bytes", got)
	}
	t.Logf("header of a %d-byte member: %d bytes allocated", 8*n, got)
}

// TestEntryBeyondItsHeaderIsRefused: a member that inflates to more than
// its header declares is refused, whether the zip entry says so (before
// inflating) or lies about its size (on the first byte beyond), and so is
// a zip entry declaring more than deflate can expand its bytes to.
func TestEntryBeyondItsHeaderIsRefused(t *testing.T) {
	head := npy(dict("<i8", "False", "(10,)"), nil)
	long := append(slices.Clone(head), make([]byte, 80+8<<20)...) // 8 MiB beyond the array
	cases := []struct {
		name   string
		member zipMember
		header string // Header's error, "" when it reads
		read   string
	}{
		{"declared", zipMember{name: "roi.npy", data: long, deflate: true},
			"bytes stored after the header, more than the 80 of the <i8 (10,) it declares", ""},
		{"hidden", zipMember{name: "roi.npy", data: long, deflate: true, declared: uint64(len(head) + 80)},
			"", "the stream holds more than the 80 bytes of the <i8 (10,) its header declares"},
		{"impossible ratio", zipMember{name: "roi.npy", data: head, deflate: true, declared: 1 << 40},
			"the zip entry declares 1099511627776 bytes, more than its", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "x.npz")
			writeZip(t, p, c.member)
			z, err := OpenNPZ(p)
			if err != nil {
				t.Fatal(err)
			}
			defer z.Close()
			_, herr := z.Header("roi")
			var rerr error
			got := allocated(func() { _, rerr = z.Read("roi") })
			if c.header != "" {
				if herr == nil || !strings.Contains(herr.Error(), c.header) {
					t.Fatalf("Header: got %v, want %q", herr, c.header)
				}
				checkMessage(t, herr, p)
			} else if herr != nil {
				t.Fatalf("Header: %v", herr)
			}
			want := cmp.Or(c.read, c.header)
			if rerr == nil || !strings.Contains(rerr.Error(), want) || !strings.Contains(rerr.Error(), `key "roi"`) {
				t.Fatalf("Read: got %v, want %q", rerr, want)
			}
			checkMessage(t, rerr, p)
			if got > 1<<20 {
				t.Fatalf("refusing allocated %d bytes", got)
			}
		})
	}
}
