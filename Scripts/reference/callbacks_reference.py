#!/usr/bin/env python3
# Reference semantics of keras.callbacks.EarlyStopping and TerminateOnNaN.
#
# Versions used: Python 3.11.7, tensorflow-cpu 2.21.0, keras 3.15.1, numpy 2.4.6
#
# Run:
#   CUDA_VISIBLE_DEVICES="" TF_CPP_MIN_LOG_LEVEL=2 \
#     /work/venv-keras/bin/python Scripts/reference/callbacks_reference.py
# Prints: for each scripted scenario, the monitored sequence, the epochs
# that ran, EarlyStopping's state (stopped_epoch, best, best_epoch, wait),
# the epoch whose weights the model ends with, and the verbose messages
# (EarlyStopping(verbose=1) messages are printed by Keras itself).
# Then a TerminateOnNaN run (verbose=1 progress bar shown escaped).
# Deterministic: the monitored value is replaced by a scripted sequence
# (a callback placed before EarlyStopping overwrites logs[monitor]);
# weights move by plain SGD on literal data; the scripted "weight id" is
# the epoch whose end-of-epoch weights the model holds.
import io
import os
import re
import sys
import contextlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import keras
from keras import layers

X = np.linspace(-1, 1, 16, dtype="float32").reshape(16, 1)
Y = (3 * X + 1).astype("float32")


class Script(keras.callbacks.Callback):
    def __init__(self, key, seq):
        super().__init__()
        self.key, self.seq = key, seq
        self.snapshots = []

    def on_epoch_end(self, epoch, logs=None):
        logs[self.key] = self.seq[epoch]
        self.snapshots.append(self.model.get_weights()[0].copy())


def run(title, seq, epochs=None, key="val_loss", **es_kwargs):
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((1,)), layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse",
              metrics=["mae"])
    script = Script(key, seq)
    es = keras.callbacks.EarlyStopping(verbose=1, **es_kwargs)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        h = m.fit(X, Y, batch_size=16, epochs=epochs or len(seq),
                  validation_split=0.25, verbose=0, callbacks=[script, es])
    final = m.get_weights()[0]
    which = [i for i, s in enumerate(script.snapshots) if np.array_equal(s, final)]
    print(f"## {title}")
    print(f"   EarlyStopping({', '.join(f'{k}={v!r}' for k, v in es_kwargs.items())})")
    print(f"   monitored {key} per epoch (scripted): {seq}")
    print(f"   epochs run: {len(h.epoch)} (history.epoch={h.epoch})")
    print(f"   stopped_epoch={es.stopped_epoch} best={es.best} "
          f"best_epoch={es.best_epoch} wait={es.wait}")
    print(f"   final weights are those at the end of epoch index: {which}")
    for line in buf.getvalue().splitlines():
        print(f"   keras printed: {line!r}")


def main():
    print("EarlyStopping defaults:", {k: getattr(keras.callbacks.EarlyStopping(), k)
          for k in ("monitor", "min_delta", "patience", "verbose", "mode",
                    "baseline", "restore_best_weights", "start_from_epoch")})
    run("patience=0: stops at first non-improvement",
        [1.0, 0.9, 0.95, 0.8, 0.7], patience=0)
    run("patience=1: same as patience=0 (wait is incremented before the check)",
        [1.0, 0.9, 0.95, 0.8, 0.7], patience=1)
    run("patience=2", [1.0, 0.9, 0.95, 0.96, 0.7, 0.6], patience=2)
    run("patience=2, improvement resets wait",
        [1.0, 0.9, 0.95, 0.85, 0.9, 0.91, 0.5], patience=2)
    run("equal value is not an improvement (strict <)",
        [1.0, 1.0, 1.0], patience=1)
    run("min_delta=0.1: must improve by more than 0.1",
        [1.0, 0.95, 0.85, 0.7, 0.65], patience=1, min_delta=0.1)
    run("restore_best_weights=True, stops",
        [1.0, 0.5, 0.6, 0.7, 0.4], patience=2, restore_best_weights=True)
    run("restore_best_weights=True, completes all epochs without stopping",
        [1.0, 0.5, 0.6, 0.55, 0.52], patience=5, restore_best_weights=True)
    run("restore_best_weights=False, stops: weights are the last epoch's",
        [1.0, 0.5, 0.6, 0.7, 0.4], patience=2)
    run("start_from_epoch=2: epochs 0,1 ignored",
        [0.1, 0.2, 1.0, 1.1, 1.2, 0.1], patience=1, start_from_epoch=2)
    run("baseline=0.5, never beaten but keeps improving: no stop",
        [1.0, 0.9, 0.8, 0.7, 0.6, 0.55], patience=1, baseline=0.5)
    run("baseline=0.5, never beaten, then a non-improvement",
        [1.0, 0.9, 0.95, 0.7], patience=2, baseline=0.5)
    run("mode auto with monitor='val_mae' (direction down)",
        [1.0, 0.9, 0.95, 0.8], key="val_mae", monitor="val_mae", patience=0)
    run("mode='max' with monitor='val_loss'",
        [1.0, 1.1, 1.05, 1.2], mode="max", patience=0)

    # --- TerminateOnNaN ---------------------------------------------------
    print("## TerminateOnNaN")
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((1,)), layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    Xn = X.copy()
    Xn[9, 0] = np.nan  # sample 9 is in the 3rd batch of 4 (shuffle=False)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        h = m.fit(Xn, Y, batch_size=4, epochs=3, shuffle=False, verbose=1,
                  callbacks=[keras.callbacks.TerminateOnNaN()])
    for chunk in re.findall(r"[^\n]*\n|[^\n]+$", buf.getvalue()):
        print("   printed:", repr(chunk))
    print("   history:", h.history, "epochs run:", h.epoch)
    print("   weights after:", [w.tolist() for w in m.get_weights()])
    buf = io.StringIO()
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((1,)), layers.Dense(1)])
    m.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    with contextlib.redirect_stdout(buf):
        h = m.fit(Xn, Y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.TerminateOnNaN()])
    print("   verbose=0 printed:", repr(buf.getvalue()), "history:", h.history)
    try:
        m.fit(Xn, Y, batch_size=4, epochs=1, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.TerminateOnNaN(raise_error=True)])
    except RuntimeError as e:
        print("   raise_error=True ->", type(e).__name__ + ":", e)


if __name__ == "__main__":
    main()
