#!/usr/bin/env bash
# Proves a change keeps training results bit for bit: runs the same seeded trainings with two
# builds of perceptron and compares every tensor of model.safetensors and history.csv.
#
#   swift build -c release --scratch-path .build-old   # on the previous main
#   swift build -c release                             # on the change
#   Scripts/compare-runs.sh .build-old/release/perceptron .build/release/perceptron
#
# Runs: the lesson MLP for 3 epochs (seed 7); the CNN for 1 epoch on 5000 images with
# augmentation; and a resume after SIGINT. Each with the default backend and with
# PERCEPTRON_BACKEND=portable. Exits non-zero on the first difference.
set -euo pipefail
old=$1
new=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tensors() {  # prints one line per tensor: name, dtype, shape, sha256 of its bytes
    python3 - "$1" <<'PY'
import hashlib, json, struct, sys
data = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", data[:8])[0]
header = json.loads(data[8:8 + n])
for name in sorted(k for k in header if k != "__metadata__"):
    t = header[name]
    begin, end = t["data_offsets"]
    print(name, t["dtype"], t["shape"], hashlib.sha256(data[8 + n + begin:8 + n + end]).hexdigest())
PY
}

compare() {  # label, then the train arguments
    local label=$1; shift
    for side in old new; do
        local bin=$old; [ $side = new ] && bin=$new
        "$bin" train "$@" --no-report --verbose 0 --output "$work/$label-$side" >/dev/null 2>"$work/$label-$side.err"
    done
    if diff <(tensors "$work/$label-old/model.safetensors") <(tensors "$work/$label-new/model.safetensors") >/dev/null \
        && cmp -s "$work/$label-old/history.csv" "$work/$label-new/history.csv"; then
        echo "$label: identical ($(tensors "$work/$label-new/model.safetensors" | wc -l) tensors, $(($(wc -l <"$work/$label-new/history.csv") - 1)) epochs)"
    else
        echo "$label: DIFFERENT"; exit 1
    fi
}

resume() {  # label: interrupt the MLP after its first checkpoint, resume, compare with old's
    local label=$1
    for side in old new; do
        local bin=$old; [ $side = new ] && bin=$new
        local dir="$work/$label-$side"
        "$bin" train --epochs 4 --seed 7 --train-limit 20000 --no-report --verbose 0 --output "$dir" >/dev/null 2>&1 &
        local pid=$!
        while [ ! -f "$dir/checkpoint.safetensors" ]; do sleep 0.05; done
        kill -INT $pid
        wait $pid || true
        "$bin" train --resume "$dir" --verbose 0 >/dev/null 2>&1
    done
    if diff <(tensors "$work/$label-old/model.safetensors") <(tensors "$work/$label-new/model.safetensors") >/dev/null \
        && cmp -s "$work/$label-old/history.csv" "$work/$label-new/history.csv"; then
        echo "$label: identical after interrupt and resume"
    else
        echo "$label: DIFFERENT"; exit 1
    fi
}

for backend in default portable; do
    if [ $backend = portable ]; then export PERCEPTRON_BACKEND=portable; else unset PERCEPTRON_BACKEND; fi
    compare "mlp-$backend" --epochs 3 --seed 7
    compare "cnn-$backend" --arch cnn --epochs 1 --train-limit 5000 --augment rotation=15,shift=2
    resume "resume-$backend"
done
