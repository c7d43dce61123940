#!/usr/bin/env python3
"""PyTorch (CPU) running Keras's "Simple MNIST convnet" example, timed as keras_cnn.py times it.

The model, as Keras's (keras.io/examples/vision/mnist_convnet) and `perceptron train --arch
cnn`: Input 28x28x1 -> Conv2d(32, 3x3) + ReLU -> MaxPool 2 -> Conv2d(64, 3x3) + ReLU -> MaxPool
2 -> Flatten -> Dropout(0.5) -> Linear(1600, 10); Keras's initialisation (glorot_uniform
kernels: torch's xavier_uniform_, whose fans for a convolution are channels x kernel area as
Keras's are; zero biases); softmax + categorical cross-entropy as F.cross_entropy on the
logits; Adam, learning rate 0.001, betas (0.9, 0.999), eps 1e-7 (Keras's); batch 128; the
first 54,000 images train (shuffled every epoch) and the LAST 6,000 validate (Keras's
validation_split=0.1), at the training batch size, inside the epoch's time. PyTorch keeps its
usual channels-first layout (N, 1, 28, 28); the flattened order differs from Keras's, which
changes nothing in the work or the accuracy.

Measured: seconds per epoch (the median with the first epoch left out), test loss and
accuracy (evaluate at batch 1000), peak resident memory. Prints one JSON object on stdout;
progress goes to stderr.

    python Benchmarks/peers/torch_cnn.py [--epochs 15] [--threads N] [--seed 1234]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

KERAS_ADAM_EPSILON = 1e-7


def main() -> None:
    parser = argparse.ArgumentParser(description="PyTorch MNIST convnet peer of `perceptron train --arch cnn`")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=common.default_threads())
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first epoch is left out of the median)")
    if args.batch_size < 1 or args.threads < 1:
        parser.error("--batch-size and --threads must be at least 1")

    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    x_all, y_all, x_test_np, y_test_np = common.load_mnist()
    split = common.validation_split_at(x_all.shape[0], 0.1)
    images = torch.from_numpy(x_all).reshape(-1, 1, 28, 28).contiguous()
    labels = torch.from_numpy(y_all.astype(np.int64))
    x_train, y_train = images[:split], labels[:split]
    x_val, y_val = images[split:], labels[split:]
    x_test = torch.from_numpy(x_test_np).reshape(-1, 1, 28, 28).contiguous()
    y_test = torch.from_numpy(y_test_np.astype(np.int64))

    model = nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, kernel_size=3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10),
    )
    for layer in model:
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)  # = Keras glorot_uniform
            nn.init.zeros_(layer.bias)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=KERAS_ADAM_EPSILON)

    @torch.no_grad()
    def evaluate(x: torch.Tensor, y: torch.Tensor, batch_size: int):
        model.eval()
        loss_sum, correct = 0.0, 0
        for start in range(0, x.shape[0], batch_size):
            logits = model(x[start:start + batch_size])
            yb = y[start:start + batch_size]
            loss_sum += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += (logits.argmax(dim=1) == yb).sum().item()
        return loss_sum / x.shape[0], correct / x.shape[0]

    generator = torch.Generator().manual_seed(args.seed)
    n = x_train.shape[0]
    seconds: list[float] = []
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, args.batch_size):  # the last partial batch is kept, as Keras does
            index = order[start:start + args.batch_size]
            loss = F.cross_entropy(model(x_train.index_select(0, index)), y_train.index_select(0, index))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        val_loss, val_acc = evaluate(x_val, y_val, args.batch_size)
        seconds.append(time.perf_counter() - t0)
        common.log(f"[pytorch cnn] epoch {epoch + 1}/{args.epochs}: {seconds[-1]:.2f}s "
                   f"val_loss {val_loss:.4f} val_accuracy {val_acc:.4f}")

    test_loss, test_accuracy = evaluate(x_test, y_test, 1000)
    common.emit({
        "system": "pytorch",
        "model": "mnist_convnet",
        "version": torch.__version__,
        "machine": common.machine(),
        "threads": torch.get_num_threads(),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "epoch_seconds": round(common.steady_epoch_seconds(seconds), 4),
        "epoch_seconds_all": [round(s, 4) for s in seconds],
        "test_accuracy": round(float(test_accuracy), 6),
        "test_loss": round(float(test_loss), 6),
        "peak_rss_mb": common.peak_rss_mb(),
        "seed": args.seed,
    })


if __name__ == "__main__":
    main()
