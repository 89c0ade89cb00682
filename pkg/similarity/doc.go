// Package similarity is the study's representational comparison, built on
// package rsa: each model's test-set embedding, the fMRI decoder's and each
// visual area's voxel patterns become cosine similarity matrices, which are
// compared with each other.
//
// Matrices: a Representation (a name, rsa.Patterns over the test images,
// each image's class) becomes Matrices with Build: the per-image RSM with
// the images grouped by class (Image, carrying the labels the
// category-controlled methods need, with Order and Labels) and the RSM of
// the class-mean patterns (Class, the original's 3 x 3 matrix). ROIs gives
// the raw voxel patterns of named visual areas as Representations.
// Collapsed flags an RSM that is constant to CollapseTolerance (a
// degenerate model whose correlations are rounding noise).
//
// Comparisons:
//   - Compare(ref, m, cfg, tested...) relates a model to the reference
//     (the decoder) by every method of the rsa table; the tested methods
//     get rsa.Test's permutation p-value and bootstrap interval, the others
//     their value alone. ComparePaired does it over training seeds
//     (rsa.TestPaired). The result, a Comparison, reads by method (Get,
//     Spearman, WithinClass, PearsonFull) and keeps the original's
//     class-matrix Pearson (ClassPearsonFull) for comparison only.
//   - ROITable tests every area against every model (one matrix per seed)
//     by each of rsa's per-area methods (rsa.ROIMethods: the raw and the
//     within-class Spearman) with stratified permutations, and adjusts each
//     method's p-values across the table (Benjamini-Hochberg): an ROICell
//     per pair, its ROIInference by method, each with its adjusted p (PBH).
//   - CrossTable is a plain grid of values (rows by columns, one method),
//     with Table.Plot; Matrices.ImagePlot and ClassPlot draw the RSMs.
//
// Undefined values (NaN) are written to JSON as null and read back as NaN.
package similarity
