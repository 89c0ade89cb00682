package npfile

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
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
	st, err := f.Stat()
	if err != nil {
		return Array{}, err
	}
	a, err := decode(f, st.Size())
	if err != nil {
		return Array{}, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// NPZ is an open .npz archive.
type NPZ struct {
	path string
	size int64 // bytes of the archive file
	zr   *zip.ReadCloser
}

// OpenNPZ opens a .npz archive for reading.
func OpenNPZ(path string) (*NPZ, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable .npz archive: %w", path, err)
	}
	return &NPZ{path: path, size: st.Size(), zr: zr}, nil
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

// Read decodes the array stored under key, and verifies the entry's CRC-32:
// a corrupted archive is an error naming the file and the key.
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
	a, err := decode(rc, entrySize(f, z.size))
	if err == nil {
		// archive/zip checks the CRC-32 only when the entry is read to its
		// end, which the decoder, stopping at the array's last byte, may not.
		_, err = io.Copy(io.Discard, rc)
	}
	if errors.Is(err, zip.ErrChecksum) {
		return Array{}, fmt.Errorf("%s: key %q: the archive is corrupted (CRC-32 mismatch); delete or replace the file", z.path, key)
	}
	if err != nil {
		return Array{}, fmt.Errorf("%s: key %q: %w", z.path, key, err)
	}
	return a, nil
}

// decode reads one .npy stream of size bytes into the Go slice type matching
// its dtype. A malformed file must give an error, never a crash, so a panic
// inside the decoder is turned into one; a header declaring more data than
// the stream holds is refused before anything is allocated.
func decode(r io.Reader, size int64) (a Array, err error) {
	defer func() {
		if p := recover(); p != nil {
			a, err = Array{}, fmt.Errorf("malformed .npy data: %v", p)
		}
	}()
	br := bufio.NewReaderSize(r, 1<<20)
	if err := checkHeaderLength(br, size); err != nil {
		return Array{}, err
	}
	nr, err := npy.NewReader(br)
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
	if need, ok := dataBytes(shape, h.Descr.Type); !ok || need > size {
		return Array{}, fmt.Errorf("header declares %s %s (%s), more than the %d bytes stored", h.Descr.Type, ShapeString(shape), sizeString(need, ok), size)
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

// dataBytes is the data size an array of shape and dtype needs; ok is false
// when it overflows or a dimension is negative.
func dataBytes(shape []int, descr string) (int64, bool) {
	item := int64(0)
	switch kindOfDescr(descr) {
	case "f8", "i8":
		item = 8
	case "f4", "i4":
		item = 4
	case "u1":
		item = 1
	case "U":
		n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimLeft(strings.Trim(descr, `'"`), "<>=|"), "U"))
		if err != nil || n < 0 {
			return 0, false
		}
		item = 4 * int64(n)
	}
	total := item
	for _, d := range shape {
		if d < 0 || (d > 0 && total > math.MaxInt64/int64(d)) {
			return 0, false
		}
		total *= int64(d)
	}
	return total, true
}

func sizeString(n int64, ok bool) string {
	if !ok {
		return "an impossible size"
	}
	return fmt.Sprintf("%d bytes", n)
}

// checkHeaderLength refuses a header claiming more bytes than the stream
// holds (a version 2 or 3 header's length is a uint32: up to 4 GB), before
// the reader allocates it.
func checkHeaderLength(br *bufio.Reader, size int64) error {
	b, err := br.Peek(12)
	if err != nil || string(b[:6]) != "\x93NUMPY" {
		return nil // the npy reader reports what is wrong
	}
	n := int64(binary.LittleEndian.Uint16(b[8:10]))
	if b[6] >= 2 {
		n = int64(binary.LittleEndian.Uint32(b[8:12]))
	}
	if n > size {
		return fmt.Errorf("header of %d bytes declared in %d bytes: not a valid .npy array", n, size)
	}
	return nil
}

// entrySize bounds what an archive entry can hold: its declared size, but
// never more than its compressed bytes allow (a stored entry holds exactly
// them; deflate expands at most 1032-fold), nor than an archive of
// fileSize bytes can store, since a corrupted or hostile header may declare
// anything.
func entrySize(f *zip.File, fileSize int64) int64 {
	limit := min(f.CompressedSize64, uint64(max(fileSize, 0)))
	if f.Method != zip.Store {
		limit = min(limit, math.MaxInt64/1032) * 1032
	}
	return int64(min(f.UncompressedSize64, limit, math.MaxInt64))
}

// ReadNPZ reads every array of a .npz archive, in archive order.
func ReadNPZ(path string) ([]Entry, error) {
	z, err := OpenNPZ(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	var out []Entry
	for _, k := range z.Keys() {
		a, err := z.Read(k)
		if err != nil {
			return nil, err
		}
		out = append(out, Entry{Key: k, Array: a})
	}
	return out, nil
}
