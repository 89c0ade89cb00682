// Package encoding is Kay et al.'s (Nature 2008) analysis: a Gabor wavelet
// pyramid encoding model fitted to every voxel, its prediction accuracy on
// the test images per voxel and visual area, and the identification of
// which test image was seen from the measured responses.
//
// Run(d, opt, progress) is the whole analysis: Features (the square-root
// contrast energy of every channel, 1 to 32 cycles per image in octaves x 8
// orientations, on a Pool x Pool grid), a ridge fit of every voxel on the
// training images, the test prediction correlation of each voxel and each
// area's median (ROIAccuracy, with the noise ceiling and the fraction of it
// where repeated trials exist, and the median over the area's voxels
// reliable on the training images with its bootstrap interval, as the
// layer-wise comparison scores it), and identification from the best voxels
// by cross-validation (AutoVoxels: Kay et al.'s 500 of 8,428, the same share
// of smaller data) with its Clopper-Pearson interval (Proportion) and a
// curve over voxel counts. Result.Write saves encoding.json and the figures.
//
// The parts, usable on their own:
//   - FitRidge(x, y, opt) fits every column of y on x by ridge regression
//     with each voxel's penalty chosen by k-fold cross-validation, or by
//     exact leave-one-out (RidgeOptions.LeaveOneOut). It is solved in the
//     dual from one tridiagonal reduction of the training Gram matrix
//     K = Xs Xsᵀ = Q T Qᵀ, so every penalty costs one tridiagonal solve:
//     α = Q (T + λI)⁻¹ Qᵀ y. Ridge.Predict, Ridge.Weights and Ridge.Tunings
//     (receptive-field centre and spatial-frequency preference) read a fit.
//   - FitFeatures and Ridge.PredictFeatures are the encoding score's one
//     fit, from float32 features (the Gabor features here, every CNN layer
//     in pkg/layers), the Gram matrix summed over column blocks so that wide
//     features never exist whole in float64; MedianR is its score over a
//     set of voxels. FitRidgeGram and StandardGrams fit from a Gram matrix
//     alone; Ridge.PredictGram predicts from test-by-training products.
//   - TrainingReliability selects voxels on the training images only:
//     HalvesReliability of the split-half trials (TrialHalves) where there
//     are repeats, else ModelReliability (a reference model's split-half
//     prediction at one penalty); a one-sided Fisher-z test per voxel with
//     Benjamini-Hochberg across voxels (Reliability, ReliableOf).
//   - NoiseCeilings: the correlation a perfect model of the signal reaches
//     with the trial mean, sqrt(signal / (signal + noise/R)) from R repeated
//     trials (Hsu et al. 2004).
//   - Identify counts the test images whose measured pattern correlates best
//     with their own predicted pattern; NewProportion gives k of n with its
//     exact 95% interval and chance level.
package encoding
