// Package stats holds the statistics the RSA and the hypothesis tests
// compose, as small pure functions over plain slices, each tested against
// scipy or numpy:
//   - correlations: Pearson (NaN for a constant input), Spearman (average
//     ranks for ties, Ranks), KendallTauA (ties count as neither concordant
//     nor discordant; O(n log n), Knight's algorithm), PartialPearson and
//     PartialSpearman (controlling a third variable by regression);
//   - SpearmanTest: rho with its two-sided p, exact over all n! orderings
//     for n <= 9, else scipy's t approximation;
//   - multiple comparisons: BenjaminiHochberg (false discovery rate) and
//     Holm (family-wise error), NaN p-values left out;
//   - summaries: Mean, SD (n - 1), Percentile (numpy's linear
//     interpolation, NaNs ignored).
package stats
