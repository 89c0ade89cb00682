// Package similarity is the study's representational comparison: each
// model's test-set embedding becomes cosine similarity matrices (per image,
// images grouped by class, and per class), which are compared with the fMRI
// decoder's — the original's full-matrix Pearson, and the upper-triangle
// Pearson, Spearman (with permutation p-value and bootstrap interval) and
// Kendall tau-a — and with the raw voxel patterns of each visual area.
package similarity
