package npfile

import (
	"archive/zip"
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/decodingthoughts/decoding-thoughts/internal/atomicfile"
	"github.com/decodingthoughts/decoding-thoughts/internal/lebytes"
)

// Entry is one named array of an .npz archive.
type Entry struct {
	Key   string
	Array Array
}

// WriteNPY writes a to path atomically in .npy format version 1.0.
func WriteNPY(path string, a Array) error {
	return atomicfile.Write(path, func(w io.Writer) error { return Encode(w, a) })
}

// WriteNPZ writes the entries, in the given order, to an uncompressed .npz
// archive at path (what np.savez writes), atomically. Zip timestamps are left
// at zero so the same arrays always give the same bytes.
func WriteNPZ(path string, entries ...Entry) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		zw := zip.NewWriter(w)
		for _, e := range entries {
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: e.Key + ".npy", Method: zip.Store})
			if err != nil {
				return err
			}
			if err := Encode(fw, e.Array); err != nil {
				return fmt.Errorf("key %q: %w", e.Key, err)
			}
		}
		return zw.Close()
	})
}

// Encode writes a as a .npy stream (format 1.0, little-endian, C order).
func Encode(w io.Writer, a Array) error {
	if n := sliceLen(a.Data); n != a.Len() {
		return fmt.Errorf("array of %d elements does not fit shape %s", n, ShapeString(a.Shape))
	}
	descr, width := "", 0
	switch d := a.Data.(type) {
	case []float32:
		descr = "<f4"
	case []float64:
		descr = "<f8"
	case []int64:
		descr = "<i8"
	case []int32:
		descr = "<i4"
	case []uint8:
		descr = "|u1"
	case []string:
		width = 1
		for _, s := range d {
			width = max(width, utf8.RuneCountInString(s))
		}
		descr = fmt.Sprintf("<U%d", width)
	default:
		return fmt.Errorf("unsupported element type %T", a.Data)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.WriteString(header(descr, a.Shape)); err != nil {
		return err
	}
	if err := encodeData(bw, a.Data, width); err != nil {
		return err
	}
	return bw.Flush()
}

// header builds the version 1.0 header, padded so the data starts at a
// multiple of 64 bytes as NumPy does.
func header(descr string, shape []int) string {
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, ShapeString(shape))
	if len(shape) == 0 {
		dict = strings.Replace(dict, "(,)", "()", 1)
	}
	total := 10 + len(dict) + 1
	pad := (64 - total%64) % 64
	dict += strings.Repeat(" ", pad) + "\n"
	var pre [10]byte
	copy(pre[:], "\x93NUMPY\x01\x00")
	binary.LittleEndian.PutUint16(pre[8:], uint16(len(dict)))
	return string(pre[:]) + dict
}

func encodeData(w *bufio.Writer, data any, width int) error {
	var buf [8]byte
	var err error
	put := func(b []byte) {
		if err == nil {
			_, err = w.Write(b)
		}
	}
	if b, ok := lebytes.Of(data); ok {
		put(b)
		return err
	}
	switch d := data.(type) {
	case []float32:
		for _, v := range d {
			binary.LittleEndian.PutUint32(buf[:4], math.Float32bits(v))
			put(buf[:4])
		}
	case []float64:
		for _, v := range d {
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			put(buf[:])
		}
	case []int64:
		for _, v := range d {
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			put(buf[:])
		}
	case []int32:
		for _, v := range d {
			binary.LittleEndian.PutUint32(buf[:4], uint32(v))
			put(buf[:4])
		}
	case []uint8:
		put(d)
	case []string:
		for _, s := range d {
			n := 0
			for _, r := range s {
				binary.LittleEndian.PutUint32(buf[:4], uint32(r))
				put(buf[:4])
				n++
			}
			for ; n < width; n++ {
				put([]byte{0, 0, 0, 0})
			}
		}
	}
	return err
}
