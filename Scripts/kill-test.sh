#!/usr/bin/env bash
# Kills training runs with SIGKILL at random moments and checks that the last checkpoint
# always loads (checkpoints are written to a temporary file and renamed, so a kill during a
# save leaves the previous one intact).
#
#   Scripts/kill-test.sh [TRIALS]          (default 10; needs a release build)
#
# Prints one line per trial and "N passed, M failed" last; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
trials="${1:-10}"
swift build -c release --product perceptron >&2 || exit 1
bin="$(swift build -c release --show-bin-path)/perceptron"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0; failed=0
for trial in $(seq 1 "$trials"); do
    run="$work/run-$trial"
    "$bin" train --hidden 256,256 --epochs 40 --batch-size 500 --train-limit 20000 --verbose 0 --no-report \
        --output "$run" > /dev/null 2>&1 &
    pid=$!
    # Once the first checkpoint exists, 0 to 4 s later: a random point of an epoch or a save.
    for _ in $(seq 1 600); do [ -f "$run/checkpoint.safetensors" ] && break; sleep 0.05; done
    delay=$(python3 -c "import random; print(round(random.uniform(0, 4.0), 2))")
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ ! -f "$run/checkpoint.safetensors" ]; then
        echo "trial $trial: no checkpoint appeared within 30 s"
        failed=$((failed + 1)); continue
    fi
    if "$bin" summary --model "$run/checkpoint.safetensors" > /dev/null 2> "$work/err"; then
        leftovers=$(ls -a "$run" | grep -c '\.tmp-' || true)
        echo "trial $trial: killed ${delay}s after the first checkpoint; the last checkpoint loads ($leftovers temporary file(s) left by the kill)"
        passed=$((passed + 1))
    else
        echo "trial $trial: killed ${delay}s after the first checkpoint; the last checkpoint does NOT load: $(cat "$work/err")"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
