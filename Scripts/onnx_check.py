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
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np

from onnx_check_files import (MNIST_DIR, REPO, CheckError, build_cnn_bn, model_file, pixel_scale,
                              read_idx, read_safetensors, test_set)


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
