package npfile_test

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	. "github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// npy is a version 1.0 .npy stream holding header as its header text,
// verbatim, followed by data.
func npy(header string, data []byte) []byte {
	b := []byte("\x93NUMPY\x01\x00\x00\x00")
	binary.LittleEndian.PutUint16(b[8:], uint16(len(header)))
	return append(append(b, header...), data...)
}

// dict is a header text as NumPy writes it.
func dict(descr, fortran, shape string) string {
	return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }\n"
}

// checkMessage fails unless err is a message for a user: one line, naming
// path, without Go's runtime internals.
func checkMessage(t testing.TB, err error, path string) {
	t.Helper()
	msg := err.Error()
	for _, internal := range []string{"runtime error", "index out of range", "slice bounds", "goroutine"} {
		if strings.Contains(msg, internal) {
			t.Fatalf("message shows Go internals (%q): %s", internal, msg)
		}
	}
	if !strings.Contains(msg, path) || strings.Contains(msg, "\n") {
		t.Fatalf("want one line naming %s: %q", path, msg)
	}
}

// TestMalformedHeadersSayWhatIsWrong: each malformed .npy stream gives one
// line naming the file and what is malformed, never a panic's message.
func TestMalformedHeadersSayWhatIsWrong(t *testing.T) {
	f4 := make([]byte, 4*6)
	v2 := func(n int) []byte { // a version 2.0 stream with an n-byte header of spaces
		b := []byte("\x93NUMPY\x02\x00\x00\x00\x00\x00")
		binary.LittleEndian.PutUint32(b[8:], uint32(n))
		return append(b, strings.Repeat(" ", n)...)
	}
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, `not a NumPy .npy array: no \x93NUMPY magic`},
		{"not numpy", []byte("hello world, not numpy"), `not a NumPy .npy array: no \x93NUMPY magic`},
		{"truncated preamble", []byte("\x93NUMPY\x01\x00\x76"), "npy header: truncated: the stream ends within the preamble"},
		{"unknown version", []byte("\x93NUMPY\x04\x00\x76\x00"), "npy header: format version 4.0 is not supported"},
		{"truncated header", npy(dict("<f4", "False", "(2, 3)"), nil)[:40], "npy header of 60 bytes declared in a stream of 40 bytes: truncated"},
		{"header beyond the limit", v2(70000), "npy header of 70000 bytes: more than the 65536 this reader accepts"},
		{"no opening brace", npy("'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n", f4), "npy header: missing opening brace"},
		{"no closing brace", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), \n", f4), "npy header: missing closing brace"},
		{"unterminated string", npy("{'descr': '<f4}\n", f4), "npy header: 'descr': unterminated string at byte"},
		{"unquoted key", npy("{descr: '<f4'}\n", f4), "npy header: key: want a quoted string at byte 1"},
		{"unknown key", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'x': 1}\n", f4), `npy header: unknown key "x"`},
		{"repeated key", npy("{'descr': '<f4', 'descr': '<f4'}\n", f4), `npy header: key "descr" repeated`},
		{"missing shape", npy("{'descr': '<f4', 'fortran_order': False}\n", f4), "npy header: key 'shape' is missing"},
		{"bad dtype", npy(dict("<c16", "False", "(2, 3)"), f4), `npy header: dtype "<c16" is not supported (want float32, float64, int64, int32, uint8 or unicode)`},
		{"object dtype", npy(dict("|O", "False", "(2, 3)"), f4), `npy header: dtype "|O" is not supported`},
		{"unicode of width 0", npy(dict("<U0", "False", "(2, 3)"), f4), `npy header: dtype "<U0" is not supported`},
		{"structured dtype", npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 3), }\n", f4), "npy header: 'descr' is a list: structured dtypes are not supported"},
		{"negative shape", npy(dict("<f4", "False", "(-5, 3)"), f4), "npy header: 'shape': negative dimension -5"},
		{"shape overflows", npy(dict("<f4", "False", "(4611686018427387904, 4)"), f4), "npy header: shape (4611686018427387904, 4) of <f4 is more than 2^63 bytes"},
		{"dimension overflows", npy(dict("<f4", "False", "(99999999999999999999,)"), f4), "npy header: 'shape': dimension 99999999999999999999 is out of range"},
		{"shape not a tuple", npy(dict("<f4", "False", "6"), f4), "npy header: 'shape': want a tuple at byte"},
		{"shape unterminated", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3}\n", f4), "npy header: 'shape': unterminated tuple"},
		{"shape of words", npy(dict("<f4", "False", "(two, 3)"), f4), "npy header: 'shape': want a dimension at byte"},
		{"fortran order", npy(dict("<f4", "True", "(2, 3)"), f4), "Fortran-ordered arrays are not supported (save with np.ascontiguousarray)"},
		{"fortran order not a bool", npy(dict("<f4", "Maybe", "(2, 3)"), f4), `npy header: 'fortran_order' is "Maybe", want True or False`},
		{"data shorter than declared", npy(dict("<f4", "False", "(2, 3)"), f4[:12]), "header declares <f4 (2, 3) (24 bytes of data), more than the 12 bytes stored"},
		{"data longer than declared", npy(dict("<f4", "False", "(2,)"), f4), "24 bytes stored after the header, more than the 8 of the <f4 (2,) it declares"},
		{"not a code point", npy(dict("<U1", "False", "(1,)"), []byte{0xff, 0xff, 0xff, 0xff}), "element 0: 0xffffffff is not a unicode code point"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, "x.npy")
			if err := os.WriteFile(p, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadNPY(p)
			if err == nil {
				t.Fatal("accepted")
			}
			checkMessage(t, err, p)
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got  %s\nwant %s", err, c.want)
			}
		})
	}
}

// TestMalformedMemberNamesFileAndKey: in an archive, the message names the
// file and the key too.
func TestMalformedMemberNamesFileAndKey(t *testing.T) {
	p := filepath.Join(t.TempDir(), "kay_images.npz")
	writeZip(t, p, zipMember{name: "roi.npy", data: npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), \n", make([]byte, 8))})
	z, err := OpenNPZ(p)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	for _, read := range []func() error{
		func() error { _, err := z.Header("roi"); return err },
		func() error { _, err := z.Read("roi"); return err },
	} {
		err := read()
		if err == nil {
			t.Fatal("accepted")
		}
		checkMessage(t, err, p)
		if want := p + `: key "roi": npy header: missing closing brace`; err.Error() != want {
			t.Fatalf("got  %s\nwant %s", err, want)
		}
	}
}

// TestHeaderVariantsNumPyReads: headers NumPy writes or reads that differ
// from ours are read, with their values.
func TestHeaderVariantsNumPyReads(t *testing.T) {
	le := func(v ...float64) []byte {
		var b []byte
		for _, x := range v {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		}
		return b
	}
	cases := []struct {
		name string
		file []byte
		want Array
	}{
		{"no newline", npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", le(1, 2)), Array{Shape: []int{2}, Data: []float64{1, 2}}},
		{"double quotes, other order", npy(`{"shape": (1, 2), "descr": "<f8", "fortran_order": False}`+"\n", le(1, 2)), Array{Shape: []int{1, 2}, Data: []float64{1, 2}}},
		{"python 2 longs", npy(dict("<f8", "False", "(2L, 1L)"), le(3, 4)), Array{Shape: []int{2, 1}, Data: []float64{3, 4}}},
		{"scalar", npy(dict("<f8", "False", "()"), le(5)), Array{Data: []float64{5}}},
		{"empty", npy(dict("<f8", "False", "(0, 3)"), nil), Array{Shape: []int{0, 3}, Data: []float64{}}},
		{"fortran 1-d", npy(dict("<f8", "True", "(2,)"), le(1, 2)), Array{Shape: []int{2}, Data: []float64{1, 2}}},
		{"big-endian", npy(dict(">f8", "False", "(1,)"), binary.BigEndian.AppendUint64(nil, math.Float64bits(1.5))), Array{Shape: []int{1}, Data: []float64{1.5}}},
		{"big-endian unicode", npy(dict(">U2", "False", "(2,)"), []byte{0, 0, 0, 'h', 0, 0, 0, 'i', 0, 0, 0, 'x', 0, 0, 0, 0}), Array{Shape: []int{2}, Data: []string{"hi", "x"}}},
		{"int32", npy(dict("<i4", "False", "(2,)"), []byte{0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0}), Array{Shape: []int{2}, Data: []int32{-1, 7}}},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, "x.npy")
			if err := os.WriteFile(p, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			a, err := ReadNPY(p)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a, c.want) {
				t.Fatalf("got %#v, want %#v", a, c.want)
			}
		})
	}
}
