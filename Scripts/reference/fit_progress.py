#!/usr/bin/env python3
# Reference output of Keras 3 `fit` / `evaluate` progress display (Progbar)
# and the History object, on a shortened version of the lesson's MNIST job.
#
# Versions used: Python 3.11.7, tensorflow-cpu 2.21.0, keras 3.15.1, numpy 2.4.6
#
# Run (venv outside the repository):
#   CUDA_VISIBLE_DEVICES="" TF_CPP_MIN_LOG_LEVEL=2 \
#     /work/venv-keras/bin/python Scripts/reference/fit_progress.py VERBOSE [METRIC]
#   VERBOSE: 1 or 2 (verbose of fit and evaluate); METRIC: categorical_accuracy
#   (default) or accuracy.
# To see the bytes when stdout is a pipe:   ... | python3 -c 'import sys; [print(repr(l)) for l in sys.stdin.buffer.read().decode().splitlines(True)]'
# To see them under a terminal:             python3 Scripts/reference/tty_capture.py --no-onlcr -- <command above>
#
# Data: MNIST IDX gz files in /work/shared/data/mnist (override with MNIST_DIR).
# Job: first 6,000 training images, pixels /255 as float32, one-hot labels,
# Functional 784-512(relu)-512(relu)-10(softmax), Adam() defaults,
# categorical_crossentropy, fit(epochs=2, batch_size=1000,
# validation_split=0.2), then evaluate on the 10,000 test images with the
# default batch size (32 -> 313 steps).
# Prints (after Keras's own progress output): "### history keys", the
# History dict, "### evaluate result".
# Seeds: keras.utils.set_random_seed(1234). Times vary run to run; the
# numbers depend on thread scheduling only in the last digits.
import gzip
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import keras
from keras import layers

MNIST_DIR = os.environ.get("MNIST_DIR", "/work/shared/data/mnist")


def read_idx(name):
    with gzip.open(os.path.join(MNIST_DIR, name), "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    verbose = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    metric = sys.argv[2] if len(sys.argv) > 2 else "categorical_accuracy"
    keras.utils.set_random_seed(1234)
    x_train = read_idx("train-images-idx3-ubyte.gz")[:6000].reshape(-1, 784)
    y_train = read_idx("train-labels-idx1-ubyte.gz")[:6000]
    x_test = read_idx("t10k-images-idx3-ubyte.gz").reshape(-1, 784)
    y_test = read_idx("t10k-labels-idx1-ubyte.gz")
    x_train = x_train.astype("float32") / 255
    x_test = x_test.astype("float32") / 255
    y_train = keras.utils.to_categorical(y_train, 10)
    y_test = keras.utils.to_categorical(y_test, 10)

    input_layer = keras.Input(shape=(784,))
    h = layers.Dense(512, activation="relu")(input_layer)
    h = layers.Dense(512, activation="relu")(h)
    out_layer = layers.Dense(10, activation="softmax")(h)
    model = keras.Model(inputs=[input_layer], outputs=[out_layer])
    model.compile(optimizer=keras.optimizers.Adam(),
                  loss="categorical_crossentropy", metrics=[metric])
    history = model.fit(x_train, y_train, epochs=2, batch_size=1000,
                        validation_split=0.2, verbose=verbose)
    sys.stdout.flush()
    print("### history keys", list(history.history.keys()))
    print("### history", {k: [float(v) for v in vs]
                          for k, vs in history.history.items()})
    print("### history.params", history.params)
    print("### history.epoch", history.epoch, flush=True)
    result = model.evaluate(x_test, y_test, verbose=verbose)
    sys.stdout.flush()
    print("### evaluate result", result)
    print("### metrics_names", model.metrics_names, flush=True)
    res = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    print("### evaluate return_dict", res, flush=True)


if __name__ == "__main__":
    main()
