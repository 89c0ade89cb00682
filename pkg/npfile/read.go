package npfile

import (
	"archive/zip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"unicode/utf8"
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

// Header reads the header of the array stored under key, inflating only
// its first bytes, so that a caller can check every array's dtype and shape
// before any data is read. The entry's size in the archive must be the
// header's and the declared data's: a compressed entry that would inflate
// to more is refused here.
func (z *NPZ) Header(key string) (Header, error) {
	f, rc, err := z.open(key)
	if err != nil {
		return Header{}, err
	}
	defer rc.Close()
	h, err := readHeader(rc, int64(f.UncompressedSize64))
	if err == nil {
		err = checkSize(h, int64(f.UncompressedSize64))
	}
	if err != nil {
		return Header{}, fmt.Errorf("%s: key %q: %w", z.path, key, err)
	}
	return h, nil
}

// Read decodes the array stored under key, and verifies the entry's CRC-32:
// a corrupted archive is an error naming the file and the key. Nothing
// beyond the size the header declares is allocated or inflated.
func (z *NPZ) Read(key string) (Array, error) {
	f, rc, err := z.open(key)
	if err != nil {
		return Array{}, err
	}
	defer rc.Close()
	a, err := decode(rc, int64(f.UncompressedSize64))
	if errors.Is(err, zip.ErrChecksum) {
		return Array{}, fmt.Errorf("%s: key %q: the archive is corrupted (CRC-32 mismatch); delete or replace the file", z.path, key)
	}
	if err != nil {
		return Array{}, fmt.Errorf("%s: key %q: %w", z.path, key, err)
	}
	return a, nil
}

// open opens key's entry once its declared size is known to be possible:
// a stored entry holds exactly its compressed bytes and deflate expands at
// most 1032-fold, and neither can hold more than the archive file does,
// since a corrupted or hostile zip header may declare anything.
func (z *NPZ) open(key string) (*zip.File, io.ReadCloser, error) {
	f := z.entry(key)
	if f == nil {
		return nil, nil, fmt.Errorf("%s: key %q is missing (have %s)", z.path, key, strings.Join(z.Keys(), ", "))
	}
	limit := min(f.CompressedSize64, uint64(max(z.size, 0)))
	if f.Method != zip.Store {
		limit = min(limit, math.MaxInt64/1032) * 1032
	}
	if f.UncompressedSize64 > limit {
		return nil, nil, fmt.Errorf("%s: key %q: the zip entry declares %d bytes, more than its %d compressed bytes can hold", z.path, key, f.UncompressedSize64, f.CompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("%s: key %q: %w", z.path, key, err)
	}
	return f, rc, nil
}

// decode reads one .npy stream of size bytes into the Go slice type
// matching its dtype. The header is checked against size before anything
// is allocated for the data, and the stream must end where the data do
// (reading to the end is also what makes archive/zip check the CRC-32).
func decode(r io.Reader, size int64) (Array, error) {
	h, err := readHeader(r, size)
	if err != nil {
		return Array{}, err
	}
	if err := checkSize(h, size); err != nil {
		return Array{}, err
	}
	data, err := readData(r, h)
	if err != nil {
		return Array{}, err
	}
	var extra [1]byte
	switch n, err := io.ReadFull(r, extra[:]); {
	case n > 0 || errors.Is(err, zip.ErrFormat): // archive/zip's word for an entry longer than declared
		return Array{}, fmt.Errorf("the stream holds more than the %d bytes of the %s %s its header declares", h.DataBytes(), h.Descr, ShapeString(h.Shape))
	case err != io.EOF:
		return Array{}, fmt.Errorf("after the data: %w", err)
	}
	return Array{Shape: h.Shape, Data: data}, nil
}

// readData reads the h.Len() elements that follow h, a chunk at a time into
// a slice of exactly that length.
func readData(r io.Reader, h Header) (any, error) {
	n, item := h.Len(), int(h.item)
	big := h.Descr[0] == '>' || (h.Descr[0] == '=' && binary.NativeEndian.Uint16([]byte{0, 1}) == 1)
	scalar := min(item, 4) // bytes swapped as one: a unicode element is 4-byte code points
	if h.Kind() == "f8" || h.Kind() == "i8" {
		scalar = 8
	}
	var data any
	var put func(i int, b []byte) error // decodes the elements in b, the first being element i
	le := binary.LittleEndian
	switch h.Kind() {
	case "f4":
		d := make([]float32, n)
		data, put = d, func(i int, b []byte) error {
			for k := 0; k < len(b); k += 4 {
				d[i] = math.Float32frombits(le.Uint32(b[k:]))
				i++
			}
			return nil
		}
	case "f8":
		d := make([]float64, n)
		data, put = d, func(i int, b []byte) error {
			for k := 0; k < len(b); k += 8 {
				d[i] = math.Float64frombits(le.Uint64(b[k:]))
				i++
			}
			return nil
		}
	case "i8":
		d := make([]int64, n)
		data, put = d, func(i int, b []byte) error {
			for k := 0; k < len(b); k += 8 {
				d[i] = int64(le.Uint64(b[k:]))
				i++
			}
			return nil
		}
	case "i4":
		d := make([]int32, n)
		data, put = d, func(i int, b []byte) error {
			for k := 0; k < len(b); k += 4 {
				d[i] = int32(le.Uint32(b[k:]))
				i++
			}
			return nil
		}
	case "u1":
		d := make([]uint8, n)
		data, put = d, func(i int, b []byte) error {
			copy(d[i:], b)
			return nil
		}
	case "U":
		d := make([]string, n)
		var s []byte
		data, put = d, func(i int, b []byte) error {
			for k := 0; k < len(b); k += item {
				// NumPy pads with NULs, which are not part of the string.
				end := item
				for end > 0 && le.Uint32(b[k+end-4:]) == 0 {
					end -= 4
				}
				s = s[:0]
				for j := 0; j < end; j += 4 {
					c := le.Uint32(b[k+j:])
					if c > utf8.MaxRune || !utf8.ValidRune(rune(c)) {
						return fmt.Errorf("element %d: %#x is not a unicode code point", i, c)
					}
					s = utf8.AppendRune(s, rune(c))
				}
				d[i] = string(s)
				i++
			}
			return nil
		}
	}
	per := max(1, (1<<20)/item) // elements per chunk
	buf := make([]byte, min(n, per)*item)
	for i := 0; i < n; i += per {
		b := buf[:min(per, n-i)*item]
		if got, err := io.ReadFull(r, b); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("truncated data: %d of %d bytes for %s %s", int64(i)*int64(item)+int64(got), h.DataBytes(), h.Descr, ShapeString(h.Shape))
			}
			return nil, fmt.Errorf("reading the data: %w", err)
		}
		if big {
			swapBytes(b, scalar)
		}
		if err := put(i, b); err != nil {
			return nil, err
		}
	}
	return data, nil
}

// swapBytes reverses the byte order of each width-byte scalar in b.
func swapBytes(b []byte, width int) {
	for k := 0; k+width <= len(b); k += width {
		for i, j := k, k+width-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
	}
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

// ReadNPZ reads every array of a .npz archive, in archive order. Every
// header is read and checked before any array's data.
func ReadNPZ(path string) ([]Entry, error) {
	z, err := OpenNPZ(path)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	keys := z.Keys()
	for _, k := range keys {
		if _, err := z.Header(k); err != nil {
			return nil, err
		}
	}
	var out []Entry
	for _, k := range keys {
		a, err := z.Read(k)
		if err != nil {
			return nil, err
		}
		out = append(out, Entry{Key: k, Array: a})
	}
	return out, nil
}
