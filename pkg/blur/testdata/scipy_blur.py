"""scipy reference for blur_test.go.

usage: scipy_blur.py IMG.npy OUT.npz
Writes gaussian_<sigma> = scipy.ndimage.gaussian_filter(img, sigma) (float32,
mode reflect, truncate 4) and box_<k> = uniform_filter(img, k, mode="mirror"),
which is OpenCV's cv2.blur with BORDER_REFLECT_101.
"""
import sys

import numpy as np
from scipy import ndimage

img = np.load(sys.argv[1])
out = {}
for s in ["0.5", "1", "2", "4", "8", "40"]:
    out["gaussian_" + s] = ndimage.gaussian_filter(img, float(s))
for k in [1, 3, 7, 15]:
    out["box_%d" % k] = ndimage.uniform_filter(img.astype(np.float64), k, mode="mirror").astype(np.float32)
np.savez(sys.argv[2], **out)
