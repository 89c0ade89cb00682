package train

import (
	"fmt"
	"math/rand/v2"
)

// Data is a labelled design matrix. Views > 1 holds several versions of each
// sample (augmented views of an image's features): view v of sample i is row
// v*N+i. Training draws one view per sampled row; evaluation uses view 0.
type Data struct {
	X     []float32
	N, D  int
	Views int // 0 means 1
	Y     []int
}

func (d Data) views() int { return max(d.Views, 1) }

// Check reports a malformed Data: wrong lengths or labels out of 0..classes-1.
func (d Data) Check(name string, classes int) error {
	if d.N == 0 || d.D == 0 {
		return fmt.Errorf("%s: empty data (%d rows of %d values)", name, d.N, d.D)
	}
	if len(d.X) != d.N*d.D*d.views() {
		return fmt.Errorf("%s: %d values, want %d samples x %d views x %d features", name, len(d.X), d.N, d.views(), d.D)
	}
	if len(d.Y) != d.N {
		return fmt.Errorf("%s: %d labels for %d samples", name, len(d.Y), d.N)
	}
	for i, y := range d.Y {
		if y < 0 || y >= classes {
			return fmt.Errorf("%s: label %d of sample %d outside 0..%d", name, y, i, classes-1)
		}
	}
	return nil
}

// gather copies rows idx (view views[k] for row k; nil means view 0) into a
// new batch.
func (d Data) gather(idx, views []int) []float32 {
	out := make([]float32, len(idx)*d.D)
	for k, i := range idx {
		v := 0
		if views != nil {
			v = views[k]
		}
		copy(out[k*d.D:(k+1)*d.D], d.X[(v*d.N+i)*d.D:])
	}
	return out
}

// BalancedSample draws n sample indices with replacement, each with
// probability proportional to 1/count(its class): the distribution of
// torch.utils.data.WeightedRandomSampler(1/class_count[y], n). Every class
// then carries the same total weight, so a class is drawn uniformly first
// and a sample of it uniformly second, which is the same distribution.
func BalancedSample(rng *rand.Rand, y []int, n int) []int {
	byClass := map[int][]int{}
	var classes []int
	for i, c := range y {
		if _, ok := byClass[c]; !ok {
			classes = append(classes, c)
		}
		byClass[c] = append(byClass[c], i)
	}
	out := make([]int, n)
	for k := range out {
		members := byClass[classes[rng.IntN(len(classes))]]
		out[k] = members[rng.IntN(len(members))]
	}
	return out
}

// Shuffle returns a random permutation of 0..n-1 (sampling without
// replacement, the unbalanced alternative).
func Shuffle(rng *rand.Rand, n int) []int {
	return rng.Perm(n)
}
