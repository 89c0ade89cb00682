// Package synth generates the embedded default dataset: a stimulus-computable
// simulation of the Kay et al. (2008) experiment written in exactly the NMA file
// format, with every planted parameter saved beside it, so the whole pipeline
// runs offline and can be checked against a known answer.
//
// Images are natural-image-like pictures (1/f backgrounds, occlusion, varied
// contrast) whose class shapes their content. Voxel responses follow Kay et
// al.'s receptive-field model: a Gabor wavelet pyramid (6 spatial frequencies
// up to 32 cycles/image, 8 orientations, quadrature pairs) gives contrast
// energy, compressed by a square root; each voxel pools it with a retinotopic
// Gaussian receptive field whose size grows along the visual hierarchy and
// with per-voxel spatial-frequency and orientation tuning. V4 and LatOcc add a
// category-selective component (strongest in LatOcc), and every ROI gets noise
// at its own signal-to-noise ratio.
package synth
