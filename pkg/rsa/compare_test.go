package rsa

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestCentreWithinPaths: the slice path (class-pair numbers) and the map
// path (any other block values) subtract the same block means, to the bit,
// and leave every block with mean 0.
func TestCentreWithinPaths(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x, ints, other := make([]float64, 200), make([]float64, 200), make([]float64, 200)
	for k := range x {
		x[k] = rng.NormFloat64()
		ints[k] = float64(rng.IntN(6))
		other[k] = ints[k] + 0.5
	}
	a, b := centreWithin(x, ints), centreWithin(x, other)
	for k := range a {
		if a[k] != b[k] {
			t.Fatalf("value %d: %v by slices, %v by maps", k, a[k], b[k])
		}
	}
	sum, count := make([]float64, 6), make([]float64, 6)
	for k, v := range a {
		sum[int(ints[k])] += v
		count[int(ints[k])]++
	}
	for blk := range sum {
		if count[blk] > 0 && math.Abs(sum[blk]/count[blk]) > 1e-12 {
			t.Errorf("block %d: mean %g after centring", blk, sum[blk]/count[blk])
		}
	}
}
