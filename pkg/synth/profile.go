package synth

import (
	"fmt"
	"slices"
	"strings"

	"github.com/decodingthoughts/decoding-thoughts/pkg/kay"
)

// ROIParams are the planted properties of one region.
type ROIParams struct {
	Name     string
	Voxels   int
	RFSigma  [2]float64 // receptive-field s.d. range, fraction of image width
	SFPeak   float64    // preferred log2 spatial frequency (cycles/image), mean
	Stimulus float64    // weight of the Gabor-energy component
	Category float64    // weight of the category component
	SNR      float64    // signal variance / noise variance
}

// Config fully determines a generated dataset.
type Config struct {
	Profile     string
	Seed        uint64
	Size        int            // image side in pixels
	TrainCounts map[string]int // level-0 class -> training images
	TestCounts  map[string]int // level-0 class -> test images
	ROIs        []ROIParams    // in roi order 1..7 (Other has no voxels)
	Null        bool           // no category component, labels independent of the data
	// CategoryOnly makes a brain with no stimulus-driven component: every
	// voxel carries only its level-0 class's weight (its stimulus weight
	// moved there, no sub-category part) plus noise at the same SNR. The
	// images still differ by class, so any model of them shares the class
	// structure with this brain and nothing within a class: the null of the
	// category-controlled RSA tests.
	CategoryOnly bool `json:",omitempty"`
	Workers      int  `json:"-"` // 0: GOMAXPROCS; results do not depend on it
}

// Level0Classes are the real dataset's level-0 classes.
var Level0Classes = []string{"artifact", "animal", "geological formation", "fruit", "entity", "fungus", "person", "plant"}

// realTrain are the real level-0 counts of the 1750 training images.
var realTrain = map[string]int{"artifact": 812, "animal": 589, "geological formation": 192,
	"fruit": 77, "entity": 72, "fungus": 5, "person": 2, "plant": 1}

// fullTest keeps 114 of 120 test images after the default ignore list, as the real data.
var fullTest = map[string]int{"artifact": 55, "animal": 41, "geological formation": 18,
	"fruit": 3, "entity": 2, "fungus": 1}

func rois(scale float64) []ROIParams {
	base := []ROIParams{
		{"V1", 1294, [2]float64{0.035, 0.07}, 3.6, 1, 0, 0.8},
		{"V2", 2083, [2]float64{0.05, 0.09}, 3.2, 1, 0, 0.6},
		{"V3", 1790, [2]float64{0.07, 0.12}, 2.8, 1, 0, 0.5},
		{"V3A", 484, [2]float64{0.1, 0.18}, 2.4, 1, 0, 0.4},
		{"V3B", 314, [2]float64{0.1, 0.18}, 2.4, 1, 0, 0.4},
		{"V4", 1535, [2]float64{0.14, 0.24}, 2.2, 1, 0.15, 0.4},
		{"LatOcc", 928, [2]float64{0.22, 0.4}, 1.8, 0.6, 0.35, 0.4},
	}
	for i := range base {
		base[i].Voxels = max(8, int(float64(base[i].Voxels)*scale+0.5))
	}
	return base
}

// scaleCounts scales class counts to about n images, keeping at least one of each.
func scaleCounts(counts map[string]int, n int) map[string]int {
	total := 0
	for _, c := range counts {
		total += c
	}
	out := map[string]int{}
	for k, c := range counts {
		out[k] = max(1, int(float64(c)*float64(n)/float64(total)+0.5))
	}
	return out
}

// Profiles are the named configurations: "full" matches the real dataset's
// sizes (1750/120 images of 128x128, 8428 voxels with the real ROI counts);
// "quick" (480/60 images of 128x128, 1054 voxels) runs the whole study in
// minutes on two cores and is the embedded default.
func Profile(name string, seed uint64) (Config, error) {
	switch name {
	case "full":
		return Config{Profile: name, Seed: seed, Size: 128, TrainCounts: realTrain, TestCounts: fullTest, ROIs: rois(1)}, nil
	case "quick":
		return Config{Profile: name, Seed: seed, Size: 128, TrainCounts: scaleCounts(realTrain, 480),
			TestCounts: scaleCounts(fullTest, 60), ROIs: rois(0.125)}, nil
	}
	return Config{}, fmt.Errorf("unknown synthetic profile %q (want quick or full)", name)
}

// Validate refuses configurations that cannot make a dataset.
func (c Config) Validate() error {
	var errs []string
	if c.Size < 32 || c.Size&(c.Size-1) != 0 {
		errs = append(errs, fmt.Sprintf("image size %d: want a power of two >= 32", c.Size))
	}
	for split, counts := range map[string]map[string]int{"train": c.TrainCounts, "test": c.TestCounts} {
		n := 0
		for k, v := range counts {
			if !slices.Contains(Level0Classes, k) {
				errs = append(errs, fmt.Sprintf("%s: unknown level-0 class %q", split, k))
			}
			if v < 0 {
				errs = append(errs, fmt.Sprintf("%s: %d images of %q", split, v, k))
			}
			n += v
		}
		if n == 0 {
			errs = append(errs, split+": zero images")
		}
	}
	if c.Null && c.CategoryOnly {
		errs = append(errs, "null and category-only together: a null brain has no category component")
	}
	if len(c.ROIs) != len(kay.ROINames)-1 {
		errs = append(errs, fmt.Sprintf("%d ROIs, want %d (V1..LatOcc)", len(c.ROIs), len(kay.ROINames)-1))
	}
	for _, r := range c.ROIs {
		if r.Voxels <= 0 {
			errs = append(errs, fmt.Sprintf("ROI %s: %d voxels", r.Name, r.Voxels))
		}
		if !(r.SNR > 0) {
			errs = append(errs, fmt.Sprintf("ROI %s: SNR %v, want > 0", r.Name, r.SNR))
		}
		if r.RFSigma[0] <= 0 || r.RFSigma[1] < r.RFSigma[0] {
			errs = append(errs, fmt.Sprintf("ROI %s: receptive-field size range %v", r.Name, r.RFSigma))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("synthetic dataset %q: %s", c.Profile, strings.Join(errs, "; "))
	}
	return nil
}
