// Package synth generates the embedded default dataset: a
// stimulus-computable simulation of the Kay et al. (2008) experiment
// written in exactly the NMA file format (package kay), with every planted
// parameter saved beside it (TruthFile), so the whole pipeline runs offline
// and can be checked against a known answer.
//
// Images are natural-image-like pictures (1/f backgrounds, occlusion,
// varied contrast) whose class shapes their content. Voxel responses follow
// Kay et al.'s receptive-field model: a Gabor wavelet pyramid (spatial
// frequencies in octaves up to 32 cycles per image, 8 orientations,
// quadrature pairs) gives contrast energy, compressed by a square root;
// each voxel pools it with a retinotopic Gaussian receptive field whose
// size grows along the visual hierarchy and with per-voxel
// spatial-frequency and orientation tuning. V4 and LatOcc add a
// category-selective component (strongest in LatOcc), and every ROI gets
// noise at its own signal-to-noise ratio, per trial.
//
// A Config fully determines a dataset: Profile gives the named ones
// ("full": the real sizes; "quick": 480/60 images and 1,054 voxels, the
// embedded default; "tiny": the notebooks' smoke test), Config.Clean
// raises every ROI's SNR for tests of the analysis machinery, and Null,
// CategoryOnly and NullWithinClass make the nulls of the calibration
// tests. Generate returns the Dataset and its Truth (Voxel and ROIParams,
// each image's Content); Write also saves them in a folder. Ensure,
// EnsureDefault and ResolveDataDir find or generate a profile's dataset in
// the cache (IsSynthetic recognises a finished one). GaborEnergy and
// Frequencies expose the simulator's low-level model for reference
// analyses.
package synth
