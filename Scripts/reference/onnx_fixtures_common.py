"""Shared pieces of the ONNX import fixtures (onnx_fixtures_torch.py, onnx_fixtures_keras.py).

- reading the MNIST IDX files bundled with Perceptron (Sources/PerceptronMNIST/mnist/*.gz);
- writing a framework's outputs as JSON whose floats read back as the same float32;
- checking a written .onnx file: onnx.checker with full_check, then ONNX Runtime against
  the framework's outputs;
- the graph's op list, for the fixtures' README.

Only the standard library, numpy, onnx and onnxruntime are used here.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent.parent
MNIST_DIR = REPO / "Sources" / "PerceptronMNIST" / "mnist"
FIXTURES = REPO / "Tests" / "PerceptronONNXTests" / "Fixtures"

#: How many test images the fixtures' outputs cover, from the first.
FIRST = 100
#: ONNX Runtime must agree with the framework within this, element by element.
RUNTIME_TOLERANCE = 1e-6

_FILES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 60000),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10000),
}


def _read_idx(path: Path, magic: int, dims: tuple[int, ...]) -> np.ndarray:
    """One gzip-compressed IDX file of unsigned bytes, its header checked."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    header = 4 + 4 * len(dims)
    if len(data) != header + int(np.prod(dims)):
        raise ValueError(f"{path}: {len(data)} bytes, expected {header + int(np.prod(dims))}")
    found = int.from_bytes(data[0:4], "big")
    if found != magic:
        raise ValueError(f"{path}: magic 0x{found:08x}, expected 0x{magic:08x}")
    found_dims = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(len(dims)))
    if found_dims != dims:
        raise ValueError(f"{path}: dimensions {found_dims}, expected {dims}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)


def load_split(split: str) -> tuple[np.ndarray, np.ndarray]:
    """A split's images as float32 x/255, shape [N, 28, 28], and its labels as int64 [N]."""
    images_name, labels_name, count = _FILES[split]
    images = _read_idx(MNIST_DIR / images_name, 0x00000803, (count, 28, 28))
    labels = _read_idx(MNIST_DIR / labels_name, 0x00000801, (count,))
    return images.astype(np.float32) / np.float32(255), labels.astype(np.int64)


def float32_text(value) -> str:
    """The shortest decimal that reads back as this float32 (numpy's float32 repr), checked."""
    v = np.float32(value)
    if not np.isfinite(v):
        raise ValueError(f"non-finite output {v}")
    text = str(v)
    if np.float32(float(text)) != v:
        raise AssertionError(f"{text} does not read back as float32 {v!r}")
    return text


def write_outputs(path: Path, source: str, versions: dict, shape: list, outputs: np.ndarray) -> None:
    """Writes the framework's outputs on the first test images as the fixtures' JSON."""
    outputs = np.asarray(outputs, dtype=np.float32)
    rows = ",\n    ".join("[" + ", ".join(float32_text(v) for v in row) + "]" for row in outputs)
    head = {
        "source": source,
        "versions": versions,
        "input": {"split": "test", "first": int(outputs.shape[0]), "scale": "x/255", "shape": shape},
    }
    text = json.dumps(head, indent=2)[:-2] + ',\n  "outputs": [\n    ' + rows + "\n  ]\n}\n"
    path.write_text(text)
    back = json.loads(path.read_text())
    if not np.array_equal(np.asarray(back["outputs"], dtype=np.float32), outputs):
        raise AssertionError(f"{path}: outputs do not read back bit for bit")


def op_list(model) -> list[str]:
    """The graph's node op types, in order (the domain prefixed when not the default one)."""
    return [(f"{n.domain}:" if n.domain not in ("", "ai.onnx") else "") + n.op_type for n in model.graph.node]


def check_onnx(path: Path, x: np.ndarray, expected: np.ndarray) -> list[str]:
    """Checks a written .onnx file and returns its op list.

    `onnx.checker.check_model(full_check=True)` must pass (it also infers shapes), and ONNX
    Runtime's outputs on `x` must equal `expected` within RUNTIME_TOLERANCE with the same
    argmax. The batch dimension must be dynamic: the check runs batches of 100 and of 1.
    """
    import onnx
    import onnxruntime as ort

    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    if any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer):
        raise AssertionError(f"{path}: weights stored outside the file")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    got = session.run(None, {name: x})[0]
    single = session.run(None, {name: x[:1]})[0]
    worst = float(np.max(np.abs(got - expected)))
    if got.shape != expected.shape or worst > RUNTIME_TOLERANCE:
        raise AssertionError(f"{path}: ONNX Runtime differs from the framework by {worst} (shape {got.shape})")
    if not np.array_equal(got.argmax(1), expected.argmax(1)):
        raise AssertionError(f"{path}: ONNX Runtime's argmax differs from the framework's")
    if float(np.max(np.abs(single - expected[:1]))) > RUNTIME_TOLERANCE:
        raise AssertionError(f"{path}: a batch of 1 differs")
    print(f"{path.name}: full_check passed; ONNX Runtime within {worst:.3g} of the framework "
          f"on {x.shape[0]} images; opset {[(o.domain or 'ai.onnx', o.version) for o in model.opset_import]}")
    print(f"  ops: {' '.join(op_list(model))}")
    return op_list(model)


def versions_of(*modules) -> dict:
    """{name: version} for imported modules, plus Python's."""
    import platform
    from importlib.metadata import version

    found = {"python": platform.python_version()}
    for m in modules:
        found[m.__name__] = getattr(m, "__version__", None) or version(m.__name__)
    return found
