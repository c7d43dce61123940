"""The files of Scripts/onnx_check.py: MNIST's IDX files, Perceptron's model files
(safetensors with the architecture in the metadata), and the convnet with
BatchNormalization and 'same' padding that `perceptron train` cannot build, made from the
CNN's model file. The ONNX side and the table are in onnx_check.py.

Only the standard library and numpy are used here.
"""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
MNIST_DIR = REPO / "Sources" / "PerceptronMNIST" / "mnist"


class CheckError(Exception):
    """A tool or input problem that stops the check (exit 2)."""


# ---------------------------------------------------------------------------
# Data and model files
# ---------------------------------------------------------------------------

def read_idx(path: Path, magic: int, dims: tuple[int, ...]) -> np.ndarray:
    """One IDX file of unsigned bytes (gzip-compressed or raw), its header checked."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    header = 4 + 4 * len(dims)
    if len(data) != header + int(np.prod(dims)) or int.from_bytes(data[:4], "big") != magic:
        raise CheckError(f"{path}: not an IDX file of {dims} unsigned bytes")
    found = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(len(dims)))
    if found != dims:
        raise CheckError(f"{path}: dimensions {found}, expected {dims}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def test_set() -> tuple[np.ndarray, np.ndarray]:
    """The 10,000 test images [N, 28, 28] and labels [N], as bytes."""
    images = read_idx(MNIST_DIR / "t10k-images-idx3-ubyte.gz", 0x803, (10000, 28, 28))
    labels = read_idx(MNIST_DIR / "t10k-labels-idx1-ubyte.gz", 0x801, (10000,))
    return images, labels


def read_safetensors(path: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """A safetensors file's float32 tensors by name, in file order, and its metadata."""
    data = path.read_bytes()
    if len(data) < 8:
        raise CheckError(f"{path}: too short for a safetensors file")
    (size,) = struct.unpack("<Q", data[:8])
    if size > len(data) - 8:
        raise CheckError(f"{path}: header of {size} bytes in a file of {len(data)}")
    header = json.loads(data[8:8 + size])
    metadata = header.pop("__metadata__", {})
    base = 8 + size
    tensors = {}
    for name, entry in sorted(header.items(), key=lambda item: item[1]["data_offsets"][0]):
        if entry["dtype"] != "F32":
            raise CheckError(f"{path}: tensor {name} is {entry['dtype']}, expected F32")
        start, end = entry["data_offsets"]
        tensors[name] = np.frombuffer(data[base + start: base + end], dtype="<f4").reshape(entry["shape"])
    return tensors, metadata


def write_safetensors(path: Path, tensors: list[tuple[str, np.ndarray]], metadata: dict[str, str]) -> None:
    """Writes float32 tensors and string metadata as a safetensors file."""
    header: dict = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name, array in tensors:
        blob = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def model_file(source: Path) -> Path:
    """The model file of a run folder, or the file itself."""
    return source / "model.safetensors" if source.is_dir() else source


def pixel_scale(source: Path) -> float:
    """What Perceptron multiplies pixels by for this model: 1 when its run trained on raw
    pixels (train.json's rawPixels), else the file's recorded pixel_scale, else 1/255."""
    settings = source / "train.json" if source.is_dir() else source.parent / "train.json"
    if settings.exists() and json.loads(settings.read_text()).get("rawPixels"):
        return 1.0
    _, metadata = read_safetensors(model_file(source))
    user = json.loads(metadata.get("user_metadata", "{}"))
    return float(np.float32(user["pixel_scale"])) if "pixel_scale" in user else float(np.float32(1) / np.float32(255))


# ---------------------------------------------------------------------------
# The third model: the convnet with BatchNormalization and 'same' padding
# ---------------------------------------------------------------------------

def conv_same(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """x: [N, H, W, C], kernel: [3, 3, C, F] -> [N, H, W, F], stride 1, 'same' (pad 1 each side)."""
    n, h, w, c = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    columns = np.stack([padded[:, i:i + h, j:j + w, :] for i in range(3) for j in range(3)], axis=3)
    return columns.reshape(n * h * w, 9 * c) @ kernel.reshape(9 * c, -1) + bias


def max_pool(x: np.ndarray) -> np.ndarray:
    """x: [N, H, W, C] -> [N, H/2, W/2, C], 2x2 windows, stride 2."""
    n, h, w, c = x.shape
    return x[:, :h // 2 * 2, :w // 2 * 2, :].reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


def build_cnn_bn(cnn: Path, output: Path, images: np.ndarray, labels: np.ndarray, seed: int = 7) -> None:
    """Writes the convnet with BatchNormalization and 'same' padding, from the CNN's file."""
    tensors, metadata = read_safetensors(model_file(cnn))
    architecture = json.loads(metadata["architecture"])
    layers = architecture["layers"]
    kinds = [layer["class_name"] for layer in layers]
    if kinds != ["InputLayer", "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"]:
        raise CheckError(f"{cnn}: not the CNN of `perceptron train --arch cnn` (layers {kinds})")
    rng = np.random.default_rng(seed)
    scale = np.float32(json.loads(metadata.get("user_metadata", "{}")).get("pixel_scale", 1 / 255))
    x = (images.astype(np.float32) * scale)[..., None]                   # [N, 28, 28, 1]
    new_layers = [layers[0]]
    weights: list[tuple[str, np.ndarray]] = []
    for index, conv in enumerate([layers[1], layers[3]]):
        kernel, bias = tensors[f"{conv['name']}/kernel"], tensors[f"{conv['name']}/bias"]
        z = conv_same(x, kernel, bias).reshape(x.shape[:3] + (kernel.shape[3],)).astype(np.float32)
        mean, variance = z.mean(axis=(0, 1, 2)), z.var(axis=(0, 1, 2))
        gamma = rng.uniform(0.8, 1.2, mean.shape).astype(np.float32)
        beta = rng.uniform(-0.1, 0.1, mean.shape).astype(np.float32)
        epsilon = 1e-3
        normalised = gamma * (z - mean) / np.sqrt(variance + epsilon) + beta
        x = max_pool(np.maximum(normalised, 0)).astype(np.float32)
        suffix = "" if index == 0 else f"_{index}"
        new_layers += [
            {"class_name": "Conv2D", "name": conv["name"],
             "config": dict(conv["config"], padding="same", activation="linear")},
            {"class_name": "BatchNormalization", "name": f"batch_normalization{suffix}",
             "config": {"momentum": 0.99, "epsilon": epsilon}},
            {"class_name": "Activation", "name": f"re_lu{suffix}", "config": {"activation": "relu"}},
            dict(layers[2 + 2 * index]),
        ]
        weights += [(f"{conv['name']}/kernel", kernel), (f"{conv['name']}/bias", bias),
                    (f"batch_normalization{suffix}/gamma", gamma), (f"batch_normalization{suffix}/beta", beta),
                    (f"batch_normalization{suffix}/moving_mean", mean.astype(np.float32)),
                    (f"batch_normalization{suffix}/moving_variance", variance.astype(np.float32))]
    features = x.reshape(x.shape[0], -1).astype(np.float64)              # [N, 3136]
    dense_kernel, dense_bias = softmax_regression(features, labels, classes=10, rng=rng)
    new_layers += layers[5:]
    dense = layers[7]["name"]
    weights += [(f"{dense}/kernel", dense_kernel), (f"{dense}/bias", dense_bias)]
    metadata = {key: value for key, value in metadata.items() if key in ("format", "format_version", "compile", "user_metadata")}
    metadata["architecture"] = json.dumps(dict(architecture, layers=new_layers), separators=(",", ":"))
    output.parent.mkdir(parents=True, exist_ok=True)
    write_safetensors(output, weights, metadata)


def softmax_regression(x: np.ndarray, labels: np.ndarray, classes: int, rng, steps: int = 100,
                       learning_rate: float = 0.003):
    """A Dense softmax layer fitted by full-batch Adam on cross-entropy. 100 steps at 0.003
    keep the logits' spread like a briefly trained network's (median 16, largest 40 on the
    test images; 93% accurate): at 150 steps of 0.01 it reaches 95, and float32 rounding
    alone, in any engine, then moves probabilities by 1e-5."""
    w = rng.normal(0, 0.01, (x.shape[1], classes))
    b = np.zeros(classes)
    y = np.eye(classes)[labels]
    moments = [np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)]
    for step in range(1, steps + 1):
        logits = x @ w + b
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        g = (p - y) / x.shape[0]
        for k, (param, grad) in enumerate([(w, x.T @ g), (b, g.sum(axis=0))]):
            m, v = moments[2 * k], moments[2 * k + 1]
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= learning_rate * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-7)
    return w.astype(np.float32), b.astype(np.float32)
