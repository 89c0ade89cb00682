// Package rsa is representational similarity analysis over stimuli:
// matrices from patterns, their comparison by a table of methods, and
// inference by permutation, bootstrap and jackknife, as rsatoolbox does.
//
// Patterns (n stimuli x d dimensions, float32) become a symmetric n x n
// Matrix (float64, optionally with each stimulus's class in Labels):
// Cosine (the original study's RSM), CorrelationDistance (1 - Pearson r),
// Euclidean, and LinearKernel (the Gram matrix, for CKA). ClassMeans gives
// per-class patterns; ClassOrder, Matrix.Reorder and Matrix.UpperTriangle
// rearrange and read a matrix.
//
// Compare(a, b, m) relates two matrices over the same stimuli by a Method,
// an entry of one table (Methods lists them, Spec returns an entry's
// MethodSpec; an unknown name is an error, an undefined statistic NaN):
//
//	pearson_full               Pearson r over the whole matrices (the original's; inflated by the diagonal)
//	pearson                    Pearson r over the upper triangles (i < j)
//	spearman                   Spearman rho over the upper triangles (average ranks for ties)
//	kendall_a                  Kendall's tau-a over the upper triangles (Nili et al. 2014)
//	cka                        centred kernel alignment <HKH, HLH> / (|HKH| |HLH|) (Kornblith et al. 2019)
//	cka_debiased               CKA from the unbiased HSIC estimator: near 0 for unrelated representations
//	within_class_spearman      Spearman over the pairs whose stimuli share a class (needs Labels)
//	partial_spearman_category  partial Spearman over all pairs, controlling the same-class model (needs Labels)
//
// The last two are the category-controlled methods: when both
// representations were trained on the same labels, the class blocks make
// every comparison over all pairs high by construction (MethodSpec.Confounded);
// these compare only what the labels do not explain, and their permutations
// move stimuli only within classes (MethodSpec.Stratified).
//
// Each entry also says where the study uses it, so that its consumers range
// over the table rather than naming methods: Layers (a measure in every
// layer x area cell of package layers, under LayersKey), Kernel (compared
// there on the patterns' linear kernels, with a jackknife interval), Tested
// (given a stratified permutation p-value there) and ROI (a column of the
// per-area table, similarity.ROITable); LayerMethods and ROIMethods list
// them. A new comparison is one entry, or one Register call from another
// package's init.
//
// Inference: Test gives an Inference (value, one-sided permutation p-value
// (1 + #{permuted >= observed}) / (1 + P), percentile bootstrap interval) under
// a TestConfig (DefaultTest: 10,000 permutations, 1,000 bootstraps, 95%);
// TestPaired does the same over paired matrices of several training seeds;
// PermutationPValues tests many pairs with shared permutations;
// JackknifeInterval is the leave-one-stimulus-out interval the kernel
// methods need. Strata, Draw, CompareResampled and Resampler are the
// stratified bootstrap's parts; Interval reads a percentile interval.
package rsa
