// Package robustness measures how a stimulus classifier's accuracy (and its
// embedding) changes as the test images are distorted at increasing levels
// of any kind of package distortion (a Gaussian blur by sigma, the
// original's box blur, ...).
//
// Sweep runs the distorted test images through one backbone and evaluates
// the heads trained on it with several seeds, at every level: a Curve of
// the accuracy and balanced accuracy (means over seeds, with the balanced
// accuracy's s.d.), the drop from the first to the last level, every
// seed's predictions per level and the first seed's embeddings. SweepAll
// does several distortions in one backbone pass, each distinct image once.
//
// Describe gives the model characteristics the original plotted next to
// robustness (Characteristics): the learned parameters of backbone and head
// and their Frobenius norm.
package robustness
