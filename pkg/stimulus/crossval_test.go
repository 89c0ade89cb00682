package stimulus

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/pkg/backend"
	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
)

// TestStratifiedFolds: every fold gets each class's share (within one) and
// the folds' sizes differ by at most one; the same seed deals the same folds.
func TestStratifiedFolds(t *testing.T) {
	y := make([]int, 0, 103)
	for c, n := range []int{61, 30, 12} {
		for range n {
			y = append(y, c)
		}
	}
	const k = 5
	fold := StratifiedFolds(y, k, 7)
	sizes := make([]int, k)
	perClass := [3][k]int{}
	for i, f := range fold {
		sizes[f]++
		perClass[y[i]][f]++
	}
	for c, counts := range perClass {
		lo, hi := counts[0], counts[0]
		for _, v := range counts {
			lo, hi = min(lo, v), max(hi, v)
		}
		if hi-lo > 1 {
			t.Errorf("class %d: per-fold counts %v, want within one", c, counts)
		}
	}
	lo, hi := sizes[0], sizes[0]
	for _, v := range sizes {
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi-lo > 1 {
		t.Errorf("fold sizes %v, want within one", sizes)
	}
	again := StratifiedFolds(y, k, 7)
	other := StratifiedFolds(y, k, 8)
	same, moved := true, 0
	for i := range fold {
		same = same && again[i] == fold[i]
		if other[i] != fold[i] {
			moved++
		}
	}
	if !same || moved == 0 {
		t.Errorf("seed 7 twice gives the same folds: %v; seed 8 moves %d items", same, moved)
	}
}

// TestCrossValidateKnownAnswers: on pictures whose class is their stripes'
// orientation (horizontal, vertical, none: a cue a random backbone keeps),
// the cross-validated head is far above chance; with the labels shuffled it
// is at chance (balanced accuracy about 1/3). Every image is predicted once.
func TestCrossValidateKnownAnswers(t *testing.T) {
	const n, side = 150, 32
	r := rand.New(rand.NewPCG(1, 2))
	im := kay.Images{N: n, H: side, W: side, Pix: make([]float32, n*side*side)}
	var l kay.Labels
	names := []string{"animal", "artifact", "geological formation"}
	for i := range n {
		c := i % 3
		f := 3 + 3*r.Float64()
		ph := r.Float64() * 2 * math.Pi
		for y := range side {
			for x := range side {
				v := 0.3 * r.NormFloat64()
				switch c {
				case 0:
					v += math.Sin(2*math.Pi*f*float64(y)/side + ph)
				case 1:
					v += math.Sin(2*math.Pi*f*float64(x)/side + ph)
				}
				im.Pix[(i*side+y)*side+x] = float32(v)
			}
		}
		for lev := range kay.Levels {
			l.Level[lev] = append(l.Level[lev], names[c])
		}
	}
	d := &kay.Dataset{Dir: "stripes", Train: kay.Split{Stimuli: im, Labels: l}, ROINames: kay.ROINames}
	hb, _, err := backend.FromEnv(os.Getenv).New("", backend.Dense)
	if err != nil {
		t.Fatal(err)
	}
	opt := DefaultOptions()
	opt.Train.Epochs = 40
	cv, err := CrossValidate(context.Background(), hb, tinyBackbone(t, ""), d, opt, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stripes: accuracy %.3f [%.3f, %.3f], balanced %.3f, per fold %v", cv.Accuracy.Value, cv.Accuracy.Low, cv.Accuracy.High, cv.Balanced, cv.PerFold)
	if cv.Images != n || cv.Accuracy.N != n || len(cv.PerFold) != 5 || math.Abs(cv.Accuracy.Chance-1.0/3) > 1e-9 {
		t.Fatalf("%d images, %d predictions, %d folds, majority %.3f", cv.Images, cv.Accuracy.N, len(cv.PerFold), cv.Accuracy.Chance)
	}
	if cv.Accuracy.Low < 0.6 {
		t.Errorf("orientation classes: accuracy %.3f [%.3f, %.3f], want far above chance", cv.Accuracy.Value, cv.Accuracy.Low, cv.Accuracy.High)
	}
	shuffled := *d
	shuffled.Train.Labels = kay.Labels{}
	perm := r.Perm(n)
	for lev := range kay.Levels {
		for _, j := range perm {
			shuffled.Train.Labels.Level[lev] = append(shuffled.Train.Labels.Level[lev], l.Level[lev][j])
		}
	}
	null, err := CrossValidate(context.Background(), hb, tinyBackbone(t, ""), &shuffled, opt, 5)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("shuffled labels: accuracy %.3f [%.3f, %.3f], balanced %.3f", null.Accuracy.Value, null.Accuracy.Low, null.Accuracy.High, null.Balanced)
	if null.Accuracy.Low > 1.0/3 || null.Accuracy.High < 1.0/3 {
		t.Errorf("shuffled labels: accuracy %.3f [%.3f, %.3f], want an interval around chance (1/3)", null.Accuracy.Value, null.Accuracy.Low, null.Accuracy.High)
	}
	if _, err := CrossValidate(context.Background(), hb, tinyBackbone(t, ""), d, opt, 1); err == nil {
		t.Error("1 fold accepted")
	}
}
