#!/usr/bin/env python3
# Reference behaviour of Keras 3 layers and initializers on literal inputs:
# Dropout scaling, BatchNormalization (training / inference, moving
# statistics, on features and on images), Max/AveragePooling2D with padding
# "same", Conv2D padding "same" split, on one channel and on several with
# bias and strides, Conv2D/Dense weight shapes and glorot_uniform limits.
#
# Versions used: Python 3.11.7, keras 3.15.1 with the jax backend (jax and
# jaxlib 0.10.2), numpy 2.4.6; the first line of the output repeats them.
# The sections before "images" were first run with the tensorflow backend
# (tensorflow-cpu 2.21.0). Their seeded draws (Dropout masks, glorot_uniform
# sample min/max) come from the backend's random generator and differ
# between backends; no test reads them.
#
# Run:
#   python3 -m venv /tmp/kvenv && /tmp/kvenv/bin/pip install keras "jax[cpu]"
#   KERAS_BACKEND=jax /tmp/kvenv/bin/python Scripts/reference/layers_reference.py
# Prints labelled results, 9 significant digits (which identify a float32).
# Deterministic: literal inputs and weights (`ramp` below, exact in float32);
# Dropout and initializers use seed=1.
import math
import os
import platform

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import keras
from keras import layers


def npy(t):
    """A backend tensor or variable as a numpy array."""
    return np.asarray(keras.ops.convert_to_numpy(t))


def ramp(count, multiplier, offset, modulus, scale):
    """`((multiplier i + offset) % modulus - (modulus - 1) / 2) / scale` for
    i = 0..<count, as float32: small integers over a power of two, exact in
    float32 and easy to rebuild in a test."""
    i = np.arange(count, dtype=np.int64)
    return (((multiplier * i + offset) % modulus - (modulus - 1) // 2) / scale).astype("float32")


def fmt(a):
    a = np.asarray(a)
    if a.ndim == 0:
        return format(float(a), ".9g")
    return "[" + ", ".join(fmt(x) for x in a) + "]"


def grid(label, a):
    a = np.asarray(a)
    print(label)
    for row in a:
        print("   ", fmt(row))


def versions():
    backend = keras.backend.backend()
    print("# Python", platform.python_version(), "keras", keras.__version__, "backend", backend,
          getattr(__import__(backend), "__version__", "?"), "numpy", np.__version__)


def images():
    """Conv2D, pooling and BatchNormalization on several channels and images,
    with values that are not integers; the tests rebuild every input with
    `ramp`. Outputs print one line per output row, each line the channels of
    every column in turn ([OW * C] values)."""
    print("--- images: Conv2D, pooling and BatchNormalization on [N, H, W, C] ---")

    def show(label, y):
        y = np.asarray(y)
        print(label, "-> shape", tuple(y.shape))
        for image in y:
            for row in image:
                print("   ", fmt(row.reshape(-1)))

    # Conv2D "same", stride 1, 2 channels, bias.
    x = ramp(1 * 4 * 5 * 2, 37, 11, 101, 64).reshape(1, 4, 5, 2)
    k = ramp(3 * 3 * 2 * 3, 13, 5, 29, 32).reshape(3, 3, 2, 3)
    b = np.array([0.25, -0.5, 0.125], "float32")
    conv = layers.Conv2D(3, 3, padding="same")
    conv.build(x.shape)
    conv.set_weights([k, b])
    show("Conv2D(3, 3, padding='same') x = ramp(40, 37, 11, 101, 64) [1, 4, 5, 2], "
         "kernel = ramp(54, 13, 5, 29, 32) [3, 3, 2, 3], bias [0.25, -0.5, 0.125]", npy(conv(x)))

    # Conv2D "same", strides 2, tanh: padding 1 at the top and bottom, 0 left and 1 right.
    x = ramp(1 * 5 * 6 * 2, 37, 11, 101, 64).reshape(1, 5, 6, 2)
    k = ramp(3 * 3 * 2 * 2, 13, 5, 29, 32).reshape(3, 3, 2, 2)
    b = np.array([0.25, -0.125], "float32")
    conv = layers.Conv2D(2, 3, strides=2, padding="same", activation="tanh")
    conv.build(x.shape)
    conv.set_weights([k, b])
    show("Conv2D(2, 3, strides=2, padding='same', activation='tanh') x = ramp(60, 37, 11, 101, 64) "
         "[1, 5, 6, 2], kernel = ramp(36, 13, 5, 29, 32) [3, 3, 2, 2], bias [0.25, -0.125]", npy(conv(x)))

    # Conv2D "same", kernel (2, 3), strides (2, 1), no bias, two images.
    x = ramp(2 * 5 * 4 * 1, 37, 11, 101, 64).reshape(2, 5, 4, 1)
    k = ramp(2 * 3 * 1 * 2, 13, 5, 29, 32).reshape(2, 3, 1, 2)
    conv = layers.Conv2D(2, (2, 3), strides=(2, 1), padding="same", use_bias=False)
    conv.build(x.shape)
    conv.set_weights([k])
    show("Conv2D(2, (2, 3), strides=(2, 1), padding='same', use_bias=False) x = ramp(40, 37, 11, 101, 64) "
         "[2, 5, 4, 1], kernel = ramp(12, 13, 5, 29, 32) [2, 3, 1, 2]", npy(conv(x)))

    # Pooling "same": 3x3 windows with strides 2, and (2, 3) windows with strides (1, 2).
    x = ramp(1 * 5 * 6 * 2, 37, 11, 101, 64).reshape(1, 5, 6, 2)
    for cls in (layers.MaxPooling2D, layers.AveragePooling2D):
        show(f"{cls.__name__}(3, strides=2, padding='same') x = ramp(60, 37, 11, 101, 64) [1, 5, 6, 2]",
             npy(cls(3, strides=2, padding="same")(x)))
        show(f"{cls.__name__}((2, 3), strides=(1, 2), padding='same') x = ramp(60, 37, 11, 101, 64) [1, 5, 6, 2]",
             npy(cls((2, 3), strides=(1, 2), padding="same")(x)))

    # BatchNormalization on images: statistics per channel over N, H and W.
    first = ramp(2 * 2 * 3 * 2, 37, 11, 101, 16).reshape(2, 2, 3, 2)
    second = ramp(2 * 2 * 3 * 2, 41, 7, 101, 16).reshape(2, 2, 3, 2)
    bn = layers.BatchNormalization(momentum=0.9, epsilon=0.01)
    bn.build(first.shape)
    bn.set_weights([np.array(v, "float32") for v in ([1.5, 0.5], [0.25, -0.75], [0.5, -1], [2, 0.25])])
    print("BatchNormalization(momentum=0.9, epsilon=0.01) gamma [1.5, 0.5], beta [0.25, -0.75], "
          "moving_mean [0.5, -1], moving_variance [2, 0.25]")
    show("  training=True on first = ramp(24, 37, 11, 101, 16) [2, 2, 3, 2]", npy(bn(first, training=True)))
    print("  moving_mean after 1 step    ", fmt(npy(bn.moving_mean)))
    print("  moving_variance after 1 step", fmt(npy(bn.moving_variance)))
    show("  training=True on second = ramp(24, 41, 7, 101, 16) [2, 2, 3, 2]", npy(bn(second, training=True)))
    print("  moving_mean after 2 steps    ", fmt(npy(bn.moving_mean)))
    print("  moving_variance after 2 steps", fmt(npy(bn.moving_variance)))
    show("  training=False on first (moving statistics)", npy(bn(first, training=False)))


def main():
    versions()
    keras.utils.set_random_seed(1)
    # --- Dropout --------------------------------------------------------
    x = np.arange(1, 11, dtype="float32").reshape(1, 10)
    d = layers.Dropout(0.5, seed=1)
    print("Dropout(0.5) input           ", fmt(x[0]))
    print("Dropout(0.5) training=True   ", fmt(npy(d(x, training=True))[0]))
    print("Dropout(0.5) training=False  ", fmt(npy(d(x, training=False))[0]))
    d = layers.Dropout(0.2, seed=1)
    print("Dropout(0.2) training=True   ", fmt(npy(d(x, training=True))[0]),
          "(kept values scaled by 1/(1-0.2) = 1.25)")
    big = np.ones((1, 100000), "float32")
    kept = (npy(layers.Dropout(0.3, seed=1)(big, training=True)) != 0).mean()
    print("Dropout(0.3) kept fraction over 100000 ones:", fmt(kept),
          "(independent Bernoulli per element, not an exact count)")

    # --- BatchNormalization --------------------------------------------
    bn = layers.BatchNormalization()
    xb = np.array([[1.0, 10.0], [2.0, 20.0], [4.0, 60.0], [5.0, 10.0]], "float32")
    bn.build(xb.shape)
    cfg = bn.get_config()
    print("BatchNormalization defaults:", {k: cfg[k] for k in
          ("axis", "momentum", "epsilon", "center", "scale",
           "beta_initializer", "gamma_initializer",
           "moving_mean_initializer", "moving_variance_initializer")})
    print("BN weights:", [(w.path, tuple(w.shape), w.trainable) for w in bn.weights])
    grid("BN input (batch 4, 2 features)", xb)
    mean = xb.mean(0)
    var_b = xb.var(0)
    var_u = xb.var(0, ddof=1)
    print("batch mean", fmt(mean), "biased var", fmt(var_b), "unbiased var", fmt(var_u))
    yt = npy(bn(xb, training=True))
    grid("BN training=True output", yt)
    grid("  (x-mean)/sqrt(biased var + 1e-3)", (xb - mean) / np.sqrt(var_b + 1e-3))
    print("moving_mean after 1 step    ", fmt(npy(bn.moving_mean)),
          " expected 0*0.99 + mean*0.01 =", fmt(mean * 0.01))
    print("moving_variance after 1 step", fmt(npy(bn.moving_variance)),
          " expected 1*0.99 + biased_var*0.01 =", fmt(0.99 + var_b * 0.01),
          " (unbiased would give", fmt(0.99 + var_u * 0.01) + ")")
    yi = npy(bn(xb, training=False))
    grid("BN training=False output (uses moving stats)", yi)
    grid("  (x-moving_mean)/sqrt(moving_var + 1e-3)",
         (xb - npy(bn.moving_mean)) / np.sqrt(npy(bn.moving_variance) + 1e-3))

    # --- Pooling with padding "same" -----------------------------------
    img = np.arange(1, 26, dtype="float32").reshape(1, 5, 5, 1)
    grid("5x5 input (1..25)", img[0, :, :, 0])
    for cls in (layers.MaxPooling2D, layers.AveragePooling2D):
        for pad in ("valid", "same"):
            out = npy(cls(pool_size=2, padding=pad)(img))[0, :, :, 0]
            grid(f"{cls.__name__}(pool_size=2, strides=None->2, padding={pad!r}) "
                 f"-> {out.shape}", out)
    out = npy(layers.AveragePooling2D(pool_size=3, strides=1, padding="same")(img))[0, :, :, 0]
    grid("AveragePooling2D(3, strides=1, padding='same')", out)
    print("  corner (0,0) = mean(1,2,6,7) =", fmt(np.mean([1, 2, 6, 7])),
          "-> padded cells are excluded from the count")
    neg = -np.arange(1, 10, dtype="float32").reshape(1, 3, 3, 1)
    grid("MaxPooling2D(2, padding='same') on -1..-9 (3x3): padding never wins",
         npy(layers.MaxPooling2D(2, padding="same")(neg))[0, :, :, 0])

    # --- Conv2D padding "same" split ----------------------------------
    # Kernel 2x2 of [[1,10],[100,1000]] makes the output reveal which
    # neighbours were used: out = 1*x[i,j] + 10*x[i,j+1] + 100*x[i+1,j] + 1000*x[i+1,j+1]
    x3 = np.arange(1, 10, dtype="float32").reshape(1, 3, 3, 1)
    conv = layers.Conv2D(1, 2, padding="same", use_bias=False)
    conv.build(x3.shape)
    conv.set_weights([np.array([[1.0, 10.0], [100.0, 1000.0]], "float32").reshape(2, 2, 1, 1)])
    grid("3x3 input (1..9)", x3[0, :, :, 0])
    grid("Conv2D(1, 2x2 kernel [[1,10],[100,1000]], padding='same') output",
         npy(conv(x3))[0, :, :, 0])
    print("  -> (0,0) = 1*1+10*2+100*4+1000*5 = 5421: no padding before; the "
          "single pad row/column is at bottom/right")
    x4 = np.arange(1, 17, dtype="float32").reshape(1, 4, 4, 1)
    conv3 = layers.Conv2D(1, 3, strides=2, padding="same", use_bias=False)
    conv3.build(x4.shape)
    k3 = np.zeros((3, 3), "float32")
    k3[1, 1] = 1.0  # centre tap: shows which input cell is at each window centre
    conv3.set_weights([k3.reshape(3, 3, 1, 1)])
    grid("4x4 input (1..16)", x4[0, :, :, 0])
    grid("Conv2D(1, 3x3 centre-tap, strides=2, padding='same') output",
         npy(conv3(x4))[0, :, :, 0])
    print("  out = ceil(4/2) = 2; pad_total = max((2-1)*2 + 3 - 4, 0) = 1; "
          "pad_top = pad_total // 2 = 0, pad_bottom = 1")
    conv3b = layers.Conv2D(1, 3, strides=1, padding="same", use_bias=False)
    conv3b.build(x4.shape)
    conv3b.set_weights([np.ones((3, 3, 1, 1), "float32")])
    grid("Conv2D(1, 3x3 ones, strides=1, padding='same') output (zero padding 1 each side)",
         npy(conv3b(x4))[0, :, :, 0])

    images()

    # --- weight shapes, fans and glorot_uniform --------------------------
    c = layers.Conv2D(32, 3)
    c.build((None, 28, 28, 1))
    print("Conv2D(32, 3) on (28,28,1): kernel", tuple(c.kernel.shape),
          "bias", tuple(c.bias.shape), "bias all zero:", bool((npy(c.bias) == 0).all()))
    c2 = layers.Conv2D(64, 3)
    c2.build((None, 13, 13, 32))
    print("Conv2D(64, 3) on (13,13,32): kernel", tuple(c2.kernel.shape))
    dn = layers.Dense(512)
    dn.build((None, 784))
    print("Dense(512) on 784: kernel", tuple(dn.kernel.shape), "bias",
          tuple(dn.bias.shape), "bias all zero:", bool((npy(dn.bias) == 0).all()))
    from keras.src.initializers.random_initializers import compute_fans
    for shape in [(784, 512), (512, 10), (3, 3, 1, 32), (3, 3, 32, 64), (5, 7)]:
        fi, fo = compute_fans(shape)
        limit = math.sqrt(6.0 / (fi + fo))
        w = npy(keras.initializers.GlorotUniform(seed=1)(shape))
        print(f"glorot_uniform shape {shape}: fan_in {fi}, fan_out {fo}, "
              f"limit sqrt(6/(fan_in+fan_out)) = {limit:.9g}; sample min "
              f"{w.min():.9g} max {w.max():.9g} mean {w.mean():.3g}")
    print("Dense defaults:", {k: layers.Dense(3).get_config()[k] for k in
          ("kernel_initializer", "bias_initializer", "use_bias", "activation")})
    print("Conv2D defaults:", {k: layers.Conv2D(3, 3).get_config()[k] for k in
          ("strides", "padding", "data_format", "dilation_rate",
           "kernel_initializer", "bias_initializer", "activation")})
    print("MaxPooling2D defaults:", {k: layers.MaxPooling2D().get_config()[k]
          for k in ("pool_size", "strides", "padding")})


if __name__ == "__main__":
    main()
