#!/usr/bin/env python3
"""PyTorch (CPU) running the same MNIST job as the Keras lesson, timed the same way.

The job, made to match Keras 3:
- the 60,000 training images as float32 pixels / 255; the first 48,000 train and the LAST
  12,000 validate (Keras's validation_split=0.2); the training part is shuffled every epoch
  and the last partial batch is kept (48,000 / 128 and / 32 leave none, but the code allows it);
- 784 -> Linear(512) + ReLU -> Linear(512) + ReLU -> Linear(10), with Keras's initialisation:
  glorot_uniform kernels (torch's xavier_uniform_, gain 1) and zero biases;
- softmax + categorical cross-entropy, computed as F.cross_entropy on the logits (the same
  loss, numerically steadier than a softmax layer followed by a log);
- Adam, learning rate 0.001, betas (0.9, 0.999) and eps=1e-7, Keras's epsilon (PyTorch's
  default is 1e-8). Keras adds epsilon to sqrt(v) before bias correction ("epsilon hat") and
  PyTorch after it, so the two updates differ slightly in the first steps, a difference far
  below run-to-run noise;
- an epoch is the training steps plus validation on the 12,000 images (at the training batch
  size, as Keras does), both inside the epoch's time, with the training loss and accuracy
  accumulated as Keras's metrics are.

Measured, as in keras_mlp.py: seconds per epoch at batch 1000 (the accuracy run, --epochs),
128 and 32 (--small-batch-epochs each, a fresh model each), median with the first epoch left
out; test loss and accuracy after the batch-1000 run (evaluate in batches of 1000, best of 3
times); single-image latency p50/p99 over 1,000 calls after warm-up, under torch.no_grad():
"predict" takes a numpy image and returns numpy probabilities (as model.predict does),
"direct" calls the module on a ready tensor; peak resident memory.

Threads: torch.set_num_threads(--threads), by default the available cores (2 on the
benchmark machine). OpenMP's wait policy is left as the library has it; on a machine whose
cores are busy with other work, spinning OpenMP threads can make each step several times
slower, and OMP_WAIT_POLICY=PASSIVE in the environment avoids that (the JSON's "backend"
says which was in force). Prints one JSON object on stdout; progress goes to stderr.

With --scaling it times instead the grid of `perceptron bench --scaling`: 784-H-H-10 for each
hidden width H in common.SCALING_WIDTHS and batch in common.SCALING_BATCHES, on 1 thread and on
--threads, each point a warm-up step on one batch, then one timed epoch over the first
common.scaling_train_images(H, batch) training images (shuffled) and validation on a quarter as
many images from image 48,000 on; seconds are scaled to the 48,000 + 12,000 images of an epoch.

    python Benchmarks/peers/torch_mlp.py [--epochs 30] [--small-batch-epochs 3] [--threads N]
    python Benchmarks/peers/torch_mlp.py --scaling [--quick] [--threads N]
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

KERAS_ADAM_EPSILON = 1e-7


def main() -> None:
    args = common.parse_args("PyTorch CPU peer of the Perceptron MNIST benchmark")

    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.set_num_threads(args.threads)
    device = torch.device("cpu")

    x_all, y_all, x_test_np, y_test_np = common.load_mnist()
    split = common.validation_split_at(x_all.shape[0])
    x_train = torch.from_numpy(x_all[:split]).contiguous()
    y_train = torch.from_numpy(y_all[:split].astype(np.int64))
    x_val = torch.from_numpy(x_all[split:]).contiguous()
    y_val = torch.from_numpy(y_all[split:].astype(np.int64))
    x_test = torch.from_numpy(x_test_np).contiguous()
    y_test = torch.from_numpy(y_test_np.astype(np.int64))

    def build(width: int = common.HIDDEN_UNITS) -> nn.Module:
        model = nn.Sequential(
            nn.Linear(784, width), nn.ReLU(),
            nn.Linear(width, width), nn.ReLU(),
            nn.Linear(width, common.CLASSES),
        )
        for layer in model:
            if isinstance(layer, nn.Linear):
                nn.init.xavier_uniform_(layer.weight)  # = Keras glorot_uniform
                nn.init.zeros_(layer.bias)
        return model.to(device)

    @torch.no_grad()
    def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int):
        """Mean cross-entropy and accuracy over (x, y), in batches."""
        model.eval()
        loss_sum = 0.0
        correct = 0
        for start in range(0, x.shape[0], batch_size):
            xb = x[start:start + batch_size]
            yb = y[start:start + batch_size]
            logits = model(xb)
            loss_sum += F.cross_entropy(logits, yb, reduction="sum").item()
            correct += (logits.argmax(dim=1) == yb).sum().item()
        n = x.shape[0]
        return loss_sum / n, correct / n

    def train(batch_size: int, epochs: int, width: int = common.HIDDEN_UNITS, train_images: int | None = None,
              validation_images: int | None = None, warm_up: bool = False):
        torch.manual_seed(args.seed)
        model = build(width)
        optimizer = torch.optim.Adam(model.parameters(), lr=common.LEARNING_RATE,
                                     betas=(0.9, 0.999), eps=KERAS_ADAM_EPSILON)
        generator = torch.Generator().manual_seed(args.seed)
        n = x_train.shape[0] if train_images is None else train_images
        x_v = x_val if validation_images is None else x_val[:validation_images]
        y_v = y_val if validation_images is None else y_val[:validation_images]
        if warm_up:  # one step on one batch: allocation and first-call costs out of the timed epoch
            loss = F.cross_entropy(model(x_train[:batch_size]), y_train[:batch_size])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        seconds: list[float] = []
        for epoch in range(epochs):
            t0 = time.perf_counter()
            model.train()
            order = torch.randperm(n, generator=generator)
            loss_sum = torch.zeros((), dtype=torch.float64)
            correct = torch.zeros((), dtype=torch.int64)
            for start in range(0, n, batch_size):  # the last partial batch is kept
                index = order[start:start + batch_size]
                xb = x_train.index_select(0, index)
                yb = y_train.index_select(0, index)
                logits = model(xb)
                loss = F.cross_entropy(logits, yb)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                with torch.no_grad():
                    loss_sum += loss.detach().double() * xb.shape[0]
                    correct += (logits.argmax(dim=1) == yb).sum()
            train_loss = loss_sum.item() / n
            train_acc = correct.item() / n
            val_loss, val_acc = evaluate(model, x_v, y_v, batch_size)
            dt = time.perf_counter() - t0
            seconds.append(dt)
            common.log(f"[pytorch] batch {batch_size} epoch {epoch + 1}/{epochs}: {dt:.3f}s "
                       f"loss {train_loss:.4f} acc {train_acc:.4f} "
                       f"val_loss {val_loss:.4f} val_acc {val_acc:.4f}")
        return model, seconds

    if args.scaling:
        scaling(args, train)
        return

    runs: dict[int, list[float]] = {}

    # The accuracy run, at the lesson's batch size.
    model, runs[1000] = train(1000, args.epochs)

    evaluate_seconds, (test_loss, test_accuracy) = common.best_of(
        3, lambda: evaluate(model, x_test, y_test, common.EVALUATE_BATCH_SIZE))
    common.log(f"[pytorch] test loss {test_loss:.4f} accuracy {test_accuracy:.4f} "
               f"(evaluate {evaluate_seconds:.3f}s, best of 3)")

    model.eval()
    image_np = x_test_np[:1]
    image = x_test[:1].clone()

    def predict():
        with torch.no_grad():
            return F.softmax(model(torch.from_numpy(image_np)), dim=1).numpy()

    def direct():
        with torch.no_grad():
            return F.softmax(model(image), dim=1)

    predict_latency = common.latency_us(predict, args.latency_calls, args.latency_warmup)
    direct_latency = common.latency_us(direct, args.latency_calls, args.latency_warmup)
    common.log(f"[pytorch] predict latency {predict_latency} us, direct {direct_latency} us")
    del model

    if not args.skip_small_batches:
        for batch_size in common.BATCH_SIZES[1:]:
            _, runs[batch_size] = train(batch_size, args.small_batch_epochs)

    epoch_seconds, epoch_seconds_all = common.epoch_seconds_block(runs)
    blas = "MKL" if torch.backends.mkl.is_available() else "built-in BLAS"
    onednn = "oneDNN" if torch.backends.mkldnn.is_available() else "no oneDNN"
    common.emit({
        "system": "pytorch",
        "version": torch.__version__,
        "machine": common.machine(),
        "backend": f"torch CPU, {blas}, {onednn}, {torch.get_num_threads()} intra-op / "
                   f"{torch.get_num_interop_threads()} inter-op threads, OMP_WAIT_POLICY "
                   f"{os.environ.get('OMP_WAIT_POLICY', 'unset')}",
        "threads": torch.get_num_threads(),
        "epochs": args.epochs,
        "small_batch_epochs": args.small_batch_epochs,
        "epoch_seconds": epoch_seconds,
        "epoch_seconds_all": epoch_seconds_all,
        "test_accuracy": round(float(test_accuracy), 6),
        "test_loss": round(float(test_loss), 6),
        "evaluate_seconds": round(evaluate_seconds, 4),
        "evaluate_note": f"best of 3, batch {common.EVALUATE_BATCH_SIZE}",
        "predict_latency_us": predict_latency,
        "predict_latency_us_direct": direct_latency,
        "predict_note": "no_grad; predict: numpy image in, softmax numpy out; "
                        "direct: module on a ready tensor",
        "adam_epsilon": KERAS_ADAM_EPSILON,
        "latency_calls": args.latency_calls,
        "peak_rss_mb": common.peak_rss_mb(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "seed": args.seed,
    })


def scaling(args, train) -> None:
    """The grid of `perceptron bench --scaling`, printed as one JSON object."""
    import torch

    runs = []
    for threads in sorted({1, args.threads}):
        torch.set_num_threads(threads)
        points = []
        for width in common.SCALING_WIDTHS:
            for batch in common.SCALING_BATCHES:
                n_train = common.scaling_train_images(width, batch, args.quick)
                n_val = n_train // 4
                _, seconds = train(batch, 1, width=width, train_images=n_train, validation_images=n_val, warm_up=True)
                points.append({"width": width, "batch": batch, "train_images": n_train, "validation_images": n_val,
                               "seconds": round(seconds[0], 5),
                               "epoch_seconds": round(seconds[0] * 48000 / n_train, 5),
                               "dense_gflop": round(common.mlp_flops(width, n_train, n_val) / 1e9, 4)})
        runs.append({"threads": threads, "points": points})
    common.emit({
        "system": "pytorch",
        "version": torch.__version__,
        "machine": common.machine(),
        "quick": args.quick,
        "runs": runs,
    })


if __name__ == "__main__":
    main()
