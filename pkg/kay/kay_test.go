package kay

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// realLabels is the real NMA label file (kay_labels.npy, 4 x 1750 <U71),
// committed gzipped (gzip -9n, 30 kB); its SHA-256 is the published one.
const (
	realLabels       = "testdata/kay_labels.npy.gz"
	realLabelsSHA256 = "d54ee14c1e657d0d3c60c391b095b9c9d70734a147e681b874832d587f515d1a"
)

func requireRealLabels(t *testing.T) Labels {
	t.Helper()
	f, err := os.Open(realLabels)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != realLabelsSHA256 {
		t.Fatalf("%s: not the published label file (sha256 %x)", realLabels, sum)
	}
	path := filepath.Join(t.TempDir(), "kay_labels.npy")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := LoadLabels(path, 1750)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRealLabelHierarchy(t *testing.T) {
	l := requireRealLabels(t)
	c0 := l.Counts(0)
	if len(c0) != 8 {
		t.Errorf("level 0: %d classes, want 8: %v", len(c0), c0)
	}
	for name, want := range map[string]int{"artifact": 812, "animal": 589, "geological formation": 192} {
		if c0[name] != want {
			t.Errorf("level 0 %q: %d images, want %d", name, c0[name], want)
		}
	}
	if n := len(l.Counts(1)); n != 30 {
		t.Errorf("level 1: %d classes, want 30", n)
	}
}

// tiny builds a small valid dataset whose labels are the first n real ones
// when available, else a synthetic hierarchy.
func tiny(nTrain, nTest int) *Dataset {
	labels := func(n, off int) Labels {
		var l Labels
		classes := []string{"animal", "artifact", "geological formation", "person"}
		for lev := range Levels {
			l.Level[lev] = make([]string, n)
			for i := range n {
				c := classes[(i+off)%len(classes)]
				if lev > 0 {
					c = c + "/" + string(rune('a'+(i+off)%(lev+2)))
				}
				l.Level[lev][i] = c
			}
		}
		return l
	}
	roi := []int64{1, 2, 1, 7, 0, 1, 3, 6, 2, 1}
	mk := func(n, off int) Split {
		s := Split{Stimuli: Images{N: n, H: 4, W: 5, Pix: make([]float32, n*20)},
			Responses: Matrix{Rows: n, Cols: len(roi), Data: make([]float64, n*len(roi))}, Labels: labels(n, off)}
		for i := range s.Stimuli.Pix {
			s.Stimuli.Pix[i] = float32(i%7) - 3
		}
		for i := range s.Responses.Data {
			s.Responses.Data[i] = math.Sin(float64(i + off))
		}
		return s
	}
	return &Dataset{Train: mk(nTrain, 0), Test: mk(nTest, 1), ROI: roi, ROINames: slices.Clone(ROINames)}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	want := tiny(12, 5)
	if err := Save(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	want.Dir = dir
	if !reflect.DeepEqual(got, want) {
		t.Fatal("loaded dataset differs from the saved one")
	}
}

// TestROISelectionIsTheROIsVoxels guards against the original's bug, which
// took the first N voxel indices instead of the ROI's voxels.
func TestROISelectionIsTheROIsVoxels(t *testing.T) {
	d := tiny(4, 4)
	v1, err := d.VoxelsOf([]int{1})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 2, 5, 9}; !reflect.DeepEqual(v1, want) {
		t.Fatalf("V1 voxels %v, want %v (those with roi == 1)", v1, want)
	}
	for _, v := range v1 {
		if d.ROI[v] != 1 {
			t.Fatalf("voxel %d has roi %d", v, d.ROI[v])
		}
	}
	s, err := d.Select(DefaultFilter())
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(s.Voxels, 4) || len(s.Voxels) != 9 {
		t.Fatalf("default ROIs 1..7 must drop the Other voxel: %v", s.Voxels)
	}
	x, rows, cols := s.Rows(d.Train.Responses, s.Train)
	if rows != len(s.Train.Index) || cols != 9 || x[1] != float32(d.Train.Responses.Row(s.Train.Index[0])[s.Voxels[1]]) {
		t.Fatal("Rows gathered the wrong values")
	}
}

func TestSelectRealDefault(t *testing.T) {
	l := requireRealLabels(t)
	d := &Dataset{Train: Split{Labels: l}, Test: Split{Labels: l}, ROI: []int64{1}, ROINames: ROINames}
	s, err := d.Select(DefaultFilter())
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"animal", "artifact", "geological formation"}; !reflect.DeepEqual(s.Classes, want) {
		t.Fatalf("classes %v, want %v", s.Classes, want)
	}
	if len(s.Train.Index) != 1593 {
		t.Fatalf("%d training images after the ignore list, want 1593", len(s.Train.Index))
	}
	if got := s.ClassCounts(s.Train); !reflect.DeepEqual(got, []int{589, 812, 192}) {
		t.Fatalf("class counts %v", got)
	}
	// Level 1 with the same ignore list, and an ignore list at level 1.
	f := DefaultFilter()
	f.Level = 1
	s1, err := d.Select(f)
	if err != nil {
		t.Fatal(err)
	}
	f.Ignore = map[int][]string{1: {s1.Classes[0]}}
	s2, err := d.Select(f)
	if err != nil || slices.Contains(s2.Classes, s1.Classes[0]) {
		t.Fatalf("level-1 ignore list not applied: %v %v", s2.Classes, err)
	}
}

// TestBadInputNamesFileKeyAndExpectation corrupts one thing at a time.
func TestBadInputNamesFileKeyAndExpectation(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(dir string, d *Dataset)
		want   []string
	}{
		{"missing key", func(dir string, d *Dataset) {
			rewrite(t, dir, "roi_names", nil)
		}, []string{ImagesFile, `key "roi_names" is missing`}},
		{"wrong dtype", func(dir string, d *Dataset) {
			rewrite(t, dir, "stimuli", &npfile.Array{Shape: []int{12, 4, 5}, Data: make([]float64, 240)})
		}, []string{ImagesFile, `key "stimuli"`, "want f4 of rank 3, got f8 (12, 4, 5)"}},
		{"row mismatch", func(dir string, d *Dataset) {
			rewrite(t, dir, "responses", &npfile.Array{Shape: []int{11, 10}, Data: make([]float64, 110)})
		}, []string{ImagesFile, `key "responses"`, "11 rows, want one per stimulus (12)"}},
		{"nan", func(dir string, d *Dataset) {
			r := make([]float64, 120)
			r[7] = math.NaN()
			rewrite(t, dir, "responses", &npfile.Array{Shape: []int{12, 10}, Data: r})
		}, []string{`key "responses"`, "non-finite value NaN at flat index 7"}},
		{"roi out of range", func(dir string, d *Dataset) {
			rewrite(t, dir, "roi", &npfile.Array{Shape: []int{10}, Data: []int64{1, 2, 3, 4, 5, 6, 7, 8, 1, 1}})
		}, []string{`key "roi"`, "voxel 7 has roi 8, want 0..7"}},
		{"voxel count", func(dir string, d *Dataset) {
			rewrite(t, dir, "roi", &npfile.Array{Shape: []int{9}, Data: make([]int64, 9)})
		}, []string{ImagesFile, `key "roi"`, `9 voxels, want one per column of "responses" (10)`}},
		{"test image size", func(dir string, d *Dataset) {
			rewrite(t, dir, "stimuli_test", &npfile.Array{Shape: []int{5, 5, 4}, Data: make([]float32, 100)})
		}, []string{ImagesFile, `key "stimuli_test"`, `images are 5x4, want 4x5 as in "stimuli"`}},
		{"malformed header", func(dir string, d *Dataset) {
			replaceEntry(t, filepath.Join(dir, ImagesFile), "roi", zip.Store, func(w io.Writer) error {
				h := npyHeader("<i8", "(10,)")
				_, err := w.Write(append(bytes.Replace(h, []byte("}"), []byte(" "), 1), make([]byte, 80)...))
				return err
			})
		}, []string{ImagesFile + `: key "roi": npy header: missing closing brace`}},
		{"label shape", func(dir string, d *Dataset) {
			_ = npfile.WriteNPY(filepath.Join(dir, ValLabelsFile), npfile.Array{Shape: []int{4, 4}, Data: make([]string, 16)})
		}, []string{ValLabelsFile, "want a unicode label array of shape (4, 5), got U (4, 4)"}},
		{"not an archive", func(dir string, d *Dataset) {
			_ = os.WriteFile(filepath.Join(dir, ImagesFile), []byte("oops"), 0o644)
		}, []string{ImagesFile, "not a readable .npz archive"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			d := tiny(12, 5)
			if err := Save(dir, d); err != nil {
				t.Fatal(err)
			}
			c.mutate(dir, d)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("bad input was accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// rewrite replaces (or, with a nil array, drops) one key of kay_images.npz.
func rewrite(t *testing.T, dir, key string, a *npfile.Array) {
	t.Helper()
	path := filepath.Join(dir, ImagesFile)
	z, err := npfile.OpenNPZ(path)
	if err != nil {
		t.Fatal(err)
	}
	var entries []npfile.Entry
	for _, k := range z.Keys() {
		arr, err := z.Read(k)
		if err != nil {
			t.Fatal(err)
		}
		if k == key {
			if a == nil {
				continue
			}
			arr = *a
		}
		entries = append(entries, npfile.Entry{Key: k, Array: arr})
	}
	z.Close()
	if err := npfile.WriteNPZ(path, entries...); err != nil {
		t.Fatal(err)
	}
}

// TestInflatedROIIsRefusedBeforeInflating: an archive whose "roi" declares
// 2^28 voxels (2 GiB of int64 zeros, 2.6 MB deflated) while the responses
// have 10 columns is refused from the headers, naming the key and what was
// expected, without inflating it (it took 2.1 GB and 19 s when the shapes
// were checked after reading).
func TestInflatedROIIsRefusedBeforeInflating(t *testing.T) {
	dir := t.TempDir()
	if err := Save(dir, tiny(12, 5)); err != nil {
		t.Fatal(err)
	}
	const voxels = 1 << 28
	replaceDeflated(t, filepath.Join(dir, ImagesFile), "roi", npyHeader("<i8", "(268435456,)"), 8*voxels)
	if h, err := npfile.OpenNPZ(filepath.Join(dir, ImagesFile)); err != nil {
		t.Fatal(err)
	} else if hd, err := h.Header("roi"); err != nil || hd.DataBytes() != 8*voxels {
		t.Fatalf("the test archive's roi: %s, %v", hd.Describe(), err)
	} else {
		h.Close()
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	_, err := Load(dir)
	took := time.Since(t0)
	runtime.ReadMemStats(&after)
	if err == nil {
		t.Fatal("accepted")
	}
	for _, w := range []string{ImagesFile, `key "roi"`, `268435456 voxels, want one per column of "responses" (10)`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	got := after.TotalAlloc - before.TotalAlloc
	if got > 64<<20 {
		t.Errorf("refusing allocated %d bytes", got)
	}
	t.Logf("refused in %v, %d bytes allocated: %v", took, got, err)
}

// npyHeader is a version 1.0 .npy header for descr and shape (as NumPy
// prints it: "(268435456,)").
func npyHeader(descr, shape string) []byte {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	dict += strings.Repeat(" ", (64-(10+len(dict)+1)%64)%64) + "\n"
	b := binary.LittleEndian.AppendUint16([]byte("\x93NUMPY\x01\x00"), uint16(len(dict)))
	return append(b, dict...)
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// replaceDeflated rewrites key's entry of the archive at path as header
// followed by n zero bytes, deflated as they stream (never held inflated).
func replaceDeflated(t *testing.T, path, key string, header []byte, n int64) {
	t.Helper()
	replaceEntry(t, path, key, zip.Deflate, func(w io.Writer) error {
		if _, err := w.Write(header); err != nil {
			return err
		}
		_, err := io.CopyN(w, zeros{}, n)
		return err
	})
}

// replaceEntry rewrites key's entry of the archive at path with what write
// writes, stored or deflated (at zip's fastest level); the other entries
// are copied as they are.
func replaceEntry(t *testing.T, path, key string, method uint16, write func(io.Writer) error) {
	t.Helper()
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(old), int64(len(old)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for _, e := range zr.File {
		if e.Name != key+".npy" {
			if err := zw.Copy(e); err != nil {
				t.Fatal(err)
			}
			continue
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.Name, Method: method})
		if err == nil {
			err = write(w)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestSourcesArePinned(t *testing.T) {
	for _, f := range Sources() {
		if f.SHA256 == "" && f.Check == nil {
			t.Errorf("%s has neither a checksum nor a content check", f.Name)
		}
	}
}

// TestAreasHoldVoxels: Areas lists the visual areas with voxels in
// roi_names' order, leaving out "Other" and an area no voxel belongs to;
// asking for that area's voxels names it.
func TestAreasHoldVoxels(t *testing.T) {
	d := &Dataset{Dir: "kay_images.npz", ROINames: slices.Clone(ROINames), ROI: []int64{0, 1, 1, 7, 2, 4, 0}}
	if got, want := d.Areas(), []string{"V1", "V2", "V3A", "LatOcc"}; !slices.Equal(got, want) {
		t.Errorf("areas %v, want %v", got, want)
	}
	_, err := d.ROIVoxels("V3B")
	if err == nil || !strings.Contains(err.Error(), "no voxel of V3B") || !strings.Contains(err.Error(), "kay_images.npz") {
		t.Errorf("an area without voxels: %v", err)
	}
}
