package npfile

import (
	"fmt"
	"strings"
)

// Array is an n-dimensional C-ordered array. Data is one of []float32,
// []float64, []int64, []int32, []uint8 or []string; its length is the product
// of Shape.
type Array struct {
	Shape []int
	Data  any
}

// Len is the number of elements implied by Shape.
func (a Array) Len() int { return product(a.Shape) }

func product(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Kind names the element type of Data the way NumPy's dtype.kind does, with the
// item size: "f4", "f8", "i8", "i4", "u1" or "U" (unicode of any width).
func (a Array) Kind() string {
	switch a.Data.(type) {
	case []float32:
		return "f4"
	case []float64:
		return "f8"
	case []int64:
		return "i8"
	case []int32:
		return "i4"
	case []uint8:
		return "u1"
	case []string:
		return "U"
	}
	return fmt.Sprintf("unsupported %T", a.Data)
}

// ShapeString formats a shape as NumPy prints it: (4, 1750) or (8,).
func ShapeString(shape []int) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = fmt.Sprint(d)
	}
	if len(shape) == 1 {
		return "(" + parts[0] + ",)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Describe is "<kind> <shape>", used in error messages.
func (a Array) Describe() string { return a.Kind() + " " + ShapeString(a.Shape) }

// kindOfDescr maps a NumPy descr such as "<f4", "|u1" or "<U71" to Kind's
// vocabulary.
func kindOfDescr(descr string) string {
	d := strings.TrimLeft(descr, "<>=|")
	if strings.HasPrefix(d, "U") {
		return "U"
	}
	return d
}
