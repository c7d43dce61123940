#!/usr/bin/env python3
# Checks of Keras 3 `fit` bookkeeping: validation_split rule, how the epoch
# loss/metrics are averaged over batches (incl. a partial last batch),
# History keys and their order, and the order of metrics in the logs.
#
# Versions used: Python 3.11.7, tensorflow-cpu 2.21.0, keras 3.15.1, numpy 2.4.6
#
# Run:
#   CUDA_VISIBLE_DEVICES="" TF_CPP_MIN_LOG_LEVEL=2 \
#     /work/venv-keras/bin/python Scripts/reference/fit_semantics.py
# Prints labelled lines ("split:", "avg:", "keys:", "batchlogs:") with
# values at 9 significant digits. Deterministic: literal inputs, literal
# weights, SGD(learning_rate=0) so weights never change, fixed seed.
import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import keras
from keras import layers

keras.utils.set_random_seed(7)


def g(v):
    return format(float(v), ".9g")


# --- validation_split rule --------------------------------------------------
for n, s in [(10, 0.2), (10, 0.25), (10, 0.3), (7, 0.5), (6000, 0.2),
             (60000, 0.1), (3, 0.7)]:
    split_at = int(math.floor(n * (1.0 - s)))
    print(f"split: n={n} validation_split={s} -> train {split_at}, "
          f"val {n - split_at}")

# A model that outputs 0 for any input; MSE vs y = sample index, so the
# val_loss tells exactly which samples were used for validation.
x = np.arange(10, dtype="float32").reshape(10, 1)
y = np.arange(10, dtype="float32").reshape(10, 1)
m = keras.Sequential([keras.Input((1,)),
                      layers.Dense(1, kernel_initializer="zeros")])
m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
h = m.fit(x, y, batch_size=4, epochs=2, validation_split=0.2, verbose=0,
          shuffle=True)
print("split: val_loss", [g(v) for v in h.history["val_loss"]],
      "expected mean(8^2, 9^2) =", g((64 + 81) / 2))
print("split: loss", [g(v) for v in h.history["loss"]],
      "expected mean(0..7 squared) =", g(np.mean(np.arange(8) ** 2)))

# --- epoch averaging with a partial batch ----------------------------------
# 10 samples, batch_size 4 -> batches of 4, 4, 2 (last partial batch kept).
x = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.3], [0.5, 0.1], [0.9, 0.9],
              [0.2, 0.7], [0.6, 0.4], [0.4, 0.8], [0.7, 0.1], [0.05, 0.6]],
             dtype="float32")
labels = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1])
y = keras.utils.to_categorical(labels, 2)
W = np.array([[1.5, -1.0], [-0.5, 2.0]], dtype="float32")
b = np.array([0.1, -0.1], dtype="float32")
m = keras.Sequential([keras.Input((2,)), layers.Dense(2, activation="softmax")])
m.layers[0].set_weights([W, b])
m.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0),
          loss="categorical_crossentropy", metrics=["categorical_accuracy"])


class BatchLogs(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        print("batchlogs: batch", batch, {k: g(v) for k, v in logs.items()})

    def on_epoch_end(self, epoch, logs=None):
        print("batchlogs: epoch_end", epoch, {k: g(v) for k, v in logs.items()})


h = m.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0,
          callbacks=[BatchLogs()])
p = x @ W + b
p = np.exp(p - p.max(1, keepdims=True))
p = p / p.sum(1, keepdims=True)
per_sample = -np.log(np.clip(p[np.arange(10), labels], 1e-7, 1 - 1e-7))
batches = [slice(0, 4), slice(4, 8), slice(8, 10)]
batch_means = [per_sample[s].mean() for s in batches]
print("avg: per-batch mean losses", [g(v) for v in batch_means])
print("avg: history loss", g(h.history["loss"][0]))
print("avg: sample-weighted mean (= mean over all 10 samples)",
      g(per_sample.mean()))
print("avg: unweighted mean of batch means", g(np.mean(batch_means)))
correct = (p.argmax(1) == labels).astype(float)
print("avg: history categorical_accuracy",
      g(h.history["categorical_accuracy"][0]),
      "mean over samples", g(correct.mean()),
      "unweighted mean of batch accuracies",
      g(np.mean([correct[s].mean() for s in batches])))
for k in range(1, 4):
    seen = [0, 4, 8, 10][k]
    print(f"avg: running loss after batch {k - 1}:",
          g(per_sample[:seen].mean()))

# --- History keys and ordering ----------------------------------------------
for metrics in (["categorical_accuracy"], ["accuracy"],
                ["categorical_accuracy", "accuracy"], [],
                ["mse", "accuracy", "categorical_accuracy"]):
    m = keras.Sequential([keras.Input((2,)),
                          layers.Dense(2, activation="softmax")])
    m.compile(optimizer="adam", loss="categorical_crossentropy",
              metrics=metrics)
    h = m.fit(x, y, batch_size=4, epochs=1, validation_split=0.2, verbose=0)
    print("keys: metrics=", metrics, "->", list(h.history.keys()))
    r = m.evaluate(x, y, verbose=0, return_dict=True)
    print("keys: evaluate return_dict order", list(r.keys()),
          "| metrics_names", m.metrics_names,
          "| evaluate list =", "[loss, *compile metrics]" if
          np.size(m.evaluate(x, y, verbose=0)) == 1 + len(metrics) else "?")
print("keys: evaluate(verbose=2) of the last model, Keras's own line follows:",
      flush=True)
m.evaluate(x, y, verbose=2)
