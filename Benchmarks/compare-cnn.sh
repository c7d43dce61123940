#!/usr/bin/env bash
# Times Keras's "Simple MNIST convnet" in Perceptron (`perceptron train --arch cnn`), in Keras
# (Benchmarks/peers/keras_cnn.py) and in PyTorch (Benchmarks/peers/torch_cnn.py), in
# alternation (P, K, T, P, K, T, ...), and prints one Markdown table: seconds per epoch
# (median, first epoch left out), its share of the floor, and test accuracy per run.
#
#   Benchmarks/compare-cnn.sh [--rounds N] [--epochs N] [--systems perceptron,keras,pytorch]
#                             [--python PATH] [--out DIR]
#
# Defaults: 2 rounds of 4 epochs each. Perceptron: the release build of this package (built
# first), or the binary named by PERCEPTRON_BIN. Keras and PyTorch: under the Python of
# --python, PEERS_PYTHON, .venv-peers/bin/python at the repository root, or python3, in that
# order; a peer that cannot import its framework is skipped with a note. The floor: the
# epoch's 799 GFLOP of products at the best GEMM rate of `perceptron bench --skip
# sparse,train,small-batches,predict,cnn --quick`, run once before the rounds. Each run's
# output goes to DIR (a temporary folder unless given); the table to stdout and DIR/table.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

rounds=2
epochs=4
python="${PEERS_PYTHON:-}"
out=""

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
need_value() { [[ $# -ge 2 ]] || { echo "compare-cnn.sh: $1 needs a value" >&2; exit 2; }; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) need_value "$@"; rounds="$2"; shift 2 ;;
    --epochs) need_value "$@"; epochs="$2"; shift 2 ;;
    --python) need_value "$@"; python="$2"; shift 2 ;;
    --systems) need_value "$@"; systems="$2"; shift 2 ;;
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

notes=()
peers=()
IFS=',' read -r -a wanted <<< "$systems"
for system in "${wanted[@]}"; do
  case "$system" in
    perceptron) ;;
    keras) probe='import os; os.environ.setdefault("KERAS_BACKEND", "tensorflow"); os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3"); import tensorflow, keras, numpy' ;;
    pytorch) probe='import torch, numpy' ;;
    *) notes+=("$system skipped: unknown system"); continue ;;
  esac
  [[ $system == perceptron ]] && continue
  if [[ -z "$python" ]]; then notes+=("$system skipped: no Python found")
  elif ! error="$(CUDA_VISIBLE_DEVICES="" "$python" -c "$probe" 2>&1 > /dev/null)"; then
    notes+=("$system skipped: import failed under $python: $(printf '%s\n' "$error" | grep -v '^\s*$' | tail -n 1)")
  else peers+=("$system"); fi
done
for line in ${notes[@]+"${notes[@]}"}; do say "$line"; done
run_perceptron=0
[[ ",$systems," == *",perceptron,"* ]] && run_perceptron=1

# The floor: one epoch's products (54,000 images forward and backward, 6,000 forward) at the
# best GEMM rate measured here.
gflop=799.1
say "measuring the best GEMM rate (perceptron bench --quick, GEMM part only)"
best="$("$perceptron_bin" bench --json --quick --skip sparse,train,small-batches,predict,cnn 2> /dev/null \
  | python3 -c 'import json, sys; print(max(r["gflops"] for r in json.load(sys.stdin)["gemm"]))')" || best=""
share() {  # seconds -> "NN%" of the floor, or –
  if [[ -n "$best" ]]; then awk -v s="$1" -v g="$gflop" -v r="$best" 'BEGIN { printf "%.0f%%", 100 * g / r / s }'
  else echo "–"; fi
}

peer_row() {  # json round label
  python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
epochs = ", ".join("%.1f" % s for s in r["epoch_seconds_all"])
print("%s|%.3f|%s|%.2f%%" % (epochs, r["epoch_seconds"], r["version"], 100 * r["test_accuracy"]))
' "$1"
}

rows=()
for round in $(seq 1 "$rounds"); do
  if [[ $run_perceptron == 1 ]]; then
    run="$out/perceptron-$round"
    rm -rf "$run"
    say "round $round/$rounds: perceptron train --arch cnn --epochs $epochs"
    "$perceptron_bin" train --arch cnn --epochs "$epochs" --no-report --verbose 2 --output "$run" \
      > "$out/perceptron-$round.out" 2> "$out/perceptron-$round.log"
    line="$(grep 'seconds per epoch: median' "$out/perceptron-$round.log")" \
      || { cat "$out/perceptron-$round.log" >&2; echo "compare-cnn.sh: perceptron printed no epoch time" >&2; exit 1; }
    median="$(sed -E 's/.*median ([0-9.]+).*/\1/' <<< "$line")"
    accuracy="$(sed -nE 's/.*"testAccuracy" : ([0-9.eE+-]+).*/\1/p' "$run/run.json")"
    rows+=("| Perceptron | $round | $median | $(share "$median") | $(awk -v a="$accuracy" 'BEGIN { printf "%.2f%%", 100 * a }') |")
  fi
  for peer in ${peers[@]+"${peers[@]}"}; do
    script="keras_cnn.py"; label="Keras"
    if [[ $peer == pytorch ]]; then script="torch_cnn.py"; label="PyTorch"; fi
    say "round $round/$rounds: $script --epochs $epochs"
    CUDA_VISIBLE_DEVICES="" "$python" "$here/peers/$script" --epochs "$epochs" \
      > "$out/$peer-$round.json" 2> "$out/$peer-$round.log" \
      || { tail -n 20 "$out/$peer-$round.log" >&2; echo "compare-cnn.sh: $script failed" >&2; exit 1; }
    IFS='|' read -r all median version accuracy <<< "$(peer_row "$out/$peer-$round.json")"
    rows+=("| $label $version | $round | $median (all: $all) | $(share "$median") | $accuracy |")
  done
done

{
  echo "Keras's MNIST convnet, $epochs epochs, batch 128, validation split 0.1, $(date +%F)"
  echo "(floor: $gflop GFLOP per epoch at ${best:-?} GFLOP/s, the best GEMM rate measured; load average $(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo '?'))"
  echo
  echo "| system | round | seconds per epoch (median, first left out) | share of the floor | test accuracy |"
  echo "| --- | --- | --- | --- | --- |"
  printf '%s\n' ${rows[@]+"${rows[@]}"}
  for line in ${notes[@]+"${notes[@]}"}; do echo; echo "$line"; done
} | tee "$out/table.md"
