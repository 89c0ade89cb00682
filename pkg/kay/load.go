package kay

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// Load reads and validates the three files in dir. Every problem is reported
// with the file, the key, what was found and what was expected.
func Load(dir string) (*Dataset, error) {
	d := &Dataset{Dir: dir}
	if err := d.loadImages(filepath.Join(dir, ImagesFile)); err != nil {
		return nil, err
	}
	var err error
	if d.Train.Labels, err = LoadLabels(filepath.Join(dir, LabelsFile), d.Train.Stimuli.N); err != nil {
		return nil, err
	}
	if d.Test.Labels, err = LoadLabels(filepath.Join(dir, ValLabelsFile), d.Test.Stimuli.N); err != nil {
		return nil, err
	}
	return d, nil
}

// field is one expected array of kay_images.npz.
type field struct {
	key  string
	kind string
	rank int
}

var imageFields = []field{
	{"stimuli", "f4", 3}, {"stimuli_test", "f4", 3},
	{"responses", "f8", 2}, {"responses_test", "f8", 2},
	{"roi", "i8", 1}, {"roi_names", "U", 1},
}

// loadImages reads every array's header and checks the shapes, alone and
// against each other, before inflating any data: a hostile or corrupted
// archive declaring a gigabyte array is refused without allocating it.
func (d *Dataset) loadImages(path string) error {
	z, err := npfile.OpenNPZ(path)
	if err != nil {
		return err
	}
	defer z.Close()
	shapes := map[string][]int{}
	for _, f := range imageFields {
		h, err := z.Header(f.key)
		if err != nil {
			return err
		}
		if h.Kind() != f.kind || len(h.Shape) != f.rank {
			return fmt.Errorf("%s: key %q: want %s of rank %d, got %s", path, f.key, f.kind, f.rank, h.Describe())
		}
		shapes[f.key] = h.Shape
	}
	if err := checkShapes(path, shapes); err != nil {
		return err
	}
	arrays := map[string]npfile.Array{}
	for _, f := range imageFields {
		a, err := z.Read(f.key)
		if err != nil {
			return err
		}
		if a.Kind() != f.kind || !slices.Equal(a.Shape, shapes[f.key]) {
			return fmt.Errorf("%s: key %q: the header read %s, the array %s: the file changed while being read", path, f.key, npfile.ShapeString(shapes[f.key]), a.Describe())
		}
		arrays[f.key] = a
	}
	d.Train.Stimuli = images(arrays["stimuli"])
	d.Test.Stimuli = images(arrays["stimuli_test"])
	d.Train.Responses = matrix(arrays["responses"])
	d.Test.Responses = matrix(arrays["responses_test"])
	d.ROI = arrays["roi"].Data.([]int64)
	d.ROINames = arrays["roi_names"].Data.([]string)
	return d.validate(path)
}

func images(a npfile.Array) Images {
	return Images{N: a.Shape[0], H: a.Shape[1], W: a.Shape[2], Pix: a.Data.([]float32)}
}

func matrix(a npfile.Array) Matrix {
	return Matrix{Rows: a.Shape[0], Cols: a.Shape[1], Data: a.Data.([]float64)}
}

// checkShapes checks that the declared shapes (of ranks already checked)
// agree across keys: an image per response row, a voxel per column.
func checkShapes(path string, shapes map[string][]int) error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: key %q: %s", path, key, fmt.Sprintf(format, args...)))
	}
	tr, te := shapes["stimuli"], shapes["stimuli_test"]
	if tr[0] == 0 || te[0] == 0 || tr[1] == 0 || tr[2] == 0 {
		bad("stimuli", "empty: train %d, test %d images of %dx%d", tr[0], te[0], tr[1], tr[2])
	}
	if te[1] != tr[1] || te[2] != tr[2] {
		bad("stimuli_test", "images are %dx%d, want %dx%d as in \"stimuli\"", te[1], te[2], tr[1], tr[2])
	}
	resp, respTest := shapes["responses"], shapes["responses_test"]
	if resp[0] != tr[0] {
		bad("responses", "%d rows, want one per stimulus (%d)", resp[0], tr[0])
	}
	if respTest[0] != te[0] {
		bad("responses_test", "%d rows, want one per test stimulus (%d)", respTest[0], te[0])
	}
	v := resp[1]
	if v == 0 {
		bad("responses", "no voxels (0 columns)")
	}
	if respTest[1] != v {
		bad("responses_test", "%d columns, want %d as in \"responses\"", respTest[1], v)
	}
	if n := shapes["roi"][0]; n != v {
		bad("roi", "%d voxels, want one per column of \"responses\" (%d)", n, v)
	}
	if shapes["roi_names"][0] == 0 {
		bad("roi_names", "empty")
	}
	return errors.Join(errs...)
}

// validate checks the values: every roi an index into roi_names, every
// image and response finite.
func (d *Dataset) validate(path string) error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: key %q: %s", path, key, fmt.Sprintf(format, args...)))
	}
	for i, r := range d.ROI {
		if r < 0 || int(r) >= len(d.ROINames) {
			bad("roi", "voxel %d has roi %d, want 0..%d (an index into roi_names)", i, r, len(d.ROINames)-1)
			break
		}
	}
	checkFinite(bad, "stimuli", d.Train.Stimuli.Pix)
	checkFinite(bad, "stimuli_test", d.Test.Stimuli.Pix)
	checkFinite(bad, "responses", d.Train.Responses.Data)
	checkFinite(bad, "responses_test", d.Test.Responses.Data)
	return errors.Join(errs...)
}

// checkFinite reports the first NaN or infinity of one key's data.
func checkFinite[T float32 | float64](bad func(key, format string, args ...any), key string, data []T) {
	if i, v := npfile.NonFinite(data); i >= 0 {
		bad(key, "non-finite value %v at flat index %d", v, i)
	}
}

// LoadLabels reads a (4,n) unicode label file. n < 0 accepts any count.
func LoadLabels(path string, n int) (Labels, error) {
	a, err := npfile.ReadNPY(path)
	if err != nil {
		return Labels{}, err
	}
	return LabelsFromArray(path, a, n)
}

// LabelsFromArray validates a decoded label array; path is used in errors.
func LabelsFromArray(path string, a npfile.Array, n int) (Labels, error) {
	if a.Kind() != "U" || len(a.Shape) != 2 || a.Shape[0] != Levels || (n >= 0 && a.Shape[1] != n) {
		want := "N"
		if n >= 0 {
			want = fmt.Sprint(n)
		}
		return Labels{}, fmt.Errorf("%s: want a unicode label array of shape (%d, %s), got %s", path, Levels, want, a.Describe())
	}
	s := a.Data.([]string)
	cols := a.Shape[1]
	var l Labels
	for lev := range Levels {
		l.Level[lev] = s[lev*cols : (lev+1)*cols]
		for i, name := range l.Level[lev] {
			if name == "" {
				return Labels{}, fmt.Errorf("%s: level %d label of image %d is empty", path, lev, i)
			}
		}
	}
	return l, nil
}

// Save writes d's arrays in the NMA layout to dir (atomically, file by file).
func Save(dir string, d *Dataset) error {
	tr, te := d.Train, d.Test
	err := npfile.WriteNPZ(filepath.Join(dir, ImagesFile),
		npfile.Entry{Key: "stimuli", Array: npfile.Array{Shape: []int{tr.Stimuli.N, tr.Stimuli.H, tr.Stimuli.W}, Data: tr.Stimuli.Pix}},
		npfile.Entry{Key: "stimuli_test", Array: npfile.Array{Shape: []int{te.Stimuli.N, te.Stimuli.H, te.Stimuli.W}, Data: te.Stimuli.Pix}},
		npfile.Entry{Key: "responses", Array: npfile.Array{Shape: []int{tr.Responses.Rows, tr.Responses.Cols}, Data: tr.Responses.Data}},
		npfile.Entry{Key: "responses_test", Array: npfile.Array{Shape: []int{te.Responses.Rows, te.Responses.Cols}, Data: te.Responses.Data}},
		npfile.Entry{Key: "roi", Array: npfile.Array{Shape: []int{len(d.ROI)}, Data: d.ROI}},
		npfile.Entry{Key: "roi_names", Array: npfile.Array{Shape: []int{len(d.ROINames)}, Data: d.ROINames}},
	)
	if err != nil {
		return err
	}
	if err := npfile.WriteNPY(filepath.Join(dir, LabelsFile), labelsArray(tr.Labels)); err != nil {
		return err
	}
	return npfile.WriteNPY(filepath.Join(dir, ValLabelsFile), labelsArray(te.Labels))
}

func labelsArray(l Labels) npfile.Array {
	n := l.N()
	flat := make([]string, 0, Levels*n)
	for lev := range Levels {
		flat = append(flat, l.Level[lev]...)
	}
	return npfile.Array{Shape: []int{Levels, n}, Data: flat}
}
