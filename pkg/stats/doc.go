// Package stats holds the correlation statistics the RSA composes, as small
// pure functions over plain slices: Pearson, Spearman (average ranks for
// ties), Kendall's tau-a (O(n log n), Knight's algorithm), and percentiles.
// Each is tested against scipy.
package stats
