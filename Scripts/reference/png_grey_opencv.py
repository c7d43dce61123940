#!/usr/bin/env python3
# Prints what OpenCV reads from the PNG fixtures, the golden values that PNGFixtureTests hold:
# cv2.imread(path, cv2.IMREAD_GRAYSCALE) and cv2.imread(path, cv2.IMREAD_UNCHANGED) as RGB(A).
#
# Python 3.11.7, opencv-python-headless 5.0.0, numpy 2.4.6 (pip install opencv-python-headless).
# Run after make_png_fixtures.py:  python3 Scripts/reference/png_grey_opencv.py
# It also checks the integer luma rule PNG decoding follows, (9797 R + 19234 G + 3737 B) >> 15,
# on 65,536 random colours, and that OpenCV ignores alpha in IMREAD_GRAYSCALE.

import os
import tempfile

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "Tests", "PerceptronVisionTests", "Images", "Fixtures")


def luma_rule_holds():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, size=(256, 256, 3), dtype=np.uint8)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "colours.png")
        cv2.imwrite(path, rgb[:, :, ::-1].copy())
        grey = cv2.imread(path, cv2.IMREAD_GRAYSCALE).astype(np.int64)
    r, g, b = (rgb[:, :, i].astype(np.int64) for i in range(3))
    truncated = (9797 * r + 19234 * g + 3737 * b) >> 15
    rounded = np.rint(0.299 * r + 0.587 * g + 0.114 * b)
    print("imread grey == (9797 R + 19234 G + 3737 B) >> 15:", bool((truncated == grey).all()))
    print("pixels where rounding 0.299 R + 0.587 G + 0.114 B differs:", int((rounded != grey).sum()), "of 65536")


def main():
    print("cv2", cv2.__version__, "numpy", np.__version__)
    luma_rule_holds()
    for name in ["grey_filters.png", "paeth_ties.png", "rgb_filters.png", "palette_trns.png", "grey_alpha.png", "rgba_multi_idat.png"]:
        path = os.path.join(FIXTURES, name)
        grey = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
        full = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if full.ndim == 3:
            full = full[:, :, [2, 1, 0, 3] if full.shape[2] == 4 else [2, 1, 0]]
        print(name, "grey =", grey.ravel().tolist())
        print(name, "unchanged", full.shape, "=", full.ravel().tolist())


if __name__ == "__main__":
    main()
