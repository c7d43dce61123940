#!/usr/bin/env python3
"""Keras 3 (TensorFlow CPU backend) running Keras's "Simple MNIST convnet" example, timed.

The model (keras.io/examples/vision/mnist_convnet): Input (28, 28, 1) -> Conv2D(32, 3, relu)
-> MaxPooling2D(2) -> Conv2D(64, 3, relu) -> MaxPooling2D(2) -> Flatten -> Dropout(0.5)
-> Dense(10, softmax); categorical cross-entropy, Adam (Keras defaults), accuracy;
fit(batch_size=128, epochs=15, validation_split=0.1) on pixels / 255 -- the same job as
`perceptron train --arch cnn`.

Measured: seconds per epoch (on_epoch_begin to on_epoch_end, validation included; the
median with the first epoch left out), test loss and accuracy (evaluate at batch 1000),
peak resident memory. Prints one JSON object on stdout; progress goes to stderr.

    python Benchmarks/peers/keras_cnn.py [--epochs 15] [--threads N] [--seed 1234]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description="Keras MNIST convnet peer of `perceptron train --arch cnn`")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=common.default_threads())
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2 (the first epoch is left out of the median)")

    import tensorflow as tf
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    import keras

    x_train, y_train, x_test, y_test = common.load_mnist()
    x_train = x_train.reshape(-1, 28, 28, 1)
    x_test = x_test.reshape(-1, 28, 28, 1)
    y_train_1h = common.one_hot(y_train)
    y_test_1h = common.one_hot(y_test)

    keras.utils.set_random_seed(args.seed)
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        keras.layers.MaxPooling2D(pool_size=(2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])

    seconds: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.t0)
            logs = logs or {}
            common.log(f"[keras cnn] epoch {epoch + 1}/{args.epochs}: {seconds[-1]:.2f}s "
                       f"loss {logs.get('loss', float('nan')):.4f} val_accuracy {logs.get('val_accuracy', float('nan')):.4f}")

    model.fit(x_train, y_train_1h, batch_size=args.batch_size, epochs=args.epochs, validation_split=0.1,
              verbose=0, callbacks=[EpochTimer()])
    test_loss, test_accuracy = model.evaluate(x_test, y_test_1h, batch_size=1000, verbose=0)
    common.emit({
        "system": "keras",
        "model": "mnist_convnet",
        "version": keras.__version__,
        "machine": common.machine(),
        "threads": args.threads,
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
