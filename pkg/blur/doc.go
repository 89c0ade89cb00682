// Package blur holds the image blurs of the robustness analysis, on h x w
// grayscale Images (float32, row-major), each matching the library the
// original study or the literature uses:
//
//   - Gaussian(img, sigma): Gaussian blur by sigma pixels as
//     scipy.ndimage.gaussian_filter computes it on a float32 array:
//     separable, the kernel GaussianKernel (radius int(Truncate·σ + 0.5),
//     Truncate = 4), scipy's "reflect" border, float32 after each pass.
//   - Box(img, k): OpenCV's cv2.blur with a k x k kernel (k odd) and its
//     default border BORDER_REFLECT_101 (Reflect101).
//   - BoxLimit: the original study's distortion, albumentations'
//     Blur(blur_limit=L): a box blur whose odd size is drawn per image,
//     uniformly from KernelSizes (Apply).
//
// Package distortion wraps these as the kinds of a robustness sweep.
package blur
