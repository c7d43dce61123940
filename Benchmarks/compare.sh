#!/usr/bin/env bash
# Runs the MNIST MLP benchmark on Perceptron and on each installed peer (Keras, PyTorch),
# in alternation (P, K, T, P, K, T, ...) for --rounds rounds, and prints one Markdown table.
#
#   Benchmarks/compare.sh [--rounds N] [--epochs N] [--small-batch-epochs N] [--quick]
#                         [--threads N] [--systems perceptron,keras,pytorch]
#                         [--python PATH] [--out DIR] [--scaling]
#
# Perceptron: `perceptron bench --json` from `swift build -c release` (what `swift run -c
# release perceptron bench --json` runs), or the binary named by PERCEPTRON_BIN.
# Peers: Benchmarks/peers/*.py under the Python of --python, PEERS_PYTHON, .venv-peers/bin/python
# at the repository root, or python3, in that order. A peer whose import fails is skipped with
# a note. Every system gets the same --epochs and --small-batch-epochs (and --threads if
# given); PERCEPTRON_ARGS adds arguments for Perceptron only.
# The table goes to stdout (and DIR/table.md); progress and each run's stderr to stderr;
# each run's JSON to DIR/SYSTEM-ROUND.json.
# --scaling runs instead the grid of `perceptron bench --scaling` (hidden width 128..4096, batch
# 32..4096, 1 thread and --threads or every core) in Perceptron and PyTorch
# (peers/torch_mlp.py --scaling), in alternation, and prints Benchmarks/scaling_table.py's table
# (with --quick, the grid's quarter-size subsets); JSON to DIR/SYSTEM-scaling-ROUND.json.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

rounds=1
epochs=30
small_epochs=3
threads=""
quick=0
systems=""
python="${PEERS_PYTHON:-}"
out=""
scaling=0

usage() { sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
need_value() { [[ $# -ge 2 && -n "$2" ]] || { echo "compare.sh: $1 needs a value" >&2; exit 2; }; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) need_value "$@"; rounds="$2"; shift 2 ;;
    --epochs) need_value "$@"; epochs="$2"; shift 2 ;;
    --small-batch-epochs) need_value "$@"; small_epochs="$2"; shift 2 ;;
    --threads) need_value "$@"; threads="$2"; shift 2 ;;
    --quick) quick=1; epochs=2; small_epochs=2; shift ;;
    --systems) need_value "$@"; systems="$2"; shift 2 ;;
    --python) need_value "$@"; python="$2"; shift 2 ;;
    --out) need_value "$@"; out="$2"; shift 2 ;;
    --scaling) scaling=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -z "$systems" ]]; then
  if [[ $scaling == 1 ]]; then systems="perceptron,pytorch"; else systems="perceptron,keras,pytorch"; fi
fi
for value in "$rounds" "$epochs" "$small_epochs" ${threads:+"$threads"}; do
  [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: '$value' is not a positive count" >&2; exit 2; }
done

if [[ -z "$python" ]]; then
  if [[ -x "$root/.venv-peers/bin/python" ]]; then python="$root/.venv-peers/bin/python"
  else python="$(command -v python3 || true)"; fi
fi
table_python="$(command -v python3 || true)"
[[ -n "$table_python" ]] || table_python="$python"
if [[ -z "$table_python" ]]; then
  echo "compare.sh: no python3 to build the table with" >&2; exit 1
fi

if [[ -z "$out" ]]; then out="$(mktemp -d "${TMPDIR:-/tmp}/perceptron-compare.XXXXXX")"; fi
mkdir -p "$out"
notes="$out/notes.txt"
: > "$notes"

say() { echo "[compare] $*" >&2; }
note() { echo "$*" >> "$notes"; say "$*"; }

common_args=(--epochs "$epochs" --small-batch-epochs "$small_epochs")
if [[ -n "$threads" ]]; then common_args+=(--threads "$threads"); fi
peer_args=()
if [[ $quick == 1 ]]; then peer_args+=(--latency-calls 200); fi

# --- which systems can run ------------------------------------------------------------
active=()
perceptron_bin=""
IFS=',' read -r -a wanted <<< "$systems"
for system in "${wanted[@]}"; do
  case "$system" in
    perceptron)
      if [[ -n "${PERCEPTRON_BIN:-}" ]]; then
        if [[ -x "$PERCEPTRON_BIN" ]]; then perceptron_bin="$PERCEPTRON_BIN"
        else note "perceptron: skipped (PERCEPTRON_BIN=$PERCEPTRON_BIN is not an executable)"; continue; fi
      elif command -v swift > /dev/null; then
        say "building perceptron (swift build -c release)"
        if (cd "$root" && swift build -c release --product perceptron >&2); then
          perceptron_bin="$(cd "$root" && swift build -c release --show-bin-path)/perceptron"
        else
          note "perceptron: skipped (swift build failed)"; continue
        fi
      else
        note "perceptron: skipped (no swift toolchain and no PERCEPTRON_BIN)"; continue
      fi
      active+=(perceptron) ;;
    keras|pytorch)
      if [[ -z "$python" ]]; then note "$system: skipped (no Python found)"; continue; fi
      if [[ $system == keras ]]; then probe='import os; os.environ.setdefault("KERAS_BACKEND", "tensorflow"); os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3"); import tensorflow, keras, numpy'
      else probe='import torch, numpy'; fi
      if error="$(CUDA_VISIBLE_DEVICES="" "$python" -c "$probe" 2>&1 > /dev/null)"; then
        active+=("$system")
      else
        note "$system: skipped (import failed under $python: $(printf '%s\n' "$error" | grep -v '^\s*$' | tail -n 1))"
      fi ;;
    *) note "$system: skipped (unknown system)" ;;
  esac
done

if [[ ${#active[@]} -eq 0 ]]; then
  say "nothing to run"
  "$table_python" "$here/compare_table.py" --notes "$notes" --date "$(date +%F)" | tee "$out/table.md"
  exit 1
fi

run_one() {  # system round
  local system="$1" round="$2" json="$out/$1-$2.json" log="$out/$1-$2.log" rc=0
  local cmd
  case "$system" in
    perceptron)
      cmd=("$perceptron_bin" bench --json "${common_args[@]}")
      # shellcheck disable=SC2206 # word splitting of PERCEPTRON_ARGS is wanted
      if [[ -n "${PERCEPTRON_ARGS:-}" ]]; then cmd+=(${PERCEPTRON_ARGS}); fi ;;
    keras) cmd=("$python" "$here/peers/keras_mlp.py" "${common_args[@]}" ${peer_args[@]+"${peer_args[@]}"}) ;;
    pytorch) cmd=("$python" "$here/peers/torch_mlp.py" "${common_args[@]}" ${peer_args[@]+"${peer_args[@]}"}) ;;
  esac
  say "round $round/$rounds: $system: ${cmd[*]}"
  local start=$SECONDS
  "${cmd[@]}" > "$json" 2> >(tee "$log" >&2) || rc=$?
  if [[ $rc -ne 0 ]]; then
    note "$system round $round: exit status $rc, no result (log: $log)"
    mv "$json" "$json.failed" 2> /dev/null || true
  else
    say "round $round/$rounds: $system done in $((SECONDS - start)) s"
  fi
}

if [[ $scaling == 1 ]]; then
  scaling_args=()
  if [[ $quick == 1 ]]; then scaling_args+=(--quick); fi
  if [[ -n "$threads" ]]; then scaling_args+=(--threads "$threads"); fi
  load_before="$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo '?')"
  for ((round = 1; round <= rounds; round++)); do
    for system in "${active[@]}"; do
      json="$out/$system-scaling-$round.json"
      case "$system" in
        perceptron) cmd=("$perceptron_bin" bench --scaling --json ${scaling_args[@]+"${scaling_args[@]}"}) ;;
        pytorch) cmd=("$python" "$here/peers/torch_mlp.py" --scaling ${scaling_args[@]+"${scaling_args[@]}"}) ;;
        *) continue ;;  # Keras has no scaling grid
      esac
      say "round $round/$rounds: $system: ${cmd[*]}"
      if ! "${cmd[@]}" > "$json" 2> >(tee "$out/$system-scaling-$round.log" >&2); then
        note "$system scaling round $round: failed, no result (log: $out/$system-scaling-$round.log)"
        mv "$json" "$json.failed" 2> /dev/null || true
      fi
    done
  done
  load_after="$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo '?')"
  shopt -s nullglob
  results=("$out"/*-scaling-*.json)
  "$table_python" "$here/scaling_table.py" "${results[@]}" --notes "$notes" \
    --load "$load_before / $load_after" | tee "$out/table.md"
  exit 0
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo '?')"
say "results in $out; systems: ${active[*]}; rounds: $rounds; epochs: $epochs (+ $small_epochs at batch 128 and 32)"
for ((round = 1; round <= rounds; round++)); do
  for system in "${active[@]}"; do
    run_one "$system" "$round"
  done
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2> /dev/null || echo '?')"

shopt -s nullglob
results=("$out"/*.json)
"$table_python" "$here/compare_table.py" "${results[@]}" --notes "$notes" --date "$(date +%F)" \
  --load "$load_before / $load_after" | tee "$out/table.md"
