package kay

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// checkMessage fails unless each line of err names path and none shows
// Go's runtime internals (a recovered panic).
func checkMessage(t *testing.T, err error, path string) {
	t.Helper()
	for _, line := range strings.Split(err.Error(), "\n") {
		for _, internal := range []string{"runtime error", "index out of range", "slice bounds", "goroutine"} {
			if strings.Contains(line, internal) {
				t.Fatalf("message shows Go internals (%q): %s", internal, line)
			}
		}
		if !strings.Contains(line, path) {
			t.Fatalf("message does not name %s: %s", path, line)
		}
	}
}

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
		if err != nil {
			checkMessage(t, err, p)
		} else if len(l.Level) != Levels {
			t.Fatalf("accepted labels with %d levels", len(l.Level))
		}
	})
}

// FuzzLoadImagesHeader replaces the header text of one array of a valid
// kay_images.npz (the data stay): Load gives a dataset or errors naming
// the file, never a panic or Go's internals.
func FuzzLoadImagesHeader(f *testing.F) {
	tmpl := f.TempDir()
	if err := Save(tmpl, tiny(12, 5)); err != nil {
		f.Fatal(err)
	}
	// Each array's header text and data, from the template.
	headers, data := map[string]string{}, map[string][]byte{}
	z, err := npfile.OpenNPZ(filepath.Join(tmpl, ImagesFile))
	if err != nil {
		f.Fatal(err)
	}
	for _, fd := range imageFields {
		a, err := z.Read(fd.key)
		if err != nil {
			f.Fatal(err)
		}
		var b bytes.Buffer
		if err := npfile.Encode(&b, a); err != nil {
			f.Fatal(err)
		}
		n := 10 + int(binary.LittleEndian.Uint16(b.Bytes()[8:]))
		headers[fd.key], data[fd.key] = string(b.Bytes()[10:n]), b.Bytes()[n:]
	}
	z.Close()
	for i, fd := range imageFields {
		f.Add(uint8(i), headers[fd.key])
	}
	f.Add(uint8(4), "{'descr': '<i8', 'fortran_order': False, 'shape': (268435456,), }")
	f.Fuzz(func(t *testing.T, member uint8, header string) {
		if len(header) > 1<<12 {
			return
		}
		dir := t.TempDir()
		for _, name := range []string{ImagesFile, LabelsFile, ValLabelsFile} {
			b, _ := os.ReadFile(filepath.Join(tmpl, name))
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		key := imageFields[int(member)%len(imageFields)].key
		replaceEntry(t, filepath.Join(dir, ImagesFile), key, zip.Store, func(w io.Writer) error {
			b := binary.LittleEndian.AppendUint16([]byte("\x93NUMPY\x01\x00"), uint16(len(header)))
			_, err := w.Write(append(append(b, header...), data[key]...))
			return err
		})
		if _, err := Load(dir); err != nil {
			checkMessage(t, err, filepath.Join(dir, ImagesFile))
		}
	})
}
