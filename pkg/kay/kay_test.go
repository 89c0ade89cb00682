package kay

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

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

func TestSourcesArePinned(t *testing.T) {
	for _, f := range Sources() {
		if f.SHA256 == "" && f.Check == nil {
			t.Errorf("%s has neither a checksum nor a content check", f.Name)
		}
	}
}
