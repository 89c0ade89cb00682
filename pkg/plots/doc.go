// Package plots draws the project's figures with gonum/plot and renders them
// to PNG: grouped bar charts, histograms, heatmaps of large matrices and
// grayscale images. Functions take plain slices and return *plot.Plot, so
// callers can adjust a figure before rendering it.
package plots
