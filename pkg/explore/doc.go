// Package explore summarises a Kay dataset and draws the figures of the
// original study's exploratory notebook (01): shapes, an example stimulus,
// label counts per level, class bar charts, voxels per ROI, a response
// histogram and the stimulus x voxel response heatmap.
package explore
