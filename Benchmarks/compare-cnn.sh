#!/usr/bin/env bash
# Times Keras's "Simple MNIST convnet" in Perceptron (`perceptron train --arch cnn`) and in
# Keras (Benchmarks/peers/keras_cnn.py), in alternation (P, K, P, K, ...), and prints one
# Markdown table: seconds per epoch (median, first epoch left out) and test accuracy per run.
#
#   Benchmarks/compare-cnn.sh [--rounds N] [--epochs N] [--python PATH] [--out DIR]
#
# Defaults: 2 rounds of 4 epochs each. Perceptron: the release build of this package (built
# first), or the binary named by PERCEPTRON_BIN. Keras: under the Python of --python,
# PEERS_PYTHON, .venv-peers/bin/python at the repository root, or python3, in that order; if
# it cannot import keras the Keras rows are skipped with a note. Each run's output goes to
# DIR (a temporary folder unless given); the table to stdout and DIR/table.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

rounds=2
epochs=4
python="${PEERS_PYTHON:-}"
out=""

usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
need_value() { [[ $# -ge 2 ]] || { echo "compare-cnn.sh: $1 needs a value" >&2; exit 2; }; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) need_value "$@"; rounds="$2"; shift 2 ;;
    --epochs) need_value "$@"; epochs="$2"; shift 2 ;;
    --python) need_value "$@"; python="$2"; shift 2 ;;
    --out) need_value "$@"; out="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare-cnn.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
for value in "$rounds" "$epochs"; do
  [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "compare-cnn.sh: '$value' is not a positive count" >&2; exit 2; }
done
[[ $epochs -ge 2 ]] || { echo "compare-cnn.sh: --epochs must be at least 2 (the first epoch is left out)" >&2; exit 2; }

if [[ -z "$python" ]]; then
  if [[ -x "$root/.venv-peers/bin/python" ]]; then python="$root/.venv-peers/bin/python"
  else python="$(command -v python3 || true)"; fi
fi
if [[ -z "$out" ]]; then out="$(mktemp -d "${TMPDIR:-/tmp}/perceptron-compare-cnn.XXXXXX")"; fi
mkdir -p "$out"
say() { echo "[compare-cnn] $*" >&2; }

if [[ -n "${PERCEPTRON_BIN:-}" ]]; then
  [[ -x "$PERCEPTRON_BIN" ]] || { echo "compare-cnn.sh: PERCEPTRON_BIN=$PERCEPTRON_BIN is not an executable" >&2; exit 1; }
  perceptron_bin="$PERCEPTRON_BIN"
else
  say "building perceptron (swift build -c release)"
  (cd "$root" && swift build -c release --product perceptron >&2)
  perceptron_bin="$(cd "$root" && swift build -c release --show-bin-path)/perceptron"
fi

keras=1
keras_note=""
probe='import os; os.environ.setdefault("KERAS_BACKEND", "tensorflow"); os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3"); import tensorflow, keras, numpy'
if [[ -z "$python" ]]; then keras=0; keras_note="Keras skipped: no Python found"
elif ! error="$(CUDA_VISIBLE_DEVICES="" "$python" -c "$probe" 2>&1 > /dev/null)"; then
  keras=0; keras_note="Keras skipped: import failed under $python: $(printf '%s\n' "$error" | grep -v '^\s*$' | tail -n 1)"
fi
[[ -z "$keras_note" ]] || say "$keras_note"

rows=()
for round in $(seq 1 "$rounds"); do
  run="$out/perceptron-$round"
  rm -rf "$run"
  say "round $round/$rounds: perceptron train --arch cnn --epochs $epochs"
  "$perceptron_bin" train --arch cnn --epochs "$epochs" --no-report --verbose 0 --output "$run" \
    > "$out/perceptron-$round.out" 2> "$out/perceptron-$round.log"
  line="$(grep 'seconds per epoch: median' "$out/perceptron-$round.log")" \
    || { cat "$out/perceptron-$round.log" >&2; echo "compare-cnn.sh: perceptron printed no epoch time" >&2; exit 1; }
  median="$(sed -E 's/.*median ([0-9.]+).*/\1/' <<< "$line")"
  accuracy="$(sed -nE 's/.*"testAccuracy" : ([0-9.eE+-]+).*/\1/p' "$run/run.json")"
  rows+=("| Perceptron | $round | $median | $(awk -v a="$accuracy" 'BEGIN { printf "%.2f%%", 100 * a }') |")

  if [[ $keras == 1 ]]; then
    say "round $round/$rounds: keras_cnn.py --epochs $epochs"
    CUDA_VISIBLE_DEVICES="" "$python" "$here/peers/keras_cnn.py" --epochs "$epochs" \
      > "$out/keras-$round.json" 2> "$out/keras-$round.log" \
      || { tail -n 20 "$out/keras-$round.log" >&2; echo "compare-cnn.sh: keras_cnn.py failed" >&2; exit 1; }
    rows+=("$("$python" -c '
import json, sys
r = json.load(open(sys.argv[1]))
epochs = ", ".join("%.1f" % s for s in r["epoch_seconds_all"])
print("| Keras %s | %s | %.2f (all: %s) | %.2f%% |" % (r["version"], sys.argv[2], r["epoch_seconds"], epochs, 100 * r["test_accuracy"]))
' "$out/keras-$round.json" "$round")")
  fi
done

{
  echo "Keras's MNIST convnet, $epochs epochs, batch 128, validation split 0.1, $(date +%F)"
  echo
  echo "| system | round | seconds per epoch (median, first left out) | test accuracy |"
  echo "| --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
  [[ -z "$keras_note" ]] || { echo; echo "$keras_note"; }
} | tee "$out/table.md"
