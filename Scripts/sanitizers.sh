#!/usr/bin/env bash
# Runs the test suite under AddressSanitizer (with LeakSanitizer, toolchain leaks suppressed)
# and ThreadSanitizer, each in its own build folder.
#
#   Scripts/sanitizers.sh [address|thread|all]      (default all; 10 to 20 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-all}"
status=0
if [[ "$which" == address || "$which" == all ]]; then
    echo "== AddressSanitizer" >&2
    LSAN_OPTIONS="suppressions=$PWD/Scripts/sanitizers/lsan.supp:print_suppressions=0" \
        swift test --sanitize=address --scratch-path .build-asan || status=1
fi
if [[ "$which" == thread || "$which" == all ]]; then
    echo "== ThreadSanitizer" >&2
    TSAN_OPTIONS="suppressions=$PWD/Scripts/sanitizers/tsan.supp" \
        swift test --sanitize=thread --scratch-path .build-tsan || status=1
fi
exit "$status"
