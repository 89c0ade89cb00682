package kay

import (
	"archive/tar"
	"bytes"
	"image"
	"image/color"
	"image/png"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeTar writes the named entries (PNG-encoded gray pictures, or raw
// bytes) into a tar in dir.
func writeTar(t *testing.T, dir string, entries map[string][]byte) string {
	t.Helper()
	path := filepath.Join(dir, "stimuli.tar")
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	// in name order: the archive's order decides which picture is "the
	// others" in a size mismatch
	names := slices.Sorted(maps.Keys(entries))
	for _, name := range names {
		data := entries[name]
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func grayPNG(t *testing.T, w, h int, val func(x, y int) uint8) []byte {
	t.Helper()
	im := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			im.SetGray(x, y, color.Gray{Y: val(x, y)})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, im); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadStimuliTar: pictures come back in index order (not the archive's),
// as their gray levels over 255; a missing index, a repeated one, a picture
// of another size, a name that is not an index and an archive without
// pictures are refused with the archive's and the entry's names.
func TestReadStimuliTar(t *testing.T) {
	dir := t.TempDir()
	pic := func(i int) []byte {
		return grayPNG(t, 4, 3, func(x, y int) uint8 { return uint8(10*i + 3*y + x) })
	}
	path := writeTar(t, dir, map[string][]byte{"stimuli/2.png": pic(2), "stimuli/0.png": pic(0), "stimuli/1.png": pic(1), "README": []byte("x")})
	im, err := ReadStimuliTar(path)
	if err != nil {
		t.Fatal(err)
	}
	if im.N != 3 || im.H != 3 || im.W != 4 {
		t.Fatalf("read %d pictures of %dx%d, want 3 of 4x3", im.N, im.W, im.H)
	}
	for i := range 3 {
		for y := range 3 {
			for x := range 4 {
				want := float32(10*i+3*y+x) / 255
				if got := im.At(i)[y*4+x]; got < want-1e-6 || got > want+1e-6 {
					t.Fatalf("picture %d at (%d, %d): %v, want %v", i, x, y, got, want)
				}
			}
		}
	}
	for name, entries := range map[string]map[string][]byte{
		"none with index 1":    {"s/0.png": pic(0), "s/2.png": pic(2)},
		"is 5x3":               {"s/0.png": pic(0), "s/1.png": grayPNG(t, 5, 3, func(x, y int) uint8 { return 0 })},
		"named by their index": {"s/zero.png": pic(0)},
		"appears twice":        {"a/0.png": pic(0), "b/0.png": pic(0)},
		"no JPEG or PNG":       {"s/notes.txt": []byte("x")},
		"s/0.png":              {"s/0.png": []byte("not a png")},
	} {
		_, err := ReadStimuliTar(writeTar(t, t.TempDir(), entries))
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), "stimuli.tar") {
			t.Errorf("%v: error %v, want one naming the archive and %q", entries, err, name)
		}
	}
	if _, err := ReadStimuliTar(filepath.Join(dir, "absent.tar")); err == nil {
		t.Error("a missing archive was read")
	}
}
