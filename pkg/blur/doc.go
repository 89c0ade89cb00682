// Package blur holds the image distortions of the robustness analysis:
// Gaussian blur by sigma as scipy.ndimage.gaussian_filter computes it (plain
// Go, and a GoMLX graph op that agrees with it), and the original study's
// distortion, albumentations' Blur(blur_limit=k): a box blur whose odd kernel
// size is drawn per image.
package blur
