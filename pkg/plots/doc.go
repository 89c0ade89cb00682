// Package plots draws the project's figures with gonum/plot and renders
// them to PNG. Functions take plain slices and return *plot.Plot, so
// callers can adjust a figure before rendering it.
//
// Charts: Bars (grouped bars, one Series per colour), Lines (one line per
// Series over shared x values), Histogram, Scatter (labelled points) and
// ScatterCI (Points with intervals on both axes). Scatter labels are placed,
// not offset: each next to its point where there is room, else further out
// with a leader line, clear of the other labels, the points and the plot's
// edges.
//
// Matrices and images: Heatmap (a diverging map over [lo, hi]; large
// matrices block-averaged, so a 1750 x 8428 matrix renders in
// milliseconds), Matrix (a small labelled matrix, cells annotated),
// Annotate and Label (write values or text into Matrix's cells), Grouped
// (an n x n matrix ordered in groups, e.g. images by class), Gray (a
// grayscale image) and Tiles (a grid of images with row and column labels).
//
// Rendering: PNG renders a plot at a size (WideW x WideH for plots over an
// axis, SquareW x SquareH for images and matrices); Render and RenderAll
// make named Figures from plots or Specs (a name, a draw function and a
// shape), Figure.Save and SaveAll write them atomically.
package plots
