// Package hypothesis tests the study's question across models: are CNNs
// whose representations are closer to the brain's more robust to
// distortion?
//
// Run(Input) takes, per model and training seed, its RSM over the test
// images and its predicted classes at every level of each distortion, with
// the fMRI decoder's RSM per seed, and returns a Result:
//   - ModelMeasures per model: the brain-likeness measures WithinClass (the
//     within-class Spearman with the decoder: what the shared labels do not
//     explain) and Raw (the Spearman over all pairs, confounded by the
//     labels both were trained on), the clean balanced accuracy, and per
//     distortion the robustness measures NormalizedDrop (the drop in
//     balanced accuracy from the first to the last level over the first
//     level's distance from chance; lower is more robust) and AUC (the mean
//     balanced accuracy along the sweep; higher is more robust).
//   - Tests: for each distortion and pair of measures, Spearman's rho across
//     models with its exact two-sided p (all n! orderings; SmallestP is
//     2/n!), a joint bootstrap interval and the partial rho controlling
//     clean balanced accuracy; Expected says which sign the hypothesis
//     predicts.
//   - Differences: each pair of models' difference in within-class
//     Spearman, with its interval and whether it excludes 0.
//
// Every Interval comes from one joint bootstrap: each replicate resamples
// the test images within their classes (the same images for every RSM and
// accuracy) and the training seeds (the same seeds for the reference and
// every model), so the intervals carry both sources of variability.
// BalancedAccuracy is the seeds' mean balanced accuracy with its
// stratified bootstrap interval.
//
// Regress answers the question with models as the sampling unit: it fits
// brain-likeness on robustness with covariates (clean accuracy, log10
// parameter count) by least squares, tests robustness's coefficient by
// Freedman-Lane permutations, sets a bootstrap interval over models (on
// the joint bootstrap's replicates when given), and gives a verdict:
// Supported, NotSupported, or Underpowered when the number of models
// cannot detect even a large partial correlation (MinDetectableEffect).
// Simulation and Power say how many models the test needs; a simulation
// of the null checks that the test rejects at its level.
package hypothesis
