// Package explore summarises a Kay dataset and draws the figures of the
// original study's exploratory notebook (01).
//
// Summarize returns a Summary (what summary.json holds: array shapes,
// voxel counts per ROI, label counts per hierarchy level and split, the
// classes and their counts under the default filter, the ignore list);
// Write saves it and every figure into a folder. The figures, each
// returning a *plot.Plot: ExampleStimulus (an image with its four labels),
// UniqueLabelsPerLevel, ClassCounts (images per class at one level, train
// and test), VoxelsPerROI, ResponseHistogram (one stimulus's responses over
// all voxels) and ResponseHeatmap (every training response, stimuli x
// voxels); Figures renders them all.
package explore
