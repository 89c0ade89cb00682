package blur

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/decodingthoughts/decoding-thoughts/internal/pyref"
	"github.com/decodingthoughts/decoding-thoughts/pkg/npfile"
)

// testImage is a 48 x 40 image with structure at the borders (a gradient,
// a bright corner) and noise, so boundary handling shows.
func testImage() Image {
	rng := rand.New(rand.NewPCG(1, 1))
	img := Image{H: 48, W: 40, Pix: make([]float32, 48*40)}
	for y := range img.H {
		for x := range img.W {
			v := float64(x)/10 + rng.NormFloat64()
			if x < 5 && y < 5 {
				v += 10
			}
			img.Pix[y*img.W+x] = float32(v)
		}
	}
	return img
}

func maxDiff[A, B float32 | float64](a []A, b []B) float64 {
	d := 0.0
	for i := range a {
		d = math.Max(d, math.Abs(float64(a[i])-float64(b[i])))
	}
	return d
}

func TestParityWithScipy(t *testing.T) {
	img := testImage()
	in := filepath.Join(t.TempDir(), "img.npy")
	if err := npfile.WriteNPY(in, npfile.Array{Shape: []int{img.H, img.W}, Data: img.Pix}); err != nil {
		t.Fatal(err)
	}
	for _, path := range pyref.Golden(t, "blur.npz", []string{"numpy", "scipy"}, pyref.File("testdata/scipy_blur.py", in, pyref.Out)) {
		ref := pyref.Floats(t, path)
		for _, s := range []string{"0.5", "1", "2", "4", "8", "40"} {
			var sigma float64
			fmt.Sscan(s, &sigma)
			got, err := Gaussian(img, sigma)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxDiff(got.Pix, ref("gaussian_"+s)); d > 1e-5 {
				t.Errorf("sigma %s: differs from scipy.ndimage.gaussian_filter by %.3g (%s)", s, d, path)
			}
		}
		for _, k := range []int{1, 3, 7, 15} {
			got, err := Box(img, k)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxDiff(got.Pix, ref(fmt.Sprintf("box_%d", k))); d > 1e-5 {
				t.Errorf("box %d: differs from the reflect-101 box filter by %.3g (%s)", k, d, path)
			}
		}
	}
}

// TestBoxLimitKernelSizes: the kernel sizes each blur_limit allows
// (albumentations' odd sizes), drawn about equally often.
func TestBoxLimitKernelSizes(t *testing.T) {
	cases := map[BoxLimit][]int{1: {1, 3}, 4: {3}, 8: {3, 5, 7}, 16: {3, 5, 7, 9, 11, 13, 15}}
	for l, want := range cases {
		got := l.KernelSizes()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("blur_limit %d: sizes %v, want %v", l, got, want)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[int]int{}
	for range 3000 {
		_, k, err := BoxLimit(8).Apply(Image{H: 4, W: 4, Pix: make([]float32, 16)}, rng)
		if err != nil {
			t.Fatal(err)
		}
		seen[k]++
	}
	for _, k := range []int{3, 5, 7} {
		if seen[k] < 900 || seen[k] > 1100 {
			t.Errorf("size %d drawn %d times of 3000, want about 1000", k, seen[k])
		}
	}
}

func TestBadInput(t *testing.T) {
	if _, err := Gaussian(Image{H: 2, W: 2, Pix: make([]float32, 3)}, 1); err == nil {
		t.Error("wrong pixel count accepted")
	}
	if _, err := Gaussian(testImage(), -1); err == nil {
		t.Error("negative sigma accepted")
	}
	if _, err := Box(testImage(), 4); err == nil {
		t.Error("even box size accepted")
	}
}
