// Package distortion describes the image distortions the robustness sweeps
// apply, one table entry per kind: its name, what its level means and in
// which unit, which levels are valid, and how an image is distorted at a
// level. Figures, titles and results take their words from here, so a new
// kind (noise, contrast, ...) is one entry plus its own image code.
package distortion
