#!/usr/bin/env python3
# ONNX import fixtures from Keras 3: the lesson's MLP (784 -> 512 relu -> 512 relu -> 10
# softmax) and Keras's "Simple MNIST convnet" (keras.io/examples/vision/mnist_convnet, NHWC).
# Each is trained briefly (1 epoch, Adam 0.001, on the first 5,000 training images, seeded)
# so its weights are not an initializer's draw, exported with
# model.export(path, format="onnx"), checked with onnx.checker (full_check) and ONNX Runtime,
# and written with Keras's softmax outputs on the first 100 test images (x/255, float32).
#
# Keras's ONNX export goes through its backend. These fixtures use tensorflow, Keras's
# default backend, whose export calls tf2onnx (at tf2onnx's default opset, 15). The other
# two were tried, offline from PyPI, and set aside:
# - jax with jax2onnx 0.17.1 writes each MaxPooling2D as Unsqueeze, a MaxPool with a 4-D
#   kernel [1, 2, 2, 1] over a 6-D tensor, and Squeeze; onnx.checker accepts it but ONNX
#   Runtime 1.32.0 refuses to run it ("Unsupported pooling size");
# - torch (2.15.0): a dynamic batch sends the export to the TorchScript exporter, which
#   puts a float-to-float Cast around nearly every op (22 nodes for the MLP's 9).
#
# Versions used: Python 3.11.7, keras 3.15.1 with the tensorflow backend (tensorflow-cpu
# 2.21.0), tf2onnx 1.17.0, onnx 1.23.2, onnxruntime 1.32.0, numpy 2.4.6, protobuf 7.36.2;
# every JSON written repeats them.
#
# Run:
#   python3 -m venv /tmp/onnxtfvenv
#   /tmp/onnxtfvenv/bin/pip install keras==3.15.1 tensorflow-cpu tf2onnx onnx onnxruntime
#   KERAS_BACKEND=tensorflow /tmp/onnxtfvenv/bin/python Scripts/reference/onnx_fixtures_keras.py
# Writes Tests/PerceptronONNXTests/Fixtures/keras_{mlp,convnet}.{onnx,json}.
import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import onnx
import onnxruntime
import keras
from keras import layers

sys.path.insert(0, str(Path(__file__).resolve().parent))
from onnx_fixtures_common import FIRST, FIXTURES, check_onnx, load_split, versions_of, write_outputs

SEED = 1
TRAIN_IMAGES = 5000


def mlp() -> keras.Model:
    """The lesson's MLP; x: [N, 784] -> probabilities [N, 10]."""
    return keras.Sequential([
        keras.Input(shape=(784,)),
        layers.Dense(512, activation="relu"),
        layers.Dense(512, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ], name="mlp")


def convnet() -> keras.Model:
    """Keras's "Simple MNIST convnet"; x: [N, 28, 28, 1] -> probabilities [N, 10]."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ], name="convnet")


def main() -> None:
    keras.utils.set_random_seed(SEED)
    x_train, y_train = load_split("train")
    x_test, _ = load_split("test")
    x_train, y_train = x_train[:TRAIN_IMAGES], y_train[:TRAIN_IMAGES]
    backend = keras.backend.backend()
    modules = [keras, onnx, onnxruntime, np]
    if backend == "jax":
        import jax
        import jax2onnx
        modules += [jax, jax2onnx]
    elif backend == "tensorflow":
        import tensorflow
        import tf2onnx
        modules += [tensorflow, tf2onnx]
    elif backend == "torch":
        import torch
        modules += [torch]
    versions = versions_of(*modules)
    versions["keras_backend"] = backend
    FIXTURES.mkdir(parents=True, exist_ok=True)
    print(f"versions: {versions}")

    cases = [
        ("keras_mlp", mlp(), (784,), 100),
        ("keras_convnet", convnet(), (28, 28, 1), 128),
    ]
    for name, model, shape, batch_size in cases:
        model.compile(loss="sparse_categorical_crossentropy", optimizer=keras.optimizers.Adam(0.001))
        model.fit(x_train.reshape((-1,) + shape), y_train, batch_size=batch_size, epochs=1, verbose=0)
        x = np.ascontiguousarray(x_test[:FIRST].reshape((-1,) + shape))
        expected = np.asarray(model.predict(x, batch_size=FIRST, verbose=0), dtype=np.float32)
        path = FIXTURES / f"{name}.onnx"
        model.export(str(path), format="onnx", verbose=False)
        check_onnx(path, x, expected)
        write_outputs(FIXTURES / f"{name}.json", f"Keras {keras.__version__} ({backend} backend), "
                      f"{model.name} trained 1 epoch on the first {TRAIN_IMAGES} training images, seed {SEED}",
                      versions, list(x.shape), expected)


if __name__ == "__main__":
    main()
