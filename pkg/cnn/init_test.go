package cnn

import (
	"math"
	"reflect"
	"runtime"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
)

// TestRandomInitMatchesTorchvision: the untrained control must be drawn as
// torchvision 0.14 draws it (weights=None). For every registry architecture
// and state_dict entry, torchvision's values (one draw) are summarised by
// mean, standard deviation, minimum and maximum, and RandomStateDict's are
// compared: constants (BatchNorm's affine parameters and statistics, zero
// biases) exactly; random tensors of n >= 256 values by their standard
// deviation and mean (within 6 standard errors of the difference of two
// draws: 6/√n relative but at least 1.5%, as torch 1.13's truncated
// normal puts a few values at the truncation point; 6·√(2/n) s.d.) and, for uniform draws, range
// (within 10%); smaller ones (16 values or more) by their spread (within 50%) and a
// uniform's bound (√3 s.d., within 50%: the sample's s.d. is rough). A wrong rule (fan
// in for fan out, normal for uniform, a bias left at zero) fails.
func TestRandomInitMatchesTorchvision(t *testing.T) {
	var names []string
	for _, a := range All() {
		if a.Family != "user" {
			names = append(names, a.Name)
		}
	}
	refs := pyref.Golden(t, "init_stats.npz", []string{"torch", "torchvision", "numpy"},
		pyref.File("testdata/torchvision_init_ref.py", append([]string{pyref.Out}, names...)...))
	for _, a := range zoo() {
		sd, err := a.RandomStateDict(3)
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range refs {
			want := pyref.Floats(t, ref)
			for _, e := range sd {
				w := want(a.Name + "|" + e.Key)
				x := make([]float64, 0, e.Array.Len())
				switch d := e.Array.Data.(type) {
				case []float32:
					for _, v := range d {
						x = append(x, float64(v))
					}
				case []int64:
					for _, v := range d {
						x = append(x, float64(v))
					}
				}
				mean, sd, lo, hi := summary(x)
				wMean, wSD, wLo, wHi := w[0], w[1], w[2], w[3]
				bad := ""
				switch {
				case wSD == 0:
					if mean != wMean || sd != 0 {
						bad = "constant"
					}
				case len(x) >= 256:
					// Two independent draws: their standard deviations differ by
					// about √(1/n) relative, their means by √(2/n) s.d.; allow 6x (thousands
					// of tensors are compared).
					n := float64(len(x))
					if math.Abs(sd/wSD-1) > math.Max(6/math.Sqrt(n), 0.015) || math.Abs(mean-wMean) > 6*wSD*math.Sqrt(2/n) {
						bad = "spread"
					}
					// A uniform draw's range is its bound; a normal's grows with
					// the size and is not compared.
					if uniformLike(wSD, wLo, wHi) && (math.Abs(hi/wHi-1) > 0.1 || math.Abs(lo/wLo-1) > 0.1) {
						bad = "range"
					}
				case len(x) >= 16:
					if math.Abs(sd/wSD-1) > 0.5 {
						bad = "spread"
					}
					if uniformLike(wSD, wLo, wHi) && math.Max(-lo, hi) > 1.5*math.Sqrt(3)*wSD {
						bad = "bound"
					}
				default:
					if sd == 0 {
						bad = "constant where torchvision draws"
					}
				}
				if bad != "" {
					t.Errorf("%s %s (%d values): mean %.4g sd %.4g range [%.4g, %.4g]; torchvision: mean %.4g sd %.4g range [%.4g, %.4g] (%s)",
						a.Name, e.Key, len(x), mean, sd, lo, hi, wMean, wSD, wLo, wHi, bad)
				}
			}
		}
	}
}

func summary(x []float64) (mean, sd, lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range x {
		mean += v
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	mean /= float64(len(x))
	for _, v := range x {
		sd += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(sd / float64(len(x))), lo, hi
}

// uniformLike reports whether a symmetric draw's range is about √3 standard
// deviations, as a uniform's is (a normal's reaches much further).
func uniformLike(sd, lo, hi float64) bool {
	return math.Max(-lo, hi) < 2*sd
}

// TestRandomStateDictSameOnAnyCores: the parameters are drawn in parallel,
// each from its own keyed generator, so one core and two give the same
// weights, bit for bit.
func TestRandomStateDictSameOnAnyCores(t *testing.T) {
	a, _ := Get("resnet18")
	prev := runtime.GOMAXPROCS(1)
	one, err := a.RandomStateDict(3)
	runtime.GOMAXPROCS(2)
	two, err2 := a.RandomStateDict(3)
	runtime.GOMAXPROCS(prev)
	if err != nil || err2 != nil {
		t.Fatal(err, err2)
	}
	if len(one) != len(two) {
		t.Fatalf("%d entries on one core, %d on two", len(one), len(two))
	}
	for i := range one {
		if one[i].Key != two[i].Key || !reflect.DeepEqual(one[i].Array, two[i].Array) {
			t.Fatalf("entry %d (%s / %s) differs between one core and two", i, one[i].Key, two[i].Key)
		}
	}
}
