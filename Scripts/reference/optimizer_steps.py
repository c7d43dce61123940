#!/usr/bin/env python3
# Two update steps of Keras 3 optimizers on a fixed weight vector with a
# fixed gradient, using Keras's own `optimizer.apply_gradients`, next to a
# float32 numpy re-implementation of the update rules read from
# keras/src/optimizers/{adam,sgd,rmsprop}.py (to confirm the formulas).
#
# Versions used: Python 3.11.7, tensorflow-cpu 2.21.0, keras 3.15.1, numpy 2.4.6
#
# Run:
#   CUDA_VISIBLE_DEVICES="" TF_CPP_MIN_LOG_LEVEL=2 \
#     /work/venv-keras/bin/python Scripts/reference/optimizer_steps.py
# Prints, per optimizer configuration: the Keras weights after step 1 and
# step 2 (9 significant digits, float32 values), then "formula" lines from
# the numpy re-implementation and the max abs difference.
# Deterministic: literal weights and gradients (same gradient at both steps).
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import keras

W0 = np.array([1.0, -2.0, 0.5, 3.0], dtype="float32")
G = np.array([0.1, -0.2, 0.5, 1e-4], dtype="float32")
f32 = np.float32


def fmt(v):
    return "[" + ", ".join(format(float(x), ".9g") for x in v) + "]"


def keras_steps(opt):
    var = keras.Variable(W0.copy(), dtype="float32", name="w")
    out = []
    for _ in range(2):
        opt.apply_gradients([(keras.ops.convert_to_tensor(G), var)])
        out.append(np.array(var.numpy()))
    return out


def adam_ref(lr, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False):
    w, m, v, vhat = W0.copy(), np.zeros(4, f32), np.zeros(4, f32), np.zeros(4, f32)
    out = []
    for t in (1, 2):
        alpha = f32(lr) * np.sqrt(f32(1) - f32(b2) ** f32(t)) / (f32(1) - f32(b1) ** f32(t))
        m = m + (G - m) * f32(1 - b1)
        v = v + (G * G - v) * f32(1 - b2)
        vv = v
        if amsgrad:
            vhat = np.maximum(vhat, v)
            vv = vhat
        w = w - (m * alpha) / (np.sqrt(vv) + f32(eps))
        out.append(w.copy())
    return out


def sgd_ref(lr, momentum=0.0, nesterov=False):
    w, m = W0.copy(), np.zeros(4, f32)
    out = []
    for _ in (1, 2):
        if momentum:
            m = m * f32(momentum) - G * f32(lr)
            if nesterov:
                w = w + (m * f32(momentum) - G * f32(lr))
            else:
                w = w + m
        else:
            w = w - G * f32(lr)
        out.append(w.copy())
    return out


def rmsprop_ref(lr, rho=0.9, momentum=0.0, eps=1e-7, centered=False):
    w, v, mom, ag = W0.copy(), np.zeros(4, f32), np.zeros(4, f32), np.zeros(4, f32)
    out = []
    for _ in (1, 2):
        v = f32(rho) * v + f32(1 - rho) * (G * G)
        if centered:
            ag = f32(rho) * ag + f32(1 - rho) * G
            den = v - ag * ag + f32(eps)
        else:
            den = v + f32(eps)
        inc = f32(lr) * G / np.sqrt(den)
        if momentum > 0:
            mom = f32(momentum) * mom + inc
            w = w - mom
        else:
            w = w - inc
        out.append(w.copy())
    return out


CASES = [
    ("Adam(learning_rate=0.001)", lambda: keras.optimizers.Adam(0.001), lambda: adam_ref(0.001)),
    ("Adam(learning_rate=0.5)", lambda: keras.optimizers.Adam(0.5), lambda: adam_ref(0.5)),
    ("Adam(learning_rate=0.001, amsgrad=True)", lambda: keras.optimizers.Adam(0.001, amsgrad=True), lambda: adam_ref(0.001, amsgrad=True)),
    ("SGD(learning_rate=0.1)", lambda: keras.optimizers.SGD(0.1), lambda: sgd_ref(0.1)),
    ("SGD(learning_rate=0.1, momentum=0.9)", lambda: keras.optimizers.SGD(0.1, momentum=0.9), lambda: sgd_ref(0.1, 0.9)),
    ("SGD(learning_rate=0.1, momentum=0.9, nesterov=True)", lambda: keras.optimizers.SGD(0.1, momentum=0.9, nesterov=True), lambda: sgd_ref(0.1, 0.9, True)),
    ("RMSprop(learning_rate=0.01)", lambda: keras.optimizers.RMSprop(0.01), lambda: rmsprop_ref(0.01)),
    ("RMSprop(learning_rate=0.01, momentum=0.9)", lambda: keras.optimizers.RMSprop(0.01, momentum=0.9), lambda: rmsprop_ref(0.01, momentum=0.9)),
    ("RMSprop(learning_rate=0.01, centered=True)", lambda: keras.optimizers.RMSprop(0.01, centered=True), lambda: rmsprop_ref(0.01, centered=True)),
]

if __name__ == "__main__":
    print("w0  =", fmt(W0))
    print("grad=", fmt(G), "(same gradient at both steps)")
    for name, make, ref in CASES:
        opt = make()
        ks = keras_steps(opt)
        rs = ref()
        print(f"{name}")
        print("  step 1:", fmt(ks[0]))
        print("  step 2:", fmt(ks[1]))
        print("  formula step 1:", fmt(rs[0]))
        print("  formula step 2:", fmt(rs[1]))
        print("  max |keras - formula| =", format(float(max(np.abs(ks[0] - rs[0]).max(), np.abs(ks[1] - rs[1]).max())), ".3g"),
              " iterations =", int(opt.iterations.numpy()))
    o = keras.optimizers.Adam()
    print("defaults Adam:", {k: o.get_config()[k] for k in ("learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad")})
    o = keras.optimizers.SGD()
    print("defaults SGD:", {k: o.get_config()[k] for k in ("learning_rate", "momentum", "nesterov")})
    o = keras.optimizers.RMSprop()
    print("defaults RMSprop:", {k: o.get_config()[k] for k in ("learning_rate", "rho", "momentum", "epsilon", "centered")})
    print("keras.config.epsilon() =", keras.config.epsilon())
