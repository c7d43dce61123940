#!/usr/bin/env python3
"""Perceptron's ONNX export and import, checked against onnx's checker and ONNX Runtime.

For three models, the lesson's MLP, Keras's MNIST convnet (`--arch cnn`) and a convnet with
BatchNormalization and 'same' padding, it
  1. exports the model: `perceptron export --model M --format onnx --output X.onnx`;
  2. checks X.onnx with `onnx.checker.check_model(model, full_check=True)`;
  3. runs ONNX Runtime on all 10,000 test images (pixels scaled as the model file records:
     x * pixel_scale, float32, or raw 0...255) and compares with Perceptron's own
     probabilities on the same images: max |difference| <= 1e-5 and the same argmax on all;
  4. imports X.onnx back: `perceptron import X.onnx --output Y.safetensors`, and checks
     that Y's weights and Perceptron's probabilities from Y are bit-identical to M's.
Prints one table row per model and exits 1 if any check fails (2 on a usage or tool error).

The MLP and the CNN are trained here for a short run (`perceptron train --epochs 1
--train-limit N`) unless given. `perceptron train` builds only the MLP and the CNN, so the
third model is built from the trained CNN's model file: the same architecture JSON with
'same' padding and a BatchNormalization + ReLU after each convolution. Its convolutions keep
the CNN's kernels; the moving statistics are those of the convolutions' outputs on 2,000
training images, gamma and beta are seeded draws near 1 and 0, and the Dense layer, whose
input grows from 1,600 to 3,136, is fitted by softmax regression on the same images. It is
written as a Perceptron model file that `perceptron` loads like any other.

Perceptron's probabilities for a whole split come from
  `perceptron predict --model M --split test --output FILE`
(all images of the split, scaled as `evaluate` does, written as float32 little-endian,
row-major [images, classes], nothing else in the file) when `perceptron predict --help`
offers --output; otherwise from the playground's API (`perceptron serve`, POST
/api/predict, one image at a time, probabilities as JSON numbers exact for a float32).

Usage: Scripts/onnx-check.sh [--mlp RUN|FILE] [--cnn RUN|FILE] [--cnn-bn FILE] [--work DIR]
       [--train-limit N] [--tolerance T] [--reference auto|predict|serve]
"""

from __future__ import annotations

import argparse
import gzip
import json
import struct
import subprocess
import sys
import urllib.error
import urllib.request
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


# ---------------------------------------------------------------------------
# Perceptron
# ---------------------------------------------------------------------------

def run(command: list[str], what: str) -> str:
    """Runs a command, returns its stdout; a failure stops the check with its stderr."""
    print("$ " + " ".join(command), file=sys.stderr, flush=True)
    try:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as error:
        raise CheckError(f"{what}: cannot run {command[0]}: {error.strerror}") from error
    if done.returncode != 0:
        raise CheckError(f"{what} failed (exit {done.returncode}):\n{done.stderr.strip()[-2000:]}")
    return done.stdout


def train(perceptron: str, arch: str, folder: Path, train_limit: int) -> Path:
    run([perceptron, "train", "--arch", arch, "--epochs", "1", "--train-limit", str(train_limit),
         "--output", str(folder), "--overwrite", "--no-report", "--verbose", "0"], f"training the {arch}")
    return folder


class Probabilities:
    """Perceptron's probabilities on every test image, by `predict --output` or the serve API."""

    def __init__(self, perceptron: str, mode: str, work: Path):
        self.perceptron = perceptron
        if mode == "auto":
            help_text = run([perceptron, "predict", "--help"], "perceptron predict --help")
            mode = "predict" if "--output" in help_text else "serve"
        self.mode = mode
        self.work = work

    def of(self, files: list[Path], count: int) -> list[np.ndarray]:
        """[count, classes] float32 for each model file."""
        if self.mode == "predict":
            return [self._predict(file, self.work / f"probabilities-{i}.f32", count) for i, file in enumerate(files)]
        return self._serve(files, count)

    def _predict(self, file: Path, out: Path, count: int) -> np.ndarray:
        out.unlink(missing_ok=True)
        run([self.perceptron, "predict", "--model", str(file), "--split", "test", "--output", str(out)],
            f"perceptron predict on {file}")
        values = np.fromfile(out, dtype="<f4")
        if values.size % count != 0:
            raise CheckError(f"{out}: {values.size} floats, not a multiple of {count} images")
        return values.reshape(count, -1)

    def _serve(self, files: list[Path], count: int) -> list[np.ndarray]:
        images, _ = test_set()
        command = [self.perceptron, "serve", "--port", "0", "--runs", str(self.work / "serve-runs")]
        for file in files:
            command += ["--model", str(file)]
        print("$ " + " ".join(command), file=sys.stderr, flush=True)
        log = self.work / "serve.log"
        with open(log, "w") as errors:
            server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            url = server.stdout.readline().strip()
            if not url.startswith("http"):
                server.wait(timeout=30)
                raise CheckError(f"perceptron serve did not start:\n{log.read_text()[-2000:]}")
            with urllib.request.urlopen(url + "api/models") as reply:
                listed = json.load(reply)
            names = [model["name"] for model in (listed["models"] if isinstance(listed, dict) else listed)]
            if len(names) != len(files):
                raise CheckError(f"perceptron serve lists {names}, expected {len(files)} models")
            results = [[] for _ in files]
            for index in range(count):
                body = json.dumps({"pixels": images[index].reshape(-1).tolist(), "models": names}).encode()
                request = urllib.request.Request(url + "api/predict", body, {"Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(request) as reply:
                        answer = json.load(reply)["results"]
                except urllib.error.HTTPError as error:
                    raise CheckError(f"/api/predict on test image {index}: HTTP {error.code}: {error.read()[:300]!r}")
                for position, result in enumerate(answer):
                    results[position].append(result["probabilities"])
                if (index + 1) % 2000 == 0:
                    print(f"  {index + 1} images through the serve API", file=sys.stderr, flush=True)
            return [np.asarray(rows, dtype=np.float64).astype(np.float32) for rows in results]
        finally:
            server.terminate()
            server.wait(timeout=30)


# ---------------------------------------------------------------------------
# ONNX
# ---------------------------------------------------------------------------

def full_check(path: Path) -> str:
    """"pass", or the first line of onnx.checker's complaint."""
    import onnx

    try:
        onnx.checker.check_model(onnx.load(str(path)), full_check=True)
        return "pass"
    except Exception as error:  # the checker's own exception types vary by version
        return "FAIL: " + (str(error).strip().splitlines() or ["?"])[0][:80]


def run_onnx(path: Path, images: np.ndarray, scale: float) -> tuple[np.ndarray, str]:
    """ONNX Runtime's outputs on every image, in batches of 1,000, and the input layout."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    graph_input = session.get_inputs()[0]
    sample = tuple(d if isinstance(d, int) else None for d in graph_input.shape[1:])
    layouts = {(784,): ("flat", (-1, 784)), (28, 28, 1): ("NHWC", (-1, 28, 28, 1)),
               (1, 28, 28): ("NCHW", (-1, 1, 28, 28)), (28, 28): ("HW", (-1, 28, 28))}
    if sample not in layouts:
        raise CheckError(f"input {graph_input.name} has shape {graph_input.shape}, not an MNIST image")
    layout, shape = layouts[sample]
    x = (images.astype(np.float32) * np.float32(scale)).reshape(shape)   # [N, 28, 28] -> the graph's
    outputs = [session.run(None, {graph_input.name: x[start:start + 1000]})[0] for start in range(0, len(x), 1000)]
    return np.concatenate(outputs).astype(np.float32), layout


def same_weights(original: Path, imported: Path) -> tuple[bool, str]:
    """Whether two model files hold bit-identical weights: by name when the names agree,
    else in file order."""
    a, _ = read_safetensors(original)
    b, _ = read_safetensors(imported)
    if len(a) != len(b):
        return False, f"{len(a)} tensors against {len(b)}"
    pairs = [(a[k], b[k]) for k in a] if set(a) == set(b) else list(zip(a.values(), b.values()))
    for x, y in pairs:
        if x.shape != y.shape or x.tobytes() != y.tobytes():
            return False, "differ"
    return True, "identical" if set(a) == set(b) else "identical (names differ)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Check Perceptron's ONNX export and import against ONNX Runtime.")
    parser.add_argument("--perceptron", default="perceptron", help="the perceptron binary")
    parser.add_argument("--work", type=Path, default=REPO / ".build" / "onnx-check", help="folder for runs and files")
    parser.add_argument("--mlp", type=Path, help="an MLP run folder or model file (default: train one)")
    parser.add_argument("--cnn", type=Path, help="a CNN run folder or model file (default: train one)")
    parser.add_argument("--cnn-bn", type=Path, help="a model file of the BatchNormalization convnet (default: built from the CNN)")
    parser.add_argument("--train-limit", type=int, default=6000, help="training images of the short runs (default 6000)")
    parser.add_argument("--tolerance", type=float, default=1e-5, help="largest |ONNX Runtime - Perceptron| (default 1e-5)")
    parser.add_argument("--reference", choices=["auto", "predict", "serve"], default="auto",
                        help="how Perceptron's probabilities are obtained (default: predict --output if offered)")
    args = parser.parse_args(argv)
    try:
        return check(args)
    except CheckError as error:
        print(f"onnx-check: {error}", file=sys.stderr)
        return 2


def check(args) -> int:
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    for option, given in (("--mlp", args.mlp), ("--cnn", args.cnn), ("--cnn-bn", args.cnn_bn)):
        if given is not None and not model_file(given).is_file():
            raise CheckError(f"{option} {given}: no model file there (give a run folder or a .safetensors file)")
    images, labels = test_set()
    mlp = args.mlp or train(args.perceptron, "mlp", work / "mlp", args.train_limit)
    cnn = args.cnn or train(args.perceptron, "cnn", work / "cnn", args.train_limit)
    cnn_bn = args.cnn_bn
    if cnn_bn is None:
        cnn_bn = work / "cnn-bn-same" / "model.safetensors"
        train_images = read_idx(MNIST_DIR / "train-images-idx3-ubyte.gz", 0x803, (60000, 28, 28))[:2000]
        train_labels = read_idx(MNIST_DIR / "train-labels-idx1-ubyte.gz", 0x801, (60000,))[:2000]
        build_cnn_bn(cnn, cnn_bn, train_images, train_labels)
        run([args.perceptron, "summary", "--model", str(cnn_bn)], "perceptron summary of the BatchNormalization convnet")

    models = {"mlp": mlp, "cnn": cnn, "cnn-bn-same": cnn_bn}
    probabilities = Probabilities(args.perceptron, args.reference, work)
    print(f"Perceptron's probabilities by {probabilities.mode}", file=sys.stderr, flush=True)
    native = dict(zip(models, probabilities.of([model_file(source) for source in models.values()], len(images))))

    rows, problems = [], []
    imported = {}
    for name, source in models.items():
        row = {"model": name, "input": "-", "full_check": "-", "max |ORT - P|": "-", "argmax equal": "-",
               "ORT accuracy": "-", "round-trip weights": "-", "round-trip probs": "-"}
        rows.append(row)
        ok = True
        exported = work / f"{name}.onnx"
        exported.unlink(missing_ok=True)
        try:
            run([args.perceptron, "export", "--model", str(source), "--format", "onnx", "--output", str(exported)],
                f"exporting {name}")
        except CheckError as error:
            problems.append(f"{name}: {error}")
            row["full_check"], row["result"] = "no file", "FAIL"
            continue
        row["full_check"] = full_check(exported)
        ok &= row["full_check"] == "pass"
        p = native[name]
        try:
            ort_p, row["input"] = run_onnx(exported, images, pixel_scale(source))
            if ort_p.shape != p.shape:
                raise CheckError(f"outputs of shape {list(ort_p.shape)}, Perceptron's are {list(p.shape)}")
            worst = float(np.max(np.abs(ort_p.astype(np.float64) - p)))
            agree = int(np.sum(ort_p.argmax(1) == p.argmax(1)))
            row["max |ORT - P|"] = f"{worst:.3g}"
            row["argmax equal"] = f"{agree}/{len(images)}"
            row["ORT accuracy"] = f"{np.mean(ort_p.argmax(1) == labels):.4f}"
            ok &= worst <= args.tolerance and agree == len(images)
        except Exception as error:  # ONNX Runtime's own errors, or the checks above
            problems.append(f"{name}: ONNX Runtime: {str(error).strip()[:300]}")
            row["max |ORT - P|"] = "error"
            ok = False
        imported[name] = work / f"{name}-imported.safetensors"
        imported[name].unlink(missing_ok=True)
        try:
            run([args.perceptron, "import", str(exported), "--output", str(imported[name])], f"importing {name}.onnx")
            same, row["round-trip weights"] = same_weights(model_file(source), imported[name])
            ok &= same
        except CheckError as error:
            problems.append(f"{name}: {error}")
            row["round-trip weights"] = "import failed"
            del imported[name]
            ok = False
        row["result"] = "ok" if ok else "FAIL"

    if imported:
        try:
            back = dict(zip(imported, probabilities.of(list(imported.values()), len(images))))
        except CheckError as error:
            problems.append(f"imported models: {error}")
            back = {}
        for row in rows:
            name = row["model"]
            if name not in imported:
                continue
            same = name in back and back[name].tobytes() == native[name].tobytes()
            row["round-trip probs"] = "identical" if same else ("differ" if name in back else "error")
            if not same:
                row["result"] = "FAIL"

    header = list(rows[0])
    widths = [max(len(str(row.get(key, ""))) for row in rows + [dict(zip(header, header))]) for key in header]
    print(f"ONNX check: {len(images)} test images, tolerance {args.tolerance:g}, Perceptron's probabilities by {probabilities.mode}")
    for row in [dict(zip(header, header))] + rows:
        print("  ".join(str(row.get(key, "")).ljust(width) for key, width in zip(header, widths)).rstrip())
    for problem in problems:
        print(problem)
    failed = any(row["result"] != "ok" for row in rows)
    print("FAILED" if failed else "all checks passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
