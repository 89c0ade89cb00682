package blur

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Image is an h x w grayscale image, row-major.
type Image struct {
	H, W int
	Pix  []float32
}

// Truncate is where the Gaussian kernel is cut, in standard deviations
// (scipy's default).
const Truncate = 4.0

// GaussianKernel returns the normalised 1-D kernel of scipy.ndimage:
// radius int(4σ + 0.5), weights exp(-x²/2σ²) / sum.
func GaussianKernel(sigma float64) []float64 {
	r := int(Truncate*sigma + 0.5)
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(-0.5 * x * x / (sigma * sigma))
		sum += k[i]
	}
	for i := range k {
		k[i] /= sum
	}
	return k
}

// Gaussian blurs img with standard deviation sigma (pixels), separably along
// rows then columns, with scipy's "reflect" boundary (the edge pixel is
// repeated: d c b a | a b c d | d c b a) and float32 results after each
// pass, as gaussian_filter on a float32 array. sigma 0 returns a copy.
func Gaussian(img Image, sigma float64) (Image, error) {
	if err := img.check(); err != nil {
		return Image{}, err
	}
	if sigma < 0 || math.IsNaN(sigma) {
		return Image{}, fmt.Errorf("blur: sigma %v, want >= 0", sigma)
	}
	if sigma == 0 {
		return img.clone(), nil
	}
	k := GaussianKernel(sigma)
	// scipy filters axis 0 (rows of the array: vertical) first, then axis 1.
	tmp := correlate(img, k, true, reflect)
	return correlate(tmp, k, false, reflect), nil
}

// Box is OpenCV's cv2.blur with a k x k kernel (k odd) and its default
// border, BORDER_REFLECT_101 (d c b | a b c d | c b a).
func Box(img Image, k int) (Image, error) {
	if err := img.check(); err != nil {
		return Image{}, err
	}
	if k < 1 || k%2 == 0 {
		return Image{}, fmt.Errorf("blur: box kernel size %d, want odd and >= 1", k)
	}
	w := make([]float64, k)
	for i := range w {
		w[i] = 1 / float64(k)
	}
	tmp := correlate(img, w, true, Reflect101)
	return correlate(tmp, w, false, Reflect101), nil
}

func (img Image) check() error {
	if img.H < 1 || img.W < 1 || len(img.Pix) != img.H*img.W {
		return fmt.Errorf("blur: %d pixels for a %dx%d image", len(img.Pix), img.H, img.W)
	}
	return nil
}

func (img Image) clone() Image {
	return Image{H: img.H, W: img.W, Pix: append([]float32(nil), img.Pix...)}
}

// reflect maps an index outside 0..n-1 as scipy's "reflect" mode.
func reflect(i, n int) int {
	p := 2 * n
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - 1 - i
	}
	return i
}

// Reflect101 maps an index outside 0..n-1 as OpenCV's BORDER_REFLECT_101
// (scipy "mirror": d c b | a b c d | c b a).
func Reflect101(i, n int) int {
	if n == 1 {
		return 0
	}
	p := 2*n - 2
	i %= p
	if i < 0 {
		i += p
	}
	if i >= n {
		i = p - i
	}
	return i
}

// correlate applies the centred 1-D kernel k along columns (vertical) or
// rows, accumulating in float64.
func correlate(img Image, k []float64, vertical bool, border func(i, n int) int) Image {
	out := Image{H: img.H, W: img.W, Pix: make([]float32, len(img.Pix))}
	r := len(k) / 2
	for y := range img.H {
		for x := range img.W {
			s := 0.0
			for t, wt := range k {
				if vertical {
					s += wt * float64(img.Pix[border(y+t-r, img.H)*img.W+x])
				} else {
					s += wt * float64(img.Pix[y*img.W+border(x+t-r, img.W)])
				}
			}
			out.Pix[y*img.W+x] = float32(s)
		}
	}
	return out
}

// BoxLimit is albumentations' Blur(blur_limit=Limit): each image is blurred
// by a box of odd size drawn uniformly from KernelSizes.
type BoxLimit int

// KernelSizes are the odd sizes albumentations draws from for blur_limit
// L: to_tuple(L, 3) gives the range (min(3,L), max(3,L)), and the sizes are
// the odd numbers in it (L=1 gives {1, 3}: 1 leaves the image unchanged).
func (l BoxLimit) KernelSizes() []int {
	lo, hi := min(3, int(l)), max(3, int(l))
	var ks []int
	for k := lo; k <= hi; k++ {
		if k%2 == 1 {
			ks = append(ks, k)
		}
	}
	return ks
}

// Apply blurs img with a kernel size drawn from rng (the Python RNG cannot be
// reproduced; the distribution is albumentations').
func (l BoxLimit) Apply(img Image, rng *rand.Rand) (Image, int, error) {
	ks := l.KernelSizes()
	k := ks[rng.IntN(len(ks))]
	out, err := Box(img, k)
	return out, k, err
}
