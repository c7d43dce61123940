"""Shared pieces of the benchmark peers (keras_mlp.py, torch_mlp.py, torch_cnn.py).

- reading the MNIST IDX files bundled with Perceptron
  (Sources/PerceptronMNIST/mnist/*.gz, found relative to this file; MNIST_DIR overrides),
- the command-line options every peer accepts,
- timing and latency statistics,
- peak resident memory and a description of the machine,
- printing the one JSON object a run produces.

Only the standard library and numpy are used here.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# ---------------------------------------------------------------------------
# The job
# ---------------------------------------------------------------------------

#: The batch size of the accuracy run, then the two smaller timing runs.
BATCH_SIZES = (1000, 128, 32)
LEARNING_RATE = 0.001
VALIDATION_SPLIT = 0.2
HIDDEN_UNITS = 512
CLASSES = 10
EVALUATE_BATCH_SIZE = 1000

#: The scaling grid of `perceptron bench --scaling` (Sources/perceptron/BenchScaling.swift):
#: 784-H-H-10 at each hidden width H and batch size, on 1 thread and on every core.
SCALING_WIDTHS = (128, 256, 512, 1024, 2048, 4096)
SCALING_BATCHES = (32, 128, 512, 1000, 4096)


def mlp_flops(width: int, train_images: int, validation_images: int) -> float:
    """Dense FLOPs of 784-width-width-10: train images forward and backward (kernel gradients
    of every layer, input gradients of all but the first), validation images forward."""
    widths = (784, width, width, CLASSES)
    products = [2.0 * a * b for a, b in zip(widths, widths[1:])]
    first, rest = products[0], sum(products[1:])
    return train_images * (2 * first + 3 * rest) + validation_images * (first + rest)


def scaling_train_images(width: int, batch: int, quick: bool) -> int:
    """Training images of one scaling point, as BenchScaling.trainImages: whole batches adding
    up to about 10 GFLOP of dense products (2.5 quick), at least one batch, at most 48,000."""
    target = 2.5e9 if quick else 1e10
    per_image = mlp_flops(width, 1, 0)
    batches = max(1, int(round(target / (per_image * batch))))
    return min(batches, 48000 // batch) * batch

# ---------------------------------------------------------------------------
# MNIST
# ---------------------------------------------------------------------------

_IMAGES_MAGIC = 0x00000803  # unsigned byte, 3 dimensions
_LABELS_MAGIC = 0x00000801  # unsigned byte, 1 dimension

_FILES = {
    "train_images": ("train-images-idx3-ubyte.gz", _IMAGES_MAGIC, (60000, 28, 28)),
    "train_labels": ("train-labels-idx1-ubyte.gz", _LABELS_MAGIC, (60000,)),
    "test_images": ("t10k-images-idx3-ubyte.gz", _IMAGES_MAGIC, (10000, 28, 28)),
    "test_labels": ("t10k-labels-idx1-ubyte.gz", _LABELS_MAGIC, (10000,)),
}


def mnist_dir() -> Path:
    """The folder holding the four MNIST .gz files."""
    override = os.environ.get("MNIST_DIR")
    if override:
        return Path(override)
    repo = Path(__file__).resolve().parent.parent.parent
    return repo / "Sources" / "PerceptronMNIST" / "mnist"


def read_idx(path: Path, magic: int, shape: tuple[int, ...]) -> np.ndarray:
    """Reads one gzip-compressed IDX file of unsigned bytes and checks its header."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = magic & 0xFF
    header_size = 4 + 4 * ndim
    if len(data) < header_size:
        raise ValueError(f"{path}: {len(data)} bytes, too short for an IDX header")
    found_magic = int.from_bytes(data[0:4], "big")
    if found_magic != magic:
        raise ValueError(f"{path}: magic 0x{found_magic:08x}, expected 0x{magic:08x}")
    dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    if dims != shape:
        raise ValueError(f"{path}: dimensions {dims}, expected {shape}")
    count = int(np.prod(dims))
    if len(data) != header_size + count:
        raise ValueError(f"{path}: {len(data) - header_size} data bytes, expected {count}")
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(dims)


def load_mnist():
    """The lesson's arrays: images flattened to 784 float32 values / 255, labels as uint8.

    Returns (x_train [60000, 784], y_train [60000], x_test [10000, 784], y_test [10000]).
    """
    folder = mnist_dir()
    arrays = {}
    for key, (name, magic, shape) in _FILES.items():
        arrays[key] = read_idx(folder / name, magic, shape)
    x_train = arrays["train_images"].reshape(60000, 784).astype(np.float32) / 255.0
    x_test = arrays["test_images"].reshape(10000, 784).astype(np.float32) / 255.0
    return x_train, arrays["train_labels"].copy(), x_test, arrays["test_labels"].copy()


def one_hot(labels: np.ndarray, classes: int = CLASSES) -> np.ndarray:
    """Like keras.utils.to_categorical: float32 rows with a single 1."""
    out = np.zeros((labels.shape[0], classes), dtype=np.float32)
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


def validation_split_at(n: int, split: float = VALIDATION_SPLIT) -> int:
    """Where Keras's validation_split cuts: the first part trains, the LAST part validates.

    60,000 samples at 0.2 -> 48,000 for training, the last 12,000 for validation.
    """
    return int(math.floor(n * (1.0 - split)))


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------


def default_threads() -> int:
    return available_cores()


def parse_args(description: str, argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--epochs", type=int, default=30,
                   help="epochs of the accuracy run at batch 1000 (default 30)")
    p.add_argument("--small-batch-epochs", type=int, default=3,
                   help="epochs of each timing run at batch 128 and 32 (default 3)")
    p.add_argument("--threads", type=int, default=default_threads(),
                   help="compute threads (default: the available cores, %(default)s here)")
    p.add_argument("--seed", type=int, default=1234, help="random seed (default 1234)")
    p.add_argument("--latency-calls", type=int, default=1000,
                   help="timed single-image predictions (default 1000)")
    p.add_argument("--latency-warmup", type=int, default=50,
                   help="untimed single-image predictions before those (default 50)")
    p.add_argument("--skip-small-batches", action="store_true",
                   help="time batch 1000 only")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 2 epochs everywhere, 200 latency calls")
    p.add_argument("--scaling", action="store_true",
                   help="instead of the lesson's job, time the scaling grid (hidden width x batch "
                        "x 1 thread and --threads), as `perceptron bench --scaling`")
    args = p.parse_args(argv)
    if args.quick:
        args.epochs = 2
        args.small_batch_epochs = 2
        args.latency_calls = min(args.latency_calls, 200)
        args.latency_warmup = min(args.latency_warmup, 20)
    for name in ("epochs", "small_batch_epochs", "threads", "latency_calls"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------


def steady_epoch_seconds(seconds: list[float]) -> float:
    """The median epoch time with the first epoch (warm-up, tracing, allocation) left out.

    With a single epoch there is nothing else, so that one is returned.
    """
    rest = seconds[1:] if len(seconds) > 1 else seconds
    return float(statistics.median(rest))


def latency_us(call, calls: int, warmup: int) -> dict:
    """p50 and p99 of `calls` timed calls of `call()`, in microseconds, after `warmup` calls."""
    for _ in range(warmup):
        call()
    times = np.empty(calls, dtype=np.float64)
    clock = time.perf_counter_ns
    for i in range(calls):
        t0 = clock()
        call()
        times[i] = clock() - t0
    times /= 1000.0
    return {"p50": round(float(np.percentile(times, 50)), 1),
            "p99": round(float(np.percentile(times, 99)), 1)}


def best_of(n: int, call) -> tuple[float, object]:
    """The shortest wall time of n calls, and the last call's result."""
    best = float("inf")
    result = None
    for _ in range(n):
        t0 = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - t0)
    return best, result


# ---------------------------------------------------------------------------
# Machine and process
# ---------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def machine() -> dict:
    return {"cpu": cpu_model(), "cores": available_cores()}


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MiB (Linux reports ru_maxrss in KiB)."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if sys.platform == "darwin":  # bytes there
        kib /= 1024.0
    return round(kib / 1024.0, 1)


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------


def log(message: str) -> None:
    """Progress goes to stderr; stdout carries only the JSON object."""
    print(message, file=sys.stderr, flush=True)


def emit(result: dict) -> None:
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    sys.stdout.flush()


def epoch_seconds_block(runs: dict[int, list[float]]) -> tuple[dict, dict]:
    """("epoch_seconds", "epoch_seconds_all") keyed by batch size as a string."""
    medians = {str(b): round(steady_epoch_seconds(s), 4) for b, s in runs.items()}
    every = {str(b): [round(x, 4) for x in s] for b, s in runs.items()}
    return medians, every
