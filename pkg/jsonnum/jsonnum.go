package jsonnum

import (
	"encoding/json"
	"math"
)

// Float is a float64 that writes NaN and ±Inf as null and reads null as
// NaN.
type Float float64

// MarshalJSON writes null for an undefined value, and a finite one as
// encoding/json writes a float64.
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

// Floats converts a list of JSON numbers to float64s.
func Floats(v []Float) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
