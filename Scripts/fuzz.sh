#!/usr/bin/env bash
# Runs one libFuzzer target of the Fuzz package for a number of seconds.
#
#   Scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags...]
#   Scripts/fuzz.sh FuzzIDX 600
#   Scripts/fuzz.sh FuzzModelFile 600 -seed=1   # extra flags go to libFuzzer
#   Scripts/fuzz.sh list                        # the targets
#   Scripts/fuzz.sh FuzzPNG replay              # run the committed corpus and regressions once
#
# Targets: FuzzIDX, FuzzPNG, FuzzPGM, FuzzModelFile, FuzzHistoryCSV, FuzzHistoryJSON, FuzzONNX.
#
# It builds Fuzz/ (release, `-sanitize=fuzzer,address`; Linux with the Swift toolchain's
# libFuzzer and lld), copies the committed seeds (Fuzz/Corpus/TARGET) and regression inputs
# (Fuzz/Regressions/TARGET) into a scratch corpus under .build-fuzz/, so the committed seeds
# are never modified, and runs the fuzzer with -max_total_time=SECONDS -timeout=10
# -rss_limit_mb=2048 and the target's dictionary (Fuzz/Dictionaries/TARGET.dict).
# FUZZ_SKIP_BUILD=1 runs the binary already built (while the sources are mid-edit).
# Crash, timeout and out-of-memory inputs are written to the artifact folder it prints; the
# log is beside it. It exits non-zero when the fuzzer found something.
#
# A finding is fixed in the reader, its input copied to Fuzz/Regressions/TARGET/ and added to
# the FuzzRegressionTests of the module's test suite.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
targets=(FuzzIDX FuzzPNG FuzzPGM FuzzModelFile FuzzHistoryCSV FuzzHistoryJSON FuzzONNX)

usage() { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -ge 1 ]] || usage
if [[ "$1" == list ]]; then printf '%s\n' "${targets[@]}"; exit 0; fi
[[ $# -ge 2 ]] || usage
target="$1"; seconds="$2"; shift 2
[[ " ${targets[*]} " == *" $target "* ]] || { echo "fuzz.sh: unknown target '$target' (expected one of: ${targets[*]})" >&2; exit 2; }
[[ "$seconds" == replay || "$seconds" =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a whole number or 'replay', got '$seconds'" >&2; exit 2; }

# Inputs per target: the largest input libFuzzer generates (model files need room for a
# header and weights) and the pixel-free formats' limits stay far below -rss_limit_mb.
case "$target" in
    FuzzModelFile) max_len=1048576 ;;
    FuzzONNX) max_len=65536 ;;
    FuzzPNG|FuzzIDX) max_len=65536 ;;
    *) max_len=16384 ;;
esac

binary="$root/Fuzz/.build/release/$target"
if [[ "${FUZZ_SKIP_BUILD:-0}" != 1 ]]; then
    echo "fuzz.sh: building $target ..." >&2
    (cd "$root/Fuzz" && swift build -c release -Xswiftc -sanitize=fuzzer,address --product "$target" >&2)
fi
[[ -x "$binary" ]] || { echo "fuzz.sh: $binary is missing; build it first" >&2; exit 1; }

work="$root/.build-fuzz/$target"
corpus="$work/corpus"
stamp="$(date +%Y%m%d-%H%M%S)"
artifacts="$work/artifacts-$stamp"
mkdir -p "$corpus" "$artifacts"
seeds=("$root/Fuzz/Corpus/$target")
[[ -d "$root/Fuzz/Regressions/$target" ]] && seeds+=("$root/Fuzz/Regressions/$target")
dictionary=()
[[ -f "$root/Fuzz/Dictionaries/$target.dict" ]] && dictionary=("-dict=$root/Fuzz/Dictionaries/$target.dict")

# Swift's crash reporter would attach to the dying process and stall the fuzzer; libFuzzer
# and AddressSanitizer report crashes themselves.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"

if [[ "$seconds" == replay ]]; then
    # Every committed input once, no mutation: a quick check that none crashes any more.
    files=()
    for folder in "${seeds[@]}"; do
        while IFS= read -r -d '' file; do files+=("$file"); done < <(find "$folder" -type f ! -name '.*' -print0)
    done
    "$binary" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$artifacts/" "$@" "${files[@]}"
    echo "fuzz.sh: replayed ${#files[@]} inputs of $target without a finding" >&2
    exit 0
fi

for folder in "${seeds[@]}"; do cp -n "$folder"/* "$corpus"/ 2>/dev/null || true; done
log="$artifacts/fuzz.log"
echo "fuzz.sh: $target for ${seconds}s; corpus $corpus; artifacts and log in $artifacts" >&2
status=0
"$binary" "$corpus" "${dictionary[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len="$max_len" \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" 2>&1 | tee "$log" >&2 || status=$?
found=$(find "$artifacts" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' -o -name 'slow-unit-*' \) | wc -l)
echo "fuzz.sh: $target finished with status $status; $(find "$corpus" -type f | wc -l) inputs in the corpus; $found finding(s) in $artifacts" >&2
[[ $status -eq 0 && $found -eq 0 ]]
