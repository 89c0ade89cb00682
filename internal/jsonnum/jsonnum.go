// Package jsonnum carries float values that may be undefined (NaN, ±Inf)
// through JSON, which has no such numbers: undefined is null, and null reads
// back as NaN. Result types embed their fields as *float64 shadows of these.
package jsonnum

import (
	"encoding/json"
	"math"
)

// Ptr is x for JSON: nil (null) when x is NaN or infinite.
func Ptr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// Value is the float a JSON value holds: NaN for null.
func Value(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// Float is a float64 that writes NaN and ±Inf as null and reads null as
// NaN: a field of this type needs no MarshalJSON wrapper on its struct.
type Float float64

// MarshalJSON writes null for an undefined value.
func (f Float) MarshalJSON() ([]byte, error) {
	x := float64(f)
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return []byte("null"), nil
	}
	return json.Marshal(x)
}

// UnmarshalJSON reads null as NaN.
func (f *Float) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = Float(math.NaN())
		return nil
	}
	var x float64
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*f = Float(x)
	return nil
}
