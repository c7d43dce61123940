#!/usr/bin/env python3
# Reference output of Keras 3 `Model.summary()` and layer auto-naming.
#
# Versions used: Python 3.11.7, tensorflow-cpu 2.21.0, keras 3.15.1, numpy 2.4.6
# (rich as pulled in by keras).
#
# Run (venv outside the repository):
#   python3 -m venv /work/venv-keras
#   /work/venv-keras/bin/pip install tensorflow-cpu==2.21.0 numpy
#   CUDA_VISIBLE_DEVICES="" TF_CPP_MIN_LOG_LEVEL=2 \
#       /work/venv-keras/bin/python Scripts/reference/model_summary.py [section...]
#
# Sections (default: all): functional sequential convnet batchnorm reshape
#   shapes sizes compiled naming capture
# "sizes" prints keras.src.utils.summary_utils.readable_memory_size for the
# byte counts SummaryTests checks.
# Each section prints a "=== name ===" line and then whatever Keras itself
# writes to stdout for `model.summary()` (no print_fn, so Keras picks its
# own console width: COLUMNS if set, else the tty width, else 80).
# The "capture" section calls summary(print_fn=...) and prints repr() of
# the captured string, so the exact bytes are visible.
# Set COLUMNS=80/100/120 in the environment to see width dependence.
# Deterministic: no randomness affects the printed text.
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import keras
from keras import layers


def functional():
    input_layer = keras.Input(shape=(784,))
    h = layers.Dense(512, activation="relu")(input_layer)
    h = layers.Dense(512, activation="relu")(h)
    out_layer = layers.Dense(10, activation="softmax")(h)
    return keras.Model(inputs=[input_layer], outputs=[out_layer])


def sequential():
    return keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(512, activation="relu"),
        layers.Dense(512, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def convnet():
    # keras.io "Simple MNIST convnet"
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])


def batchnorm():
    return keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(64),
        layers.BatchNormalization(),
        layers.Activation("relu"),
        layers.Dense(10, activation="softmax"),
    ])


def reshape():
    inp = keras.Input(shape=(784,))
    x = layers.Reshape((28, 28, 1))(inp)
    x = layers.Conv2D(8, 3, padding="same", activation="relu")(x)
    x = layers.Flatten()(x)
    out = layers.Dense(10, activation="softmax")(x)
    return keras.Model(inp, out)


def shapes():
    # Only shape layers around one Dense, as SummaryTests "Rows of shape-only layers".
    inp = keras.Input(shape=(784,))
    x = layers.Reshape((28, 28, 1))(inp)
    x = layers.Flatten()(x)
    x = layers.Dense(64)(x)
    out = layers.Activation("relu")(x)
    return keras.Model(inp, out)


SIZES = [0, 512, 1023, 1024, 1_048_575, 1_048_576, 2_678_824, 5_357_660,
         1_073_741_824, 139_304, 204_584]


def header(name):
    sys.stdout.write(f"=== {name} ===\n")
    sys.stdout.flush()


def run(section):
    header(section)
    if section == "functional":
        functional().summary()
    elif section == "sequential":
        sequential().summary()
    elif section == "convnet":
        convnet().summary()
    elif section == "batchnorm":
        batchnorm().summary()
    elif section == "reshape":
        reshape().summary()
    elif section == "shapes":
        shapes().summary()
    elif section == "sizes":
        from keras.src.utils.summary_utils import readable_memory_size
        for n in SIZES:
            print(f"readable_memory_size({n}) = {readable_memory_size(n)!r}")
    elif section == "compiled":
        import numpy as np
        keras.utils.set_random_seed(0)
        m = functional()
        m.compile(optimizer="adam", loss="categorical_crossentropy",
                  metrics=["categorical_accuracy"])
        print("--- after compile, before fit ---", flush=True)
        m.summary()
        x = np.zeros((8, 784), dtype="float32")
        y = np.zeros((8, 10), dtype="float32")
        y[:, 0] = 1
        m.fit(x, y, batch_size=8, epochs=1, verbose=0)
        print("--- after fit ---", flush=True)
        m.summary()
        print("optimizer variables:", [(v.path, tuple(v.shape)) for v in
              m.optimizer.variables][:4], "...", len(m.optimizer.variables))
    elif section == "naming":
        keras.backend.clear_session()
        m1 = functional()
        print("model 1:", m1.name, [l.name for l in m1.layers], flush=True)
        m2 = functional()
        print("model 2:", m2.name, [l.name for l in m2.layers], flush=True)
        s = sequential()
        print("sequential:", s.name, [l.name for l in s.layers], flush=True)
        c = convnet()
        print("convnet:", c.name, [l.name for l in c.layers], flush=True)
        keras.backend.clear_session()
        m3 = functional()
        print("after clear_session:", m3.name, [l.name for l in m3.layers],
              flush=True)
        named = layers.Dense(3, name="my_dense")
        print("explicit name:", named.name, flush=True)
    elif section == "capture":
        keras.backend.clear_session()
        lines = []
        functional().summary(print_fn=lambda s, **kw: lines.append(s))
        print("print_fn called", len(lines), "time(s)")
        for s in lines:
            print(repr(s))
    else:
        raise SystemExit(f"unknown section {section}")


if __name__ == "__main__":
    sections = sys.argv[1:] or ["functional", "sequential", "convnet",
                                "batchnorm", "reshape", "shapes", "sizes",
                                "compiled", "naming", "capture"]
    for s in sections:
        keras.backend.clear_session()
        run(s)
