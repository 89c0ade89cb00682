package npfile

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"codeberg.org/sbinet/npyio/npy"
)

// ReadNPY reads a whole .npy file.
func ReadNPY(path string) (Array, error) {
	f, err := os.Open(path)
	if err != nil {
		return Array{}, err
	}
	defer f.Close()
	a, err := decode(f)
	if err != nil {
		return Array{}, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// NPZ is an open .npz archive.
type NPZ struct {
	path string
	zr   *zip.ReadCloser
}

// OpenNPZ opens a .npz archive for reading.
func OpenNPZ(path string) (*NPZ, error) {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable .npz archive: %w", path, err)
	}
	return &NPZ{path: path, zr: zr}, nil
}

// Close releases the archive.
func (z *NPZ) Close() error { return z.zr.Close() }

// Keys lists the arrays in the archive, without the ".npy" suffix, in archive order.
func (z *NPZ) Keys() []string {
	keys := make([]string, 0, len(z.zr.File))
	for _, f := range z.zr.File {
		keys = append(keys, strings.TrimSuffix(f.Name, ".npy"))
	}
	return keys
}

// Has reports whether the archive holds key.
func (z *NPZ) Has(key string) bool { return z.entry(key) != nil }

func (z *NPZ) entry(key string) *zip.File {
	for _, f := range z.zr.File {
		if f.Name == key+".npy" || f.Name == key {
			return f
		}
	}
	return nil
}

// Read decodes the array stored under key.
func (z *NPZ) Read(key string) (Array, error) {
	f := z.entry(key)
	if f == nil {
		return Array{}, fmt.Errorf("%s: key %q is missing (have %s)", z.path, key, strings.Join(z.Keys(), ", "))
	}
	rc, err := f.Open()
	if err != nil {
		return Array{}, fmt.Errorf("%s: key %q: %w", z.path, key, err)
	}
	defer rc.Close()
	a, err := decode(rc)
	if err != nil {
		return Array{}, fmt.Errorf("%s: key %q: %w", z.path, key, err)
	}
	return a, nil
}

// decode reads one .npy stream into the Go slice type matching its dtype. A
// malformed file must give an error, never a crash, so a panic inside the
// decoder is turned into one.
func decode(r io.Reader) (a Array, err error) {
	defer func() {
		if p := recover(); p != nil {
			a, err = Array{}, fmt.Errorf("malformed .npy data: %v", p)
		}
	}()
	nr, err := npy.NewReader(bufio.NewReaderSize(r, 1<<20))
	if err != nil {
		return Array{}, fmt.Errorf("not a NumPy .npy array: %w", err)
	}
	h := nr.Header
	if h.Descr.Fortran {
		return Array{}, fmt.Errorf("Fortran-ordered arrays are not supported (save with np.ascontiguousarray)")
	}
	shape := append([]int(nil), h.Descr.Shape...)
	var ptr any
	switch kindOfDescr(h.Descr.Type) {
	case "f4":
		ptr = new([]float32)
	case "f8":
		ptr = new([]float64)
	case "i8":
		ptr = new([]int64)
	case "i4":
		ptr = new([]int32)
	case "u1":
		ptr = new([]uint8)
	case "U":
		ptr = new([]string)
	default:
		return Array{}, fmt.Errorf("dtype %s is not supported (want float32, float64, int64, int32, uint8 or unicode)", h.Descr.Type)
	}
	if err := nr.Read(ptr); err != nil {
		return Array{}, fmt.Errorf("reading %s %s: %w", h.Descr.Type, ShapeString(shape), err)
	}
	var data any
	switch p := ptr.(type) {
	case *[]float32:
		data = *p
	case *[]float64:
		data = *p
	case *[]int64:
		data = *p
	case *[]int32:
		data = *p
	case *[]uint8:
		data = *p
	case *[]string:
		data = *p
	}
	a = Array{Shape: shape, Data: data}
	if n := sliceLen(data); n != a.Len() {
		return Array{}, fmt.Errorf("truncated data: %d of %d elements for shape %s", n, a.Len(), ShapeString(shape))
	}
	return a, nil
}

func sliceLen(data any) int {
	switch d := data.(type) {
	case []float32:
		return len(d)
	case []float64:
		return len(d)
	case []int64:
		return len(d)
	case []int32:
		return len(d)
	case []uint8:
		return len(d)
	case []string:
		return len(d)
	}
	return -1
}
