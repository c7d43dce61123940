#!/usr/bin/env bash
# Perceptron's ONNX export and import against onnx's checker and ONNX Runtime: exports the
# lesson's MLP, the CNN and a convnet with BatchNormalization and 'same' padding, runs them
# in ONNX Runtime on the 10,000 test images, compares with Perceptron's own probabilities
# (max |difference| <= 1e-5, the same argmax on all), and imports each .onnx back (weights
# and probabilities bit-identical). Installs onnx and onnxruntime from PyPI into .venv-onnx/
# (git-ignored) when missing; builds `perceptron` in release unless PERCEPTRON is set.
# Prints a table; exits non-zero on any failure. Takes a few minutes (two 1-epoch trainings).
#
#   Scripts/onnx-check.sh
#   PERCEPTRON=/path/to/perceptron Scripts/onnx-check.sh
#   Scripts/onnx-check.sh --mlp runs/RUN --cnn runs/RUN2 --work /tmp/onnx-check   # see --help
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-onnx
if ! "$venv/bin/python" -c "import onnx, onnxruntime, numpy" >/dev/null 2>&1; then
    echo "onnx-check: installing onnx, onnxruntime and numpy from PyPI into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check onnx onnxruntime numpy
fi

if [ -z "${PERCEPTRON:-}" ]; then
    echo "onnx-check: swift build -c release --product perceptron" >&2
    swift build -c release --product perceptron >&2
    PERCEPTRON="$(swift build -c release --show-bin-path)/perceptron"
fi

exec "$venv/bin/python" Scripts/onnx_check.py --perceptron "$PERCEPTRON" "$@"
