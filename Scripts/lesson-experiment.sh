#!/usr/bin/env bash
# The lesson's question, measured: trains four models on the bundled MNIST with fixed seeds
# (the lesson's MLP, the MLP with augmentation, Keras's convnet, the convnet with
# augmentation), sweeps each over rotations and shifts of the test set, reads the tutorial's
# transformed digit (training image 5 rotated 20 degrees about (20, 25), shifted 3, 3) with
# each, and measures what the MLP's hidden layers learn.
#
#   Scripts/lesson-experiment.sh [OUTPUT_DIR]      (default experiments/lesson)
#
# Writes OUTPUT_DIR/{mlp,mlp-augmented,cnn,cnn-augmented}/ (run folders with reports),
# OUTPUT_DIR/robustness/ (robustness.csv, rotation.svg, shift.svg, grid-*.svg),
# OUTPUT_DIR/transform-*.png, OUTPUT_DIR/represent/ and OUTPUT_DIR/summary.md.
# Takes about 15 to 25 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-experiments/lesson}"
mkdir -p "$out"
augment="rotation=20,shift=3"

swift build -c release --product perceptron >&2
bin="$(swift build -c release --show-bin-path)/perceptron"

train() {  # name, extra arguments...
    local name="$1"; shift
    echo "== training $name" >&2
    "$bin" train --seed 42 --verbose 2 --output "$out/$name" "$@" > "$out/$name.log"
    tail -n 2 "$out/$name.log" >&2
}
train mlp
train mlp-augmented --augment "$augment"
train cnn --arch cnn
train cnn-augmented --arch cnn --augment "$augment"

names=(mlp mlp-augmented cnn cnn-augmented)
labels=("MLP" "MLP + augmentation" "CNN" "CNN + augmentation")
models=()
for i in "${!names[@]}"; do models+=(--model "$out/${names[$i]}/model.safetensors" --name "${labels[$i]}"); done

echo "== robustness sweep" >&2
"$bin" robustness "${models[@]}" --output "$out/robustness" > "$out/robustness.txt"

{
    echo "# The lesson's experiment ($(date -u +%Y-%m-%d), $("$bin" info | sed -n 2,3p | tr '\n' ' '))"
    echo
    echo "## Test accuracy"
    echo
    echo "| model | test accuracy | seconds per epoch (median) |"
    echo "| --- | --- | --- |"
    for i in "${!names[@]}"; do
        accuracy=$(grep "Test accuracy" "$out/${names[$i]}.log" | awk '{print $3}')
        seconds=$(python3 -c "import json,sys; s=json.load(open('$out/${names[$i]}/history.json'))['epoch_seconds']; r=sorted(s[1:]) or s; print('%.2f' % r[len(r)//2])")
        echo "| ${labels[$i]} | $accuracy | $seconds |"
    done
    echo
    echo "## Under rotations and shifts (test set)"
    echo
    sed -n '/^| model/,$p' "$out/robustness.txt"
    echo
    echo "## The tutorial's digit (training image 5, rotated 20° about (20, 25), shifted 3, 3)"
    echo
    echo "| model | original | transformed |"
    echo "| --- | --- | --- |"
    for i in "${!names[@]}"; do
        "$bin" transform --model "$out/${names[$i]}/model.safetensors" --index 5 --split train --rotate 20 \
            --center 20,25 --shift 3,3 --png "$out/transform-${names[$i]}.png" > "$out/transform-${names[$i]}.txt" 2>/dev/null
        original=$(grep '^original:' "$out/transform-${names[$i]}.txt" | sed 's/^original: //')
        transformed=$(grep '^transformed:' "$out/transform-${names[$i]}.txt" | sed 's/^transformed: //')
        echo "| ${labels[$i]} | $original | $transformed |"
    done
} > "$out/summary.md"

echo "== representations of the MLP" >&2
"$bin" represent --model "$out/mlp/model.safetensors" --output "$out/represent" > "$out/represent.txt"
cat "$out/summary.md"
