package npfile

import (
	"fmt"
	"math"
)

// NonFinite returns the flat index and value of the first NaN or infinity in
// x, or -1 when every value is finite.
func NonFinite[T float32 | float64](x []T) (int, float64) {
	for i, v := range x {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return i, f
		}
	}
	return -1, 0
}

// CheckFinite reports the first NaN or infinity of a floating-point array
// ("non-finite value NaN at flat index 12"); other kinds are always finite.
// Callers prefix the file and key.
func (a Array) CheckFinite() error {
	i, v := -1, 0.0
	switch x := a.Data.(type) {
	case []float32:
		i, v = NonFinite(x)
	case []float64:
		i, v = NonFinite(x)
	}
	if i >= 0 {
		return fmt.Errorf("non-finite value %v at flat index %d", v, i)
	}
	return nil
}
