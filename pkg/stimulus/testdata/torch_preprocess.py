"""numpy/PIL reference of the original's preprocessing for stimulus_test.go.

usage: torch_preprocess.py IMAGES.npy OUT.npz
IMAGES is (n, h, w) float32. Each image is rescaled to [0, 255] and cast to
uint8 as the original did for PIL, then ToTensor'd (/255); the mean and
standard deviation over all pixels are what transforms.Normalize got.
"""
import sys

import numpy as np
from PIL import Image

imgs = np.load(sys.argv[1])
out = []
for im in imgs:
    u8 = ((im - im.min()) / (im.max() - im.min()) * 255).astype(np.uint8)
    pil = Image.fromarray(u8).convert("RGB")            # grayscale repeated to 3 channels
    out.append(np.asarray(pil, dtype=np.float32).transpose(2, 0, 1) / 255.0)
out = np.stack(out)
out64 = out.astype(np.float64)
np.savez(sys.argv[2], tensor=out, mean=np.array(out64.mean()), std=np.array(out64.std()))
