// Package jsonnum carries float values that may be undefined (NaN, ±Inf)
// through JSON, which has no such numbers: undefined is null, and null reads
// back as NaN. Result types embed their fields as *float64 shadows of these.
package jsonnum

import "math"

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
