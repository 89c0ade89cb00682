// Package study runs the whole analysis from data to report: exploration,
// the fMRI decoder, the five stimulus CNNs, their embeddings, the
// representational similarity analysis (per model and per visual area), blur
// robustness and the hypothesis test; it writes results.json, the raw
// material for re-analysis (embeddings/, rsm/), every figure, and a
// self-contained report.html. Each training stage is reopened instead of
// redone when its inputs have not changed, so an interrupted study resumes.
package study
