// Package encoding is Kay et al.'s (Nature 2008) analysis: a Gabor wavelet
// pyramid encoding model fitted to every voxel by ridge regression (the
// penalty chosen per voxel by cross-validation, all penalties from one
// tridiagonal reduction of the training Gram matrix), its prediction accuracy
// on the test images per voxel and visual area, and the identification of
// which test image was seen from the measured responses.
package encoding
