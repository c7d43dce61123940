#!/usr/bin/env python3
# Golden outputs of OpenCV's getRotationMatrix2D, invertAffineTransform and warpAffine for the
# PerceptronVision warp tests, written as the Swift source Tests/PerceptronVisionTests/Warp/OpenCVGoldens.swift.
#
# Versions used: Python 3.11.7, opencv-python-headless 4.10.0.84, numpy 2.4.6 (x86-64 Linux wheels).
# opencv-python-headless 4.5.5.64 (with numpy<2), 4.11.0.86 and 4.12.0.88 give the same outputs
# (compare with --compare-only). 5.0.0 replaced the warpAffine kernel and differs (linear: a few
# grey levels on many pixels); it also never returns from the 1x1 INTER_CUBIC + BORDER_REFLECT_101
# case of this plan, so it cannot run this script.
#
# Run from the repository root:
#   python3 -m venv /tmp/venv-cv
#   /tmp/venv-cv/bin/pip install "opencv-python-headless==4.10.0.84" "numpy==2.4.6"
#   /tmp/venv-cv/bin/python Scripts/reference/opencv_warp_goldens.py
# Options: --mnist PATH (train-images-idx3-ubyte.gz; default: the copy bundled in
# Sources/PerceptronMNIST/mnist), --output PATH, --compare-only (print a digest of every warp
# instead of writing, to diff two OpenCV versions).
#
# Every input is deterministic (numpy default_rng with fixed seeds, literal matrices, MNIST training
# image 5). Doubles are written as 16-hex-digit IEEE bit patterns, images as base64 of row-major bytes.
import argparse
import base64
import gzip
import hashlib
import os
import struct
import sys

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
DEFAULT_MNIST = os.path.join(ROOT, "Sources", "PerceptronMNIST", "mnist", "train-images-idx3-ubyte.gz")
DEFAULT_OUTPUT = os.path.join(ROOT, "Tests", "PerceptronVisionTests", "Warp", "OpenCVGoldens.swift")

INTERPOLATIONS = [("nearest", cv2.INTER_NEAREST), ("linear", cv2.INTER_LINEAR), ("cubic", cv2.INTER_CUBIC)]
BORDERS = [
    ("constant0", cv2.BORDER_CONSTANT, 0), ("constant77", cv2.BORDER_CONSTANT, 77),
    ("replicate", cv2.BORDER_REPLICATE, 0), ("reflect101", cv2.BORDER_REFLECT_101, 0),
    ("reflect", cv2.BORDER_REFLECT, 0), ("wrap", cv2.BORDER_WRAP, 0),
]


def bits(value):
    return "%016x" % struct.unpack("<Q", struct.pack("<d", float(value)))[0]


def b64(image):
    return base64.b64encode(np.ascontiguousarray(image, dtype=np.uint8).tobytes()).decode("ascii")


def mnist_image(path, index):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, count, rows, cols = struct.unpack(">IIII", data[:16])
    assert magic == 2051 and rows == 28 and cols == 28 and index < count, (magic, count, rows, cols)
    start = 16 + index * 784
    return np.frombuffer(data[start:start + 784], dtype=np.uint8).reshape(28, 28).copy()


def synthetic28():
    # A bright ring (a digit-like stroke) on a soft gradient, plus noise: smooth and sharp parts.
    rng = np.random.default_rng(28)
    y, x = np.mgrid[0:28, 0:28].astype(np.float64)
    ring = np.exp(-((np.hypot(x - 13.2, y - 14.7) - 7.5) ** 2) / 3.0) * 220
    base = 3 * x + 1.5 * y
    return np.clip(ring + base + rng.integers(0, 24, (28, 28)), 0, 255).astype(np.uint8)


def images(mnist_path):
    rng = np.random.default_rng(2024)
    return {
        "r5x4": rng.integers(0, 256, (4, 5), dtype=np.uint8),
        "r7x7": rng.integers(0, 256, (7, 7), dtype=np.uint8),
        "one": np.array([[200]], dtype=np.uint8),
        "r3x2": rng.integers(0, 256, (2, 3), dtype=np.uint8),
        "r4x1": rng.integers(0, 256, (1, 4), dtype=np.uint8),
        "r1x3": rng.integers(0, 256, (3, 1), dtype=np.uint8),
        "s28": synthetic28(),
        "mnist5": mnist_image(mnist_path, 5),
    }


def tutorial_matrix():
    m = cv2.getRotationMatrix2D((20, 25), 20, 1)
    m[0, 2] = m[0, 2] + 3
    m[1, 2] = m[1, 2] + 3
    return m


def matrices(width, height):
    c = ((width - 1) / 2, (height - 1) / 2)
    a = np.array
    return {
        "tutorial": tutorial_matrix(),
        "rot7": cv2.getRotationMatrix2D(c, 7, 1),
        "rotm3": cv2.getRotationMatrix2D(c, -3, 1),
        "rot90": cv2.getRotationMatrix2D(c, 90, 1),
        "scale07": cv2.getRotationMatrix2D(c, 0, 0.7),
        "rot30s16": cv2.getRotationMatrix2D(c, 30, 1.6),
        "shear": a([[1, 0.35, -0.8], [0.2, 1, 0.3]], dtype=np.float64),
        "half": a([[1, 0, 0.5], [0, 1, -0.5]], dtype=np.float64),
        "third": a([[1, 0, 1 / 3], [0, 1, 2.71]], dtype=np.float64),
        "identity": a([[1, 0, 0], [0, 1, 0]], dtype=np.float64),
        "shift": a([[1, 0, 2], [0, 1, -1]], dtype=np.float64),
        "flip": a([[-1, 0, width - 1], [0, 1, 0]], dtype=np.float64),
        "far": a([[1, 0, 100.25], [0, 1, -50]], dtype=np.float64),
        "singular": a([[1, 2, 0.5], [0.5, 1, 0.25]], dtype=np.float64),
        "mirror": cv2.getRotationMatrix2D(c, 180, -1.3),
        "general": a([[0.3, -1.7, 5.5], [2.1, 0.4, -3.25]], dtype=np.float64),
    }


# (image, matrices, interpolations, borders, directions, output size or None)
ALL_I = [name for name, _ in INTERPOLATIONS]
ALL_B = [name for name, _, _ in BORDERS]
TINY_M = ["tutorial", "rot7", "rot90", "half", "third", "shear", "identity", "flip"]
PLAN = [
    ("r5x4", "all", ALL_I, ALL_B, [False, True], None),
    ("r7x7", "all", ALL_I, ALL_B, [False, True], None),
    ("r5x4", ["tutorial", "rot7", "general"], ALL_I, ALL_B, [False, True], (9, 3)),
    ("r7x7", ["rot30s16", "shear"], ALL_I, ALL_B, [False, True], (3, 10)),
    ("one", TINY_M, ALL_I, ALL_B, [False, True], None),
    ("r3x2", TINY_M, ALL_I, ALL_B, [False, True], None),
    ("r4x1", TINY_M, ALL_I, ALL_B, [False, True], None),
    ("r1x3", TINY_M, ALL_I, ALL_B, [False, True], None),
    ("s28", ["tutorial", "rot7", "rotm3", "scale07", "rot30s16", "shear", "half", "third"],
     ALL_I, ["constant0", "constant77", "replicate", "reflect101"], [False], None),
    ("s28", ["tutorial", "rot7", "rotm3", "scale07", "rot30s16", "shear", "half", "third"],
     ALL_I, ["constant0"], [True], None),
    ("s28", ["rot30s16", "scale07"], ALL_I, ["reflect", "wrap"], [False], None),
    ("mnist5", ["tutorial", "rot7", "scale07", "shear"],
     ALL_I, ["constant0", "constant77", "replicate", "reflect101"], [False], None),
    ("mnist5", ["tutorial", "rot7", "scale07", "shear"], ALL_I, ["constant0"], [True], None),
]


def warp_cases(imgs):
    interp = dict(INTERPOLATIONS)
    border = {name: (kind, value) for name, kind, value in BORDERS}
    cases = []
    for image_name, which, interps, borders, directions, size in PLAN:
        img = imgs[image_name]
        h, w = img.shape
        mats = matrices(w, h)
        names = list(mats) if which == "all" else which
        dw, dh = size if size else (w, h)
        for mname in names:
            for iname in interps:
                for bname in borders:
                    kind, value = border[bname]
                    for inverse in directions:
                        flags = interp[iname] | (cv2.WARP_INVERSE_MAP if inverse else 0)
                        out = cv2.warpAffine(img, mats[mname], (dw, dh), flags=flags,
                                             borderMode=kind, borderValue=value)
                        assert out.shape == (dh, dw) and out.dtype == np.uint8
                        cases.append((image_name, mname, dw, dh, iname, bname, inverse, out))
    return cases


def rotation_cases():
    centres = [(20, 25), (0, 0), (13.5, 13.5), (0.1, 0.7), (27, 0), (-5.25, 3.3), (1000000.3, 2.2), (3.5, 1.5)]
    angles = [0, 20, -20, 90, 180, 270, -90, 45, 7, 0.5, 1e-7, 359.999, 720, 1234.5, -33.3]
    scales = [1, 0.7, 1.6, -1, 0, 2.5, 1e-3]
    cases, k = [], 0
    for cx, cy in centres:
        for angle in angles:
            scale = scales[k % len(scales)]
            k += 1
            m = cv2.getRotationMatrix2D((cx, cy), angle, scale)
            cases.append(((cx, cy, angle, scale), m))
    return cases


def inversion_inputs():
    out = [matrices(w, h)[n] for (w, h) in [(7, 7), (28, 28)] for n in matrices(7, 7)]
    rng = np.random.default_rng(7)
    for _ in range(20):
        out.append(rng.normal(0, 2, (2, 3)))
    out.append(np.zeros((2, 3)))
    out.append(np.array([[1e-300, 0, 1], [0, 1e-300, 2]]))
    out.append(np.array([[3, 0, 1], [0, 0, 2]], dtype=np.float64))
    return out


def swift_file(imgs, cases):
    lines = []
    add = lines.append
    add("// Generated by Scripts/reference/opencv_warp_goldens.py; do not edit by hand.")
    add("// opencv-python-headless %s, numpy %s, Python %s. Regenerate from the repository root with" %
        (cv2.__version__, np.__version__, sys.version.split()[0]))
    add("//   python Scripts/reference/opencv_warp_goldens.py   (see the script for the venv).")
    add("// Doubles are IEEE bit patterns in hex; images are base64 of row-major bytes.")
    add("")
    add("enum OpenCVGoldens {")
    add("    /// cv2.getRotationMatrix2D((cx, cy), angle, scale): `cx cy angle scale : m00 m01 m02 m10 m11 m12`.")
    add('    static let rotations = """')
    for (cx, cy, angle, scale), m in rotation_cases():
        add("    %s %s %s %s : %s" % (bits(cx), bits(cy), bits(angle), bits(scale),
                                      " ".join(bits(v) for v in m.reshape(-1))))
    add('    """')
    add("")
    add("    /// cv2.invertAffineTransform(M): `M (6 entries) : inverse (6 entries)`.")
    add('    static let inversions = """')
    for m in inversion_inputs():
        inv = cv2.invertAffineTransform(m)
        add("    %s : %s" % (" ".join(bits(v) for v in m.reshape(-1)), " ".join(bits(v) for v in inv.reshape(-1))))
    add('    """')
    add("")
    add("    /// Source images: `name width height base64`.")
    add('    static let images = """')
    for name, img in imgs.items():
        add("    %s %d %d %s" % (name, img.shape[1], img.shape[0], b64(img)))
    add('    """')
    add("")
    add("    /// Matrices per image: `image matrix m00 m01 m02 m10 m11 m12`.")
    add('    static let matrices = """')
    for name, img in imgs.items():
        for mname, m in matrices(img.shape[1], img.shape[0]).items():
            add("    %s %s %s" % (name, mname, " ".join(bits(v) for v in m.reshape(-1))))
    add('    """')
    add("")
    add("    /// cv2.warpAffine(image, M, (width, height), flags=interpolation[|WARP_INVERSE_MAP],")
    add("    /// borderMode, borderValue): `image matrix width height interpolation border inverse base64`.")
    add('    static let warps = """')
    for image_name, mname, dw, dh, iname, bname, inverse, out in cases:
        add("    %s %s %d %d %s %s %d %s" % (image_name, mname, dw, dh, iname, bname, int(inverse), b64(out)))
    add('    """')
    add("}")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mnist", default=DEFAULT_MNIST)
    parser.add_argument("--output", default=DEFAULT_OUTPUT)
    parser.add_argument("--compare-only", action="store_true")
    args = parser.parse_args()
    imgs = images(args.mnist)
    cases = warp_cases(imgs)
    if args.compare_only:
        for image_name, mname, dw, dh, iname, bname, inverse, out in cases:
            digest = hashlib.sha256(out.tobytes()).hexdigest()[:16]
            print(image_name, mname, dw, dh, iname, bname, int(inverse), digest)
        for (cx, cy, angle, scale), m in rotation_cases():
            print("rotation", cx, cy, angle, scale, " ".join(bits(v) for v in m.reshape(-1)))
        return
    with open(args.output, "w") as f:
        f.write(swift_file(imgs, cases))
    print("wrote %d rotations, %d warps to %s" % (len(rotation_cases()), len(cases), args.output), file=sys.stderr)


if __name__ == "__main__":
    main()
