// Package robustness measures how a stimulus classifier's accuracy (and its
// embedding) changes as the test images are distorted at increasing levels
// (any kind of package distortion: the original's box blur, a Gaussian blur
// by sigma, ...), and the model characteristics the original plotted next to
// it (parameter count, Frobenius norm of the parameters).
package robustness
