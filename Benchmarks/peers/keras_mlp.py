#!/usr/bin/env python3
"""Keras 3 (TensorFlow CPU backend) running the MNIST lesson's job, timed.

The job: the 60,000 training images as float32 pixels / 255, one-hot labels, the Functional
model 784 -> Dense(512, relu) -> Dense(512, relu) -> Dense(10, softmax), categorical
cross-entropy, Adam(learning_rate=0.001), categorical accuracy,
fit(batch_size=1000, epochs=30, validation_split=0.2) -- Keras validates on the LAST 12,000
images and shuffles the first 48,000 each epoch.

Measured:
- seconds per epoch at batch 1000 (the accuracy run, --epochs), then at 128 and 32
  (--small-batch-epochs each, a fresh model each time); an epoch is timed from
  on_epoch_begin to on_epoch_end, so it includes validation; the reported figure is the
  median with the first epoch left out;
- test loss and accuracy after the batch-1000 run: evaluate(batch_size=1000) on the 10,000
  test images, and the best of 3 evaluate times;
- single-image latency, p50 and p99 of 1,000 calls after warm-up: model.predict(x, verbose=0)
  ("predict_latency_us") and model(x, training=False) ("predict_latency_us_direct");
- peak resident memory of the process.

Prints one JSON object on stdout; progress goes to stderr.

    python Benchmarks/peers/keras_mlp.py [--epochs 30] [--small-batch-epochs 3] [--threads N]
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def tensorflow_distribution() -> str:
    """'tensorflow-cpu 2.21.0' or 'tensorflow 2.21.0', whichever is installed."""
    from importlib import metadata
    for name in ("tensorflow-cpu", "tensorflow", "tensorflow-intel", "tensorflow-macos"):
        try:
            return f"{name} {metadata.version(name)}"
        except metadata.PackageNotFoundError:
            continue
    import tensorflow as tf
    return f"tensorflow {tf.__version__}"


def onednn_enabled() -> bool:
    try:
        from tensorflow.python.util import _pywrap_util_port
        return bool(_pywrap_util_port.IsMklEnabled())
    except Exception:  # private module moved: fall back to the documented switch
        return os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1") not in ("0", "false", "False")


def main() -> None:
    args = common.parse_args("Keras 3 / TensorFlow CPU peer of the Perceptron MNIST benchmark")

    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras
    import numpy as np

    if keras.backend.backend() != "tensorflow":
        raise SystemExit(f"keras backend is {keras.backend.backend()!r}, expected 'tensorflow'")

    x_train, y_train, x_test, y_test = common.load_mnist()
    y_train_1h = common.one_hot(y_train)
    y_test_1h = common.one_hot(y_test)

    class EpochTimer(keras.callbacks.Callback):
        def __init__(self, label: str):
            super().__init__()
            self.label = label
            self.seconds: list[float] = []
            self._t0 = 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self._t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            dt = time.perf_counter() - self._t0
            self.seconds.append(dt)
            logs = logs or {}
            common.log(
                f"[keras] {self.label} epoch {epoch + 1}/{self.params.get('epochs')}: "
                f"{dt:.3f}s loss {logs.get('loss', float('nan')):.4f} "
                f"acc {logs.get('categorical_accuracy', float('nan')):.4f} "
                f"val_loss {logs.get('val_loss', float('nan')):.4f} "
                f"val_acc {logs.get('val_categorical_accuracy', float('nan')):.4f}")

    def build():
        inputs = keras.Input(shape=(784,))
        h = keras.layers.Dense(common.HIDDEN_UNITS, activation="relu")(inputs)
        h = keras.layers.Dense(common.HIDDEN_UNITS, activation="relu")(h)
        outputs = keras.layers.Dense(common.CLASSES, activation="softmax")(h)
        model = keras.Model(inputs=inputs, outputs=outputs)
        model.compile(loss=keras.losses.categorical_crossentropy,
                      optimizer=keras.optimizers.Adam(learning_rate=common.LEARNING_RATE),
                      metrics=[keras.metrics.categorical_accuracy])
        return model

    def train(batch_size: int, epochs: int):
        keras.utils.set_random_seed(args.seed)
        model = build()
        timer = EpochTimer(f"batch {batch_size}")
        model.fit(x_train, y_train_1h, batch_size=batch_size, epochs=epochs,
                  validation_split=common.VALIDATION_SPLIT, shuffle=True, verbose=0,
                  callbacks=[timer])
        return model, timer.seconds

    runs: dict[int, list[float]] = {}

    # The accuracy run, at the lesson's batch size.
    model, runs[1000] = train(1000, args.epochs)

    evaluate_seconds, (test_loss, test_accuracy) = common.best_of(
        3, lambda: model.evaluate(x_test, y_test_1h, batch_size=common.EVALUATE_BATCH_SIZE,
                                  verbose=0))
    common.log(f"[keras] test loss {test_loss:.4f} accuracy {test_accuracy:.4f} "
               f"(evaluate {evaluate_seconds:.3f}s, best of 3)")

    image = x_test[:1]
    predict_latency = common.latency_us(lambda: model.predict(image, verbose=0),
                                        args.latency_calls, args.latency_warmup)
    image_tensor = tf.constant(image)
    direct_latency = common.latency_us(lambda: model(image_tensor, training=False).numpy(),
                                       args.latency_calls, args.latency_warmup)
    common.log(f"[keras] predict latency {predict_latency} us, direct {direct_latency} us")
    del model

    if not args.skip_small_batches:
        for batch_size in common.BATCH_SIZES[1:]:
            _, runs[batch_size] = train(batch_size, args.small_batch_epochs)

    epoch_seconds, epoch_seconds_all = common.epoch_seconds_block(runs)
    backend = (f"{tensorflow_distribution()}, oneDNN {'on' if onednn_enabled() else 'off'}, "
               f"intra-op {tf.config.threading.get_intra_op_parallelism_threads()} / "
               f"inter-op {tf.config.threading.get_inter_op_parallelism_threads()} threads")
    common.emit({
        "system": "keras",
        "version": keras.__version__,
        "machine": common.machine(),
        "backend": backend,
        "threads": args.threads,
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
        "predict_note": "model.predict(x, verbose=0) on one image; direct: "
                        "model(x, training=False)",
        "latency_calls": args.latency_calls,
        "peak_rss_mb": common.peak_rss_mb(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "seed": args.seed,
    })


if __name__ == "__main__":
    main()
