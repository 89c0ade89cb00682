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
	// Luminance weighs the signed local mean luminance in the receptive
	// field (first-order, phase-sensitive: early areas only).
	Luminance float64
	Category  float64 // weight of the category component
	SNR       float64 // signal variance / noise variance of one trial (the ROI's median voxel)
	// Shared and Smooth are the fractions of each trial's noise variance that
	// are common to every voxel of the brain (one number per trial, scaled
	// by each voxel's loading) and spatially smooth within the ROI (a random
	// low-frequency field over the retinotopic map, i.e. over the voxels'
	// receptive-field positions); the rest is independent per voxel.
	Shared, Smooth float64
}

// Config fully determines a generated dataset.
type Config struct {
	Profile     string
	Seed        uint64
	Size        int            // image side in pixels
	TrainCounts map[string]int // level-0 class -> training images
	TestCounts  map[string]int // level-0 class -> test images
	ROIs        []ROIParams    // in roi order 1..7 (Other has no voxels)
	// Repeats are the trials averaged into each response (training, test):
	// 2 and 13 in the experiment.
	Repeats [2]int
	// ReliabilitySD spreads the voxels' SNR around their ROI's: log-normal
	// with this s.d. (median the ROI's SNR).
	ReliabilitySD float64
	// Look sets how alike the classes' pictures are (calibrated so that
	// CNNs find them as hard as the real photographs).
	Look Look
	// SaveRepeats also writes every trial (RepeatsFile) beside the NMA files.
	SaveRepeats bool `json:",omitempty"`
	Null        bool // no category component, labels independent of the data
	// CategoryOnly makes a brain with no stimulus-driven component: every
	// voxel carries only its level-0 class's weight (its stimulus weight
	// moved there, no sub-category part) plus noise at the same SNR. The
	// images still differ by class, so any model of them shares the class
	// structure with this brain and nothing within a class: the null of the
	// category-controlled RSA tests.
	CategoryOnly bool `json:",omitempty"`
	// NullWithinClass permutes each split's responses (every voxel, and
	// every trial with SaveRepeats) across the images of each level-0
	// class, after they are made: each class keeps its set of responses,
	// so its mean pattern, its spread and the labels' decodability stay,
	// but an image's response is another image's of its class. A model of
	// the images then shares the class structure with this brain, each
	// class's own spread included, and nothing image-specific: the null of
	// the within-class RSA tests with the brain's real class-specific
	// spread (a CategoryOnly brain has none).
	NullWithinClass bool `json:",omitempty"`
	Workers         int  `json:"-"` // 0: GOMAXPROCS; results do not depend on it
}

// Look is how the pictures are made beyond their classes' content.
type Look struct {
	// Aperture shows every picture through a disc on a uniform surround, as
	// Kay et al.'s stimuli.
	Aperture bool `json:",omitempty"`
	// SurfaceMix is the chance that an object's or a landscape's surface
	// (coat, panels, strata, 1/f texture) is drawn from the kinds every class
	// uses instead of its class's own: photographs of different classes
	// share their textures.
	SurfaceMix float64 `json:",omitempty"`
	// SpectrumMatch makes the pictures' global make-up alike across
	// classes: each picture's Fourier amplitude A becomes A^(1-m)·R^m, R a
	// common 1/f amplitude, its phases (where its edges and shapes are)
	// kept. 0 leaves the pictures as painted; 1 gives every picture the same
	// amplitude spectrum.
	SpectrumMatch float64 `json:",omitempty"`
	// Fade lowers the painted content's luminance against the background
	// by this fraction (0: as painted): objects in photographs seldom stand
	// out by their brightness alone.
	Fade float64 `json:",omitempty"`
}

// PhotographLook is every profile's look, calibrated so that the study's
// architectures with random weights classify the simulated pictures about
// as well as the real photographs (TestImagesAsHardAsPhotographs; the
// table in docs/simulator.md): drawn as painted, the classes' own surfaces,
// brightness and spectra made them far easier (0.92 for vgg11_bn against
// 0.51 on the photographs).
var PhotographLook = Look{Aperture: true, SurfaceMix: 1, SpectrumMatch: 1, Fade: 0.5}

// Level0Classes are the real dataset's level-0 classes.
var Level0Classes = []string{"artifact", "animal", "geological formation", "fruit", "entity", "fungus", "person", "plant"}

// realTrain are the real level-0 counts of the 1750 training images
// (artifact 812, animal 589, geological formation 192, fruit 77, entity 72,
// fungus 5, person 2, plant 1).
var realTrain = realLevel0()

// fullTest are the real test split's level-0 counts: 114 of 120 images after
// the default ignore list (animal 54, artifact 50, geological formation 10,
// the original's classification report), and 6 of ignored classes.
var fullTest = map[string]int{"animal": 54, "artifact": 50, "geological formation": 10,
	"fruit": 3, "entity": 2, "fungus": 1}

// Calibration (TestCalibrationFull): per-trial SNRs (of the ROI's median
// voxel), the reliability spread, the luminance and category weights are
// set so that, on the full profile with seed 1, the original's decoder
// recipe reaches the real data's accuracy (0.52; the test: [0.45, 0.62]) and
// Kay et al.'s identification with 500 voxels S1's 92% ([0.80, 0.97]), with
// early areas following low-level image similarity. Most voxels are nearly
// pure noise (log-normal reliability with s.d. 3): the information sits in
// a few hundred reliable voxels, as in the real data. The quick profile has
// an eighth of the voxels and 27% of the training images; its SNRs are 1.5
// times the full profile's so that its decoder lands in the same range
// (TestCalibrationSeeds: seeds 1-5 on both profiles). With so few voxels,
// its identification peaks with a few dozen of them. Since the pictures
// became as hard as photographs (PhotographLook), early areas tell the
// classes apart less, as in the real data, and the category weights of V4
// and LatOcc were raised (0.4 and 0.8 before) to keep the decoder there.
func rois(scale, snr float64) []ROIParams {
	base := []ROIParams{
		{"V1", 1294, [2]float64{0.035, 0.07}, 3.6, 1, 0.6, 0, 0.017, 0.2, 0.3},
		{"V2", 2083, [2]float64{0.05, 0.09}, 3.2, 1, 0.4, 0, 0.015, 0.2, 0.3},
		{"V3", 1790, [2]float64{0.07, 0.12}, 2.8, 1, 0.15, 0, 0.013, 0.2, 0.3},
		{"V3A", 484, [2]float64{0.1, 0.18}, 2.4, 1, 0.05, 0, 0.011, 0.2, 0.3},
		{"V3B", 314, [2]float64{0.1, 0.18}, 2.4, 1, 0.05, 0, 0.011, 0.2, 0.3},
		{"V4", 1535, [2]float64{0.14, 0.24}, 2.2, 0.8, 0, 0.8, 0.011, 0.2, 0.3},
		{"LatOcc", 928, [2]float64{0.22, 0.4}, 1.8, 0.5, 0, 1.7, 0.011, 0.2, 0.3},
	}
	for i := range base {
		base[i].Voxels = max(8, int(float64(base[i].Voxels)*scale+0.5))
		base[i].SNR *= snr
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

// ProfileNames lists the named configurations, largest first.
var ProfileNames = []string{"full", "quick", "tiny"}

// Profiles are the named configurations: "full" matches the real dataset's
// sizes (1750/120 images of 128x128, 8428 voxels with the real ROI counts);
// "quick" (480/60 images of 128x128, 1054 voxels) runs the whole study in
// minutes on two cores and is the embedded default; it also keeps every
// trial (RepeatsFile, 7 MB), the full profile only when asked (170 MB).
// "tiny" (240/40 images, 527 voxels) is the smallest that still draws every
// figure: the notebooks' smoke test in `make test`, not calibrated. Its
// voxels are 10 times the calibrated SNR, so that the decoder learns from
// 240 images well enough for its balanced-accuracy interval to clear
// chance (at twice the SNR: 0.31 [0.22, 0.40], and the study tests
// nothing against a reference at chance). Its pictures are drawn as painted
// (no PhotographLook): the smoke tests' small CNNs must classify them above
// chance from 240 images, or the study would exclude every model.
func Profile(name string, seed uint64) (Config, error) {
	switch name {
	case "full":
		return Config{Profile: name, Seed: seed, Size: 128, TrainCounts: realTrain, TestCounts: fullTest, ROIs: rois(1, 1),
			Repeats: [2]int{2, 13}, ReliabilitySD: 3, Look: PhotographLook}, nil
	case "quick":
		return Config{Profile: name, Seed: seed, Size: 128, TrainCounts: scaleCounts(realTrain, 480),
			TestCounts: scaleCounts(fullTest, 60), ROIs: rois(0.125, 1.5), Repeats: [2]int{2, 13}, ReliabilitySD: 3, SaveRepeats: true,
			Look: PhotographLook}, nil
	case "tiny":
		return Config{Profile: name, Seed: seed, Size: 128, TrainCounts: scaleCounts(realTrain, 240),
			TestCounts: scaleCounts(fullTest, 40), ROIs: rois(0.0625, 10), Repeats: [2]int{2, 13}, ReliabilitySD: 3, SaveRepeats: true}, nil
	}
	return Config{}, fmt.Errorf("unknown synthetic profile %q (want %s)", name, strings.Join(ProfileNames, ", "))
}

// Clean returns the configuration with every ROI's per-trial SNR set to snr
// and no reliability spread: a brain whose planted structure stands well
// above the noise, for tests of the analysis machinery (the calibrated
// profiles are as noisy as the real data, where most effects are small).
func (c Config) Clean(snr float64) Config {
	c.ROIs = slices.Clone(c.ROIs)
	for i := range c.ROIs {
		c.ROIs[i].SNR = snr
	}
	c.ReliabilitySD = 0
	return c
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
	if c.Repeats[0] < 1 || c.Repeats[1] < 1 {
		errs = append(errs, fmt.Sprintf("repeats %v: want at least one trial per image in each split", c.Repeats))
	}
	if !(c.Look.SpectrumMatch >= 0 && c.Look.SpectrumMatch <= 1) {
		errs = append(errs, fmt.Sprintf("spectrum match %v: want 0..1", c.Look.SpectrumMatch))
	}
	if !(c.Look.Fade >= 0 && c.Look.Fade < 1) {
		errs = append(errs, fmt.Sprintf("fade %v: want 0 <= fade < 1", c.Look.Fade))
	}
	if !(c.Look.SurfaceMix >= 0 && c.Look.SurfaceMix <= 1) {
		errs = append(errs, fmt.Sprintf("surface mix %v: want 0..1", c.Look.SurfaceMix))
	}
	if c.ReliabilitySD < 0 {
		errs = append(errs, fmt.Sprintf("reliability s.d. %v: want >= 0", c.ReliabilitySD))
	}
	if c.Null && c.CategoryOnly {
		errs = append(errs, "null and category-only together: a null brain has no category component")
	}
	if c.NullWithinClass && c.Null {
		errs = append(errs, "null and null-within-class together: a null brain's labels are already independent of its responses")
	}
	if c.NullWithinClass && c.CategoryOnly {
		errs = append(errs, "category-only and null-within-class together: a category-only brain has no image-specific response to permute")
	}
	if len(c.ROIs) != len(kay.ROINames)-1 {
		errs = append(errs, fmt.Sprintf("%d ROIs, want %d (V1..LatOcc)", len(c.ROIs), len(kay.ROINames)-1))
	}
	for _, r := range c.ROIs {
		if r.Voxels <= 0 {
			errs = append(errs, fmt.Sprintf("ROI %s: %d voxels", r.Name, r.Voxels))
		}
		if r.Shared < 0 || r.Smooth < 0 || r.Shared+r.Smooth > 1 {
			errs = append(errs, fmt.Sprintf("ROI %s: shared %v and smooth %v noise fractions: want >= 0, summing to <= 1", r.Name, r.Shared, r.Smooth))
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
