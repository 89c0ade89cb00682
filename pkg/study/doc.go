// Package study runs the whole analysis from data to report and writes
// results.json (ResultsFile), the raw material for re-analysis
// (embeddings/, rsm/), every figure, and a self-contained report.html
// (ReportFile).
//
// Run(ctx, Config) executes the planned stages in order: explore, encoding
// (Kay et al.'s Gabor model), fmri (the decoder), cnn (a stimulus
// classifier per architecture, several training seeds), layers (the
// layer-wise comparison with every visual area), embeddings, rsa (each
// model's RSMs against the decoder's, every method of the rsa table),
// roi_rsa (each visual area against each model), robustness (accuracy
// along each distortion) and hypothesis (brain-likeness against robustness
// across models), then report. StageNames lists them and Plan(requested)
// adds every stage a requested one needs; an unknown name is an error.
// Each training stage is reopened instead of redone when its inputs have
// not changed (FMRI, CNN), so an interrupted study resumes. Config.Defaults
// fills the study's defaults (the architectures of cnn.StudyModels,
// 3 training seeds, 10,000 permutations, 1,000 bootstraps, Gaussian then
// box blur); CNNOptions and DefaultSeeds give the per-dataset recipe.
//
// Results is results.json: the decoder's FMRIResult, a CNNResult per
// model (accuracies, RSM comparisons with Holm-adjusted p-values,
// robustness curves, characteristics, a Degenerate flag for models whose
// numbers are not evidence), the per-area ROIResult, the
// Hypothesis test with its verdict, the encoding and layer-wise results,
// timings, memory and versions. Load reads it back and LoadMatrices a
// saved RSM; Results' Summary, ROISummary, HypothesisSummary and *Plot
// methods give the report's tables and figures.
package study
