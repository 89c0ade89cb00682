// Package distortion describes the image distortions the robustness sweeps
// apply, one table entry (Kind) per kind: its name, what its level means
// and in which unit, its default levels, which levels are valid, and how an
// image is distorted at a level. Figures, titles and results take their
// words from here, so a new kind (noise, contrast, ...) is one entry plus
// its own image code. Kinds lists the table and Lookup finds an entry; an
// unknown name is an error.
//
// The kinds: "gaussian" (Gaussian blur by sigma in pixels; default sweep
// 0, 1, 2, 4, 8) and "box" (the original's albumentations
// Blur(blur_limit=k), the kernel size drawn per image; k = 1, 4, 8, 12,
// 16), both from package blur.
//
// A Distortion is a sweep, a kind at increasing levels: Gaussian() and
// Box() are the default sweeps, Of(name) any kind's; Validate checks it,
// Func(level, seed) returns the distortion of one level as a Func over
// images (random draws fixed by the seed per image), and Title and
// LevelLabel name it for figures.
package distortion
