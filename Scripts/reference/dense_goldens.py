#!/usr/bin/env python3
# Golden forward/backward values of Keras 3 for a small dense network and
# for the loss, metric and activation functions, on literal inputs.
#
# Versions used: Python 3.11.7, tensorflow-cpu 2.21.0, keras 3.15.1, numpy 2.4.6
#
# Run:
#   CUDA_VISIBLE_DEVICES="" TF_CPP_MIN_LOG_LEVEL=2 \
#     /work/venv-keras/bin/python Scripts/reference/dense_goldens.py
# Prints labelled float32 results with 9 significant digits.
# Model: Input(4) -> Dense(3, relu) -> Dense(2, softmax), literal weights,
# batch of 3 literal inputs, one-hot targets. Loss =
# keras.losses.CategoricalCrossentropy() (reduction "sum_over_batch_size",
# i.e. mean over the batch). Gradients by tf.GradientTape, both eagerly and
# inside tf.function (as fit does). NB: with the TF backend a tensor coming
# out of a softmax/sigmoid activation carries `_keras_logits`, and the
# cross-entropies then compute from those logits (no 1e-7 clipping); a plain
# numpy array of probabilities takes the clipped probability formula.
# Deterministic: no randomness. The last digit of some float32 results depends on
# the CPU TensorFlow runs on (its vectorised exp and sums): the tests hold what
# one machine printed ("output softmax[0]" = [0.537429869, 0.462570131], the
# probability path's "categorical CE loss (mean)" = 0.635436535); another, with
# the same versions, printed [0.53742981, 0.462570101] and 0.635436594, one
# float32 step away. Hence the tests' tolerances of about 1e-6.
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np
import tensorflow as tf
import keras
from keras import layers


def fmt(a):
    a = np.asarray(a)
    if a.ndim == 0:
        return format(float(a), ".9g")
    return "[" + ", ".join(fmt(x) for x in a) + "]"


def show(label, a):
    print(f"{label} = {fmt(a)}")


W1 = np.array([[0.2, -0.5, 0.1],
               [0.4, 0.3, -0.2],
               [-0.3, 0.8, 0.5],
               [0.1, -0.1, 0.7]], dtype="float32")
B1 = np.array([0.05, -0.1, 0.0], dtype="float32")
W2 = np.array([[0.6, -0.4],
               [-0.7, 0.9],
               [0.3, 0.2]], dtype="float32")
B2 = np.array([0.1, -0.05], dtype="float32")
X = np.array([[1.0, 2.0, 0.5, -1.0],
              [0.0, -1.0, 1.5, 2.0],
              [0.3, 0.3, 0.3, 0.3]], dtype="float32")
Y = np.array([[1.0, 0.0],
              [0.0, 1.0],
              [0.0, 1.0]], dtype="float32")


def build():
    inp = keras.Input(shape=(4,))
    h = layers.Dense(3, activation="relu")(inp)
    out = layers.Dense(2, activation="softmax")(h)
    m = keras.Model(inp, out)
    m.layers[1].set_weights([W1, B1])
    m.layers[2].set_weights([W2, B2])
    return m


def main():
    model = build()
    names = [w.path for w in model.trainable_weights]
    print("model: Input(4) -> Dense(3, relu) -> Dense(2, softmax)")
    for n, w in zip(names, [W1, B1, W2, B2]):
        print(f"weight {n} shape {w.shape} = {fmt(w.reshape(-1))} (row-major)")
    for i, x in enumerate(X):
        show(f"x[{i}]", x)
    for i, y in enumerate(Y):
        show(f"y[{i}]", y)

    hidden = np.maximum(X @ W1 + B1, 0)
    for i in range(3):
        show(f"hidden relu[{i}]", hidden[i])
    out = model(X).numpy()
    for i in range(3):
        show(f"output softmax[{i}]", out[i])

    cce = keras.losses.CategoricalCrossentropy()
    per_sample = keras.losses.categorical_crossentropy(Y, out).numpy()
    show("per-sample categorical CE", per_sample)
    show("categorical CE loss (mean)", cce(Y, out).numpy())
    acc = keras.metrics.CategoricalAccuracy()
    acc.update_state(Y, out)
    show("categorical_accuracy", acc.result().numpy())

    # Gradients, eager (probabilities path) and in tf.function (logits path).
    def loss_fn():
        return cce(Y, model(X, training=True))

    with tf.GradientTape() as tape:
        loss = loss_fn()
    grads = tape.gradient(loss, model.trainable_weights)
    show("eager loss", loss.numpy())
    for n, g in zip(names, grads):
        print(f"eager grad {n} = {fmt(g.numpy().reshape(-1))}")

    @tf.function
    def graph_step():
        with tf.GradientTape() as tape:
            loss = loss_fn()
        return loss, tape.gradient(loss, model.trainable_weights)

    loss, grads = graph_step()
    show("tf.function loss", loss.numpy())
    for n, g in zip(names, grads):
        print(f"tf.function grad {n} = {fmt(g.numpy().reshape(-1))}")

    # One SGD(0.1) step through Keras's own train_step (fit), full batch.
    model2 = build()
    model2.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                   loss="categorical_crossentropy",
                   metrics=["categorical_accuracy"])
    h = model2.fit(X, Y, batch_size=3, epochs=1, shuffle=False, verbose=0)
    print("fit(SGD 0.1, 1 step) history", {k: fmt(v[0]) for k, v in h.history.items()})
    for n, w in zip(names, model2.get_weights()):
        print(f"after 1 SGD(0.1) step {n} = {fmt(w.reshape(-1))}")
    print("evaluate after step", {k: fmt(v) for k, v in
          model2.evaluate(X, Y, verbose=0, return_dict=True).items()})

    # Where the probability and logits paths part: sample 1 scaled by 20, scored against
    # class 0, whose probability (about 2.8e-8) lies below the 1e-7 clip.
    print("--- the two loss paths apart: x[1] * 20, target class 0 ---")
    xc = X[1:2] * 20
    yc = np.array([[1.0, 0.0]], "float32")
    model3 = build()
    oc = model3(xc).numpy()
    show("confident output softmax", oc[0])
    show("confident CE on a numpy copy (probabilities path, clipped)",
         keras.losses.categorical_crossentropy(yc, oc).numpy())
    model3.compile(optimizer="sgd", loss="categorical_crossentropy")
    show("confident evaluate loss (logits path)", model3.evaluate(xc, yc, verbose=0))

    # --- saturated probabilities: clipping (eager) vs logits (in graph) ----
    print("--- cross-entropy edge cases (direct function calls on constants,"
          " probabilities path) ---")
    p = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.2, 0.2, 0.2],
                  [0.5, 0.25, 0.25]], dtype="float32")
    t = np.array([[0.0, 1.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0],
                  [1.0, 0.0, 0.0]], dtype="float32")
    show("p rows", p.reshape(-1))
    show("t rows", t.reshape(-1))
    show("categorical_crossentropy per row",
         keras.losses.categorical_crossentropy(t, p).numpy())
    print("  (row 0: -log(1e-7) = 16.1180954; row 2: renormalised"
          " 0.2/0.6 -> -log(1/3) = 1.09861229)")
    show("sparse_categorical_crossentropy per row (labels 1,1,0,0)",
         keras.losses.sparse_categorical_crossentropy(
             np.array([1, 1, 0, 0]), p).numpy())
    show("categorical_crossentropy(from_logits=True) on logits [[2,1,0.1],[0,0,0]] vs [[1,0,0],[0,0,1]]",
         keras.losses.categorical_crossentropy(
             np.array([[1, 0, 0], [0, 0, 1]], "float32"),
             np.array([[2, 1, 0.1], [0, 0, 0]], "float32"),
             from_logits=True).numpy())

    print("--- binary cross-entropy ---")
    yt = np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 1.0, 1.0]], "float32")
    yp = np.array([[0.1, 0.8, 0.0, 1.0], [0.6, 0.3, 0.999, 0.5]], "float32")
    show("y_true", yt.reshape(-1))
    show("y_pred", yp.reshape(-1))
    show("binary_crossentropy per row (mean over last axis)",
         keras.losses.binary_crossentropy(yt, yp).numpy())
    show("BinaryCrossentropy()(y_true, y_pred) (mean over batch)",
         keras.losses.BinaryCrossentropy()(yt, yp).numpy())
    ba = keras.metrics.BinaryAccuracy()
    ba.update_state(yt, yp)
    show("binary_accuracy (threshold 0.5, pred > 0.5)", ba.result().numpy())
    show("binary_accuracy per row",
         keras.metrics.binary_accuracy(yt, yp).numpy())
    show("binary_crossentropy(y_true=[[0]], y_pred=[[1]]) (clipped at 1 - 1e-7)",
         keras.losses.binary_crossentropy(np.array([[0.0]], "float32"),
                                          np.array([[1.0]], "float32")).numpy())

    print("--- mean squared error ---")
    a = np.array([[1.0, 2.0, 3.0], [0.5, -0.5, 0.0]], "float32")
    b = np.array([[1.5, 1.0, 3.0], [0.0, 0.5, 2.0]], "float32")
    show("y_true", a.reshape(-1))
    show("y_pred", b.reshape(-1))
    show("mean_squared_error per row", keras.losses.mean_squared_error(a, b).numpy())
    show("MeanSquaredError()(y_true, y_pred)", keras.losses.MeanSquaredError()(a, b).numpy())

    print("--- accuracy metrics, ties and resolution of 'accuracy' ---")
    yp_tie = np.array([[0.4, 0.4, 0.2], [0.2, 0.4, 0.4], [0.3, 0.3, 0.4]], "float32")
    yt_tie = np.array([[0, 1, 0], [0, 1, 0], [0, 0, 1]], "float32")
    show("categorical_accuracy per sample with ties [[.4,.4,.2]->class 1, [.2,.4,.4]->1, [.3,.3,.4]->2]",
         keras.metrics.categorical_accuracy(yt_tie, yp_tie).numpy())
    show("argmax of tie rows", keras.ops.argmax(yp_tie, axis=-1).numpy())
    show("sparse_categorical_accuracy labels [1,1,2] same preds",
         keras.metrics.sparse_categorical_accuracy(np.array([1, 1, 2]), yp_tie).numpy())
    show("sparse_categorical_accuracy labels shape (3,1)",
         keras.metrics.sparse_categorical_accuracy(np.array([[1], [1], [2]]), yp_tie).numpy())
    from keras.src.trainers.compile_utils import get_metric
    for yt_, yp_, desc in [
        (np.zeros((2, 3), "float32"), np.zeros((2, 3), "float32"), "y_true (n,3) one-hot, y_pred (n,3)"),
        (np.zeros((2,), "int32"), np.zeros((2, 3), "float32"), "y_true (n,) ints, y_pred (n,3)"),
        (np.zeros((2, 1), "int32"), np.zeros((2, 3), "float32"), "y_true (n,1) ints, y_pred (n,3)"),
        (np.zeros((2, 1), "float32"), np.zeros((2, 1), "float32"), "y_true (n,1), y_pred (n,1)"),
    ]:
        print(f"'accuracy' with {desc} -> {type(get_metric('accuracy', yt_, yp_)).__name__}")

    print("--- activations ---")
    z = np.array([-10.0, -2.0, -0.5, 0.0, 0.5, 2.0, 10.0], "float32")
    show("z", z)
    show("sigmoid(z)", keras.activations.sigmoid(z).numpy())
    show("tanh(z)", keras.activations.tanh(z).numpy())
    show("relu(z)", keras.activations.relu(z).numpy())
    show("softmax(z) (one vector)", keras.activations.softmax(z[None, :]).numpy()[0])
    s = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0], [-1.0, 0.0, 1.0]], "float32")
    for i in range(3):
        show(f"softmax({fmt(s[i])})", keras.activations.softmax(s[i:i + 1]).numpy()[0])

    print("--- _keras_logits attribute (TF backend) ---")
    eager_out = keras.activations.softmax(tf.constant([[1.0, 2.0]]))
    print("eager softmax output has _keras_logits:", hasattr(eager_out, "_keras_logits"))

    @tf.function
    def g(x):
        o = keras.activations.softmax(x)
        return tf.constant(hasattr(o, "_keras_logits"))

    print("softmax output inside tf.function has _keras_logits:",
          bool(g(tf.constant([[1.0, 2.0]])).numpy()))
    sat_logits = np.array([[20.0, 0.0, -20.0]], "float32")
    sat_t = np.array([[0.0, 0.0, 1.0]], "float32")

    @tf.function
    def cce_graph(lg):
        return keras.losses.categorical_crossentropy(sat_t, keras.activations.softmax(lg))

    probs = keras.activations.softmax(sat_logits)
    show("saturated case: softmax([20, 0, -20])", probs.numpy()[0])
    show("  CE, target class 2, on a numpy copy of the probabilities"
         " (probabilities path, clipped at 1e-7)",
         keras.losses.categorical_crossentropy(sat_t, probs.numpy()).numpy())
    show("  CE on the softmax output tensor itself, eager (uses _keras_logits)",
         keras.losses.categorical_crossentropy(sat_t, probs).numpy())
    show("  CE inside tf.function (uses the logits)", cce_graph(sat_logits).numpy())
    sig = keras.activations.sigmoid(np.array([[-30.0]], "float32"))
    show("  sigmoid(-30)", sig.numpy()[0])
    show("  BCE target 1 on numpy copy (clipped)",
         keras.losses.binary_crossentropy(np.array([[1.0]], "float32"), sig.numpy()).numpy())
    show("  BCE target 1 on the sigmoid output tensor (uses logits)",
         keras.losses.binary_crossentropy(np.array([[1.0]], "float32"), sig).numpy())
    # The same saturation inside a model trained/evaluated by Keras.
    inp = keras.Input(shape=(1,))
    out = layers.Dense(3, activation="softmax")(inp)
    sm = keras.Model(inp, out)
    sm.layers[1].set_weights([np.array([[20.0, 0.0, -20.0]], "float32"),
                              np.zeros(3, "float32")])
    sm.compile(optimizer="sgd", loss="categorical_crossentropy")
    show("  model Dense(3, softmax) with logits [20,0,-20], target class 2:"
         " evaluate loss", sm.evaluate(np.ones((1, 1), "float32"), sat_t,
                                       verbose=0))
    sm.compile(optimizer="sgd", loss="sparse_categorical_crossentropy")
    show("  the same model, sparse_categorical_crossentropy, label 2:"
         " evaluate loss", sm.evaluate(np.ones((1, 1), "float32"),
                                       np.array([2]), verbose=0))
    inp = keras.Input(shape=(1,))
    bm = keras.Model(inp, layers.Dense(1, activation="sigmoid")(inp))
    bm.layers[1].set_weights([np.array([[-30.0]], "float32"),
                              np.zeros(1, "float32")])
    bm.compile(optimizer="sgd", loss="binary_crossentropy")
    show("  model Dense(1, sigmoid) with logit -30, target 1: evaluate loss",
         bm.evaluate(np.ones((1, 1), "float32"), np.ones((1, 1), "float32"),
                     verbose=0))

if __name__ == "__main__":
    main()
