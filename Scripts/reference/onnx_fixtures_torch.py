#!/usr/bin/env python3
# ONNX import fixtures from PyTorch: the lesson's MLP (784 -> 512 relu -> 512 relu -> 10
# softmax) and Keras's "Simple MNIST convnet" written the PyTorch way, in NCHW with
# nn.Flatten's natural (C, H, W) order, so an importer must undo the layout to run it on
# NHWC images. Each is trained briefly (1 epoch, Adam 0.001, on the first 5,000 training
# images, seeded) so its weights are not an initializer's draw, exported with
# torch.onnx.export (the default exporter, a dynamic batch dimension), checked with
# onnx.checker (full_check) and ONNX Runtime, and written with PyTorch's softmax outputs on
# the first 100 test images (x/255, float32).
#
# Versions used: Python 3.11.7, torch 2.15.0 (PyPI's default wheel, 2.15.0+cu132; run on
# the CPU), onnx 1.23.2, onnxscript 0.7.2, onnxruntime 1.32.0, numpy 2.4.6; every JSON
# written repeats them. The exporter writes opset 20; Dropout disappears in eval mode and
# nn.Flatten becomes a Reshape to [-1, 1600].
#
# Run:
#   python3 -m venv /tmp/onnxvenv && /tmp/onnxvenv/bin/pip install torch onnx onnxscript onnxruntime
#   /tmp/onnxvenv/bin/python Scripts/reference/onnx_fixtures_torch.py
# Writes Tests/PerceptronONNXTests/Fixtures/torch_{mlp,convnet}.{onnx,json}.
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from onnx_fixtures_common import FIRST, FIXTURES, check_onnx, load_split, versions_of, write_outputs

SEED = 1
TRAIN_IMAGES = 5000


class MLP(nn.Module):
    """The lesson's MLP; x: [N, 784] -> probabilities [N, 10]."""

    def __init__(self):
        super().__init__()
        self.dense = nn.Linear(784, 512)
        self.dense_1 = nn.Linear(512, 512)
        self.dense_2 = nn.Linear(512, 10)

    def forward(self, x):
        h = torch.relu(self.dense(x))
        h = torch.relu(self.dense_1(h))
        return torch.softmax(self.dense_2(h), dim=1)


class ConvNet(nn.Module):
    """Keras's MNIST convnet in NCHW; x: [N, 1, 28, 28] -> probabilities [N, 10].

    [N,1,28,28] conv 3x3 -> [N,32,26,26] pool -> [N,32,13,13] conv -> [N,64,11,11]
    pool -> [N,64,5,5] flatten (C, H, W order) -> [N,1600] -> dense [N,10].
    """

    def __init__(self):
        super().__init__()
        self.conv2d = nn.Conv2d(1, 32, 3)
        self.conv2d_1 = nn.Conv2d(32, 64, 3)
        self.pool = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.dropout = nn.Dropout(0.5)
        self.dense = nn.Linear(1600, 10)

    def forward(self, x):
        h = self.pool(torch.relu(self.conv2d(x)))
        h = self.pool(torch.relu(self.conv2d_1(h)))
        h = self.dropout(self.flatten(h))
        return torch.softmax(self.dense(h), dim=1)


def train(model: nn.Module, x: np.ndarray, y: np.ndarray, batch_size: int) -> None:
    """One epoch of Adam 0.001 on categorical cross-entropy of the softmax outputs, shuffled."""
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    order = torch.randperm(x.shape[0])
    xs, ys = torch.from_numpy(x), torch.from_numpy(y)
    model.train()
    for start in range(0, x.shape[0], batch_size):
        batch = order[start:start + batch_size]
        probabilities = model(xs[batch])
        loss = nn.functional.nll_loss(torch.log(probabilities.clamp_min(1e-7)), ys[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    model.eval()


def export(model: nn.Module, sample: np.ndarray, path: Path) -> None:
    """torch.onnx.export with a dynamic batch dimension, weights inside the file."""
    batch = torch.export.Dim("batch", min=1, max=1 << 16)
    program = torch.onnx.export(model, (torch.from_numpy(sample),), dynamo=True,
                                input_names=["input"], output_names=["probabilities"],
                                dynamic_shapes={"x": {0: batch}})
    program.save(str(path), external_data=False)


def main() -> None:
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    x_train, y_train = load_split("train")
    x_test, _ = load_split("test")
    x_train, y_train = x_train[:TRAIN_IMAGES], y_train[:TRAIN_IMAGES]
    versions = versions_of(torch, onnx, onnxruntime, np)
    versions["exporter"] = "torch.onnx.export(dynamo=True)"
    FIXTURES.mkdir(parents=True, exist_ok=True)
    print(f"versions: {versions}")

    cases = [
        ("torch_mlp", MLP(), lambda a: a.reshape(a.shape[0], 784), 100),
        ("torch_convnet", ConvNet(), lambda a: a.reshape(a.shape[0], 1, 28, 28), 128),
    ]
    for name, model, shaped, batch_size in cases:
        train(model, shaped(x_train), y_train, batch_size)
        x = np.ascontiguousarray(shaped(x_test[:FIRST]))
        with torch.no_grad():
            expected = model(torch.from_numpy(x)).numpy()
        path = FIXTURES / f"{name}.onnx"
        export(model, x, path)
        check_onnx(path, x, expected)
        write_outputs(FIXTURES / f"{name}.json", f"PyTorch {torch.__version__}, {type(model).__name__} "
                      f"trained 1 epoch on the first {TRAIN_IMAGES} training images, seed {SEED}",
                      versions, list(x.shape), expected)


if __name__ == "__main__":
    main()
