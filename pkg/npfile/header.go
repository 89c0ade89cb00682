package npfile

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Header is what a .npy header declares: the array's dtype and shape,
// known before any of its data is read.
type Header struct {
	Descr   string // NumPy's dtype string: "<f4", "<f8", "<i8", "<i4", "|u1" or "<U71" (any byte order)
	Shape   []int
	Fortran bool // column-major data; only rank 0 and 1, where it is C order too, are accepted

	size int64 // bytes of the preamble and header: where the data start
	item int64 // bytes of one element
}

// Kind names the dtype as Array.Kind does: "f4", "f8", "i8", "i4", "u1" or "U".
func (h Header) Kind() string { return kindOfDescr(h.Descr) }

// Len is the number of elements implied by Shape.
func (h Header) Len() int { return product(h.Shape) }

// DataBytes is the size of the data the header declares.
func (h Header) DataBytes() int64 { return h.item * int64(h.Len()) }

// Describe is "<kind> <shape>", as Array.Describe, for error messages.
func (h Header) Describe() string { return h.Kind() + " " + ShapeString(h.Shape) }

// maxHeader bounds the header text: NumPy itself refuses more than 10000
// bytes by default. maxWidth bounds the characters of a unicode dtype.
const (
	maxHeader = 1 << 16
	maxWidth  = 1 << 16
)

// readHeader reads the preamble and header of a .npy stream of size bytes,
// and nothing beyond them, so that a compressed stream is inflated only
// that far. Every malformed header is an error saying what is wrong.
func readHeader(r io.Reader, size int64) (Header, error) {
	var pre [12]byte
	if n, err := io.ReadFull(r, pre[:8]); err != nil {
		if n < 6 || string(pre[:6]) != "\x93NUMPY" {
			return Header{}, fmt.Errorf("not a NumPy .npy array: no \\x93NUMPY magic")
		}
		return Header{}, fmt.Errorf("npy header: truncated: the stream ends within the preamble")
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return Header{}, fmt.Errorf("not a NumPy .npy array: no \\x93NUMPY magic")
	}
	major, minor := pre[6], pre[7]
	lenBytes := 0
	switch {
	case major == 1 && minor == 0:
		lenBytes = 2
	case (major == 2 || major == 3) && minor == 0:
		lenBytes = 4
	default:
		return Header{}, fmt.Errorf("npy header: format version %d.%d is not supported (want 1.0, 2.0 or 3.0)", major, minor)
	}
	if _, err := io.ReadFull(r, pre[8:8+lenBytes]); err != nil {
		return Header{}, fmt.Errorf("npy header: truncated: the stream ends within the preamble")
	}
	n := int64(binary.LittleEndian.Uint16(pre[8:10]))
	if lenBytes == 4 {
		n = int64(binary.LittleEndian.Uint32(pre[8:12]))
	}
	start := int64(8 + lenBytes)
	if start+n > size {
		return Header{}, fmt.Errorf("npy header of %d bytes declared in a stream of %d bytes: truncated", n, size)
	}
	if n > maxHeader {
		return Header{}, fmt.Errorf("npy header of %d bytes: more than the %d this reader accepts", n, maxHeader)
	}
	text := make([]byte, n)
	if _, err := io.ReadFull(r, text); err != nil {
		return Header{}, fmt.Errorf("npy header: truncated: %d bytes declared: %w", n, err)
	}
	h, err := parseHeader(string(text))
	if err != nil {
		return Header{}, err
	}
	h.size = start + n
	return h, nil
}

// checkSize refuses a header whose array does not fill a stream of size
// bytes exactly: NumPy writes nothing after the data.
func checkSize(h Header, size int64) error {
	need := h.size + h.DataBytes()
	if need > size {
		return fmt.Errorf("header declares %s %s (%d bytes of data), more than the %d bytes stored", h.Descr, ShapeString(h.Shape), h.DataBytes(), size-h.size)
	}
	if need < size {
		return fmt.Errorf("%d bytes stored after the header, more than the %d of the %s %s it declares", size-h.size, h.DataBytes(), h.Descr, ShapeString(h.Shape))
	}
	return nil
}

// parseHeader parses the header text, the Python dict literal NumPy
// writes, such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), },
// padded with spaces and a newline. It checks the dtype is one this
// package reads and the shape's size fits in an int64.
func parseHeader(text string) (Header, error) {
	p := dictParser{s: strings.TrimRight(text, " \t\r\n\x00")}
	p.space()
	if !p.eat('{') {
		return Header{}, fmt.Errorf("npy header: missing opening brace")
	}
	if !strings.HasSuffix(p.s, "}") {
		return Header{}, fmt.Errorf("npy header: missing closing brace")
	}
	p.s = p.s[:len(p.s)-1]
	var h Header
	seen := map[string]bool{}
	for {
		p.space()
		if p.done() {
			break
		}
		at := p.i
		key, err := p.quoted()
		if err != nil {
			return Header{}, fmt.Errorf("npy header: key: %w", err)
		}
		if seen[key] {
			return Header{}, fmt.Errorf("npy header: key %q repeated", key)
		}
		seen[key] = true
		p.space()
		if !p.eat(':') {
			return Header{}, fmt.Errorf("npy header: no ':' after key %q", key)
		}
		p.space()
		switch key {
		case "descr":
			if p.peek() == '[' {
				return Header{}, fmt.Errorf("npy header: 'descr' is a list: structured dtypes are not supported")
			}
			if h.Descr, err = p.quoted(); err != nil {
				return Header{}, fmt.Errorf("npy header: 'descr': %w", err)
			}
		case "fortran_order":
			switch w := p.word(); w {
			case "True", "False":
				h.Fortran = w == "True"
			default:
				return Header{}, fmt.Errorf("npy header: 'fortran_order' is %q, want True or False", w)
			}
		case "shape":
			if h.Shape, err = p.tuple(); err != nil {
				return Header{}, fmt.Errorf("npy header: 'shape': %w", err)
			}
		default:
			return Header{}, fmt.Errorf("npy header: unknown key %q at byte %d (want 'descr', 'fortran_order' and 'shape')", key, at)
		}
		p.space()
		if p.done() {
			break
		}
		if !p.eat(',') {
			return Header{}, fmt.Errorf("npy header: unexpected %q at byte %d", p.s[p.i], p.i)
		}
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return Header{}, fmt.Errorf("npy header: key '%s' is missing", k)
		}
	}
	item, err := itemSize(h.Descr)
	if err != nil {
		return Header{}, err
	}
	h.item = item
	if h.Fortran && len(h.Shape) > 1 {
		return Header{}, fmt.Errorf("Fortran-ordered arrays are not supported (save with np.ascontiguousarray)")
	}
	total := item
	for _, d := range h.Shape {
		if d > 0 && total > math.MaxInt64/int64(d) {
			return Header{}, fmt.Errorf("npy header: shape %s of %s is more than 2^63 bytes", ShapeString(h.Shape), h.Descr)
		}
		total *= int64(d)
	}
	return h, nil
}

// itemSize is the bytes of one element of descr, or an error naming a
// dtype this package does not read.
func itemSize(descr string) (int64, error) {
	d := descr
	if d != "" && strings.ContainsRune("<>=|", rune(d[0])) {
		d = d[1:]
	}
	switch d {
	case "f8", "i8":
		return 8, nil
	case "f4", "i4":
		return 4, nil
	case "u1":
		return 1, nil
	}
	if w, ok := strings.CutPrefix(d, "U"); ok {
		n, err := strconv.Atoi(w)
		if err == nil && n > 0 && n <= maxWidth {
			return 4 * int64(n), nil
		}
	}
	return 0, fmt.Errorf("npy header: dtype %q is not supported (want float32, float64, int64, int32, uint8 or unicode)", descr)
}

// dictParser scans the dict literal of a .npy header; s is the text
// between the braces and i the next byte.
type dictParser struct {
	s string
	i int
}

func (p *dictParser) done() bool { return p.i >= len(p.s) }

func (p *dictParser) peek() byte {
	if p.done() {
		return 0
	}
	return p.s[p.i]
}

func (p *dictParser) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

func (p *dictParser) space() {
	for !p.done() && strings.IndexByte(" \t\r\n", p.s[p.i]) >= 0 {
		p.i++
	}
}

// quoted reads a string in single or double quotes (NumPy's headers hold
// no escapes).
func (p *dictParser) quoted() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", fmt.Errorf("want a quoted string at byte %d", p.i)
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string at byte %d", p.i)
	}
	s := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return s, nil
}

// word reads a run of letters (True, False).
func (p *dictParser) word() string {
	start := p.i
	for !p.done() && (p.s[p.i] >= 'a' && p.s[p.i] <= 'z' || p.s[p.i] >= 'A' && p.s[p.i] <= 'Z') {
		p.i++
	}
	return p.s[start:p.i]
}

// tuple reads a tuple of non-negative integers: (), (8,), (2, 3); a
// Python 2 long suffix (3L) is accepted.
func (p *dictParser) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("want a tuple at byte %d", p.i)
	}
	shape := []int{}
	for {
		p.space()
		if p.eat(')') {
			break
		}
		start := p.i
		p.eat('-')
		for !p.done() && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		tok := p.s[start:p.i]
		d, err := strconv.Atoi(tok)
		switch {
		case tok == "" || tok == "-":
			return nil, fmt.Errorf("want a dimension at byte %d", start)
		case err != nil:
			return nil, fmt.Errorf("dimension %s is out of range", tok)
		case d < 0:
			return nil, fmt.Errorf("negative dimension %d", d)
		}
		shape = append(shape, d)
		p.eat('L')
		p.space()
		if p.eat(')') {
			break
		}
		if !p.eat(',') {
			if p.done() {
				return nil, fmt.Errorf("unterminated tuple")
			}
			return nil, fmt.Errorf("unexpected %q at byte %d", p.s[p.i], p.i)
		}
	}
	if len(shape) == 0 {
		shape = nil
	}
	return shape, nil
}
