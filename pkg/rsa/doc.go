// Package rsa is representational similarity analysis: similarity and
// dissimilarity matrices from embeddings or voxel patterns, their comparison
// (the original study's Pearson over whole matrices, and the sound
// upper-triangle Pearson, Spearman and Kendall tau-a), and inference by
// stimulus-label permutation and stimulus bootstrap, as rsatoolbox does.
package rsa
