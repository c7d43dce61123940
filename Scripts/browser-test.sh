#!/usr/bin/env bash
# The playground in a real browser: Debian's chromium driven by Playwright for Python.
# Installs what is missing (chromium from apt; Playwright from PyPI into .build/, never a
# browser download), builds `perceptron`, serves it on a free loopback port, and checks the
# page against the API: a drawn stroke, the lesson's digit turned with the sliders, a
# training run's live curve. Saves screenshots to .build/browser-test/ (the committed README
# screenshot in docs/playground/ is written only by --lesson-shot). Exits non-zero on any failure.
#
#   Scripts/browser-test.sh                       # release build (training is too slow in debug)
#   PERCEPTRON=/path/to/perceptron Scripts/browser-test.sh
#   BROWSER_TEST_TIMEOUT=600 Scripts/browser-test.sh [browser_test.py options]
#   Scripts/browser-test.sh --server http://127.0.0.1:8080   # a server already running
#   Scripts/browser-test.sh --lesson-shot         # only the README's screenshot, from runs/'s newest MLP and CNN
set -euo pipefail
cd "$(dirname "$0")/.."

timeout_seconds=${BROWSER_TEST_TIMEOUT:-900}

# Chromium, and a Korean font so the Korean screenshot shows Hangul rather than empty boxes.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=ko 2>/dev/null)" ]; then missing+=(fonts-nanum); fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "browser-test: installing ${missing[*]} (apt)" >&2
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
chromium_path=$(command -v chromium)

venv=.build/browser-test-venv
if ! "$venv/bin/python" -c "import playwright.sync_api" >/dev/null 2>&1; then
    echo "browser-test: installing Playwright for Python into $venv (no browser download)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check playwright
fi
# Pillow shrinks the README's screenshot (--lesson-shot) to a 256-colour PNG.
if [[ " $* " == *" --lesson-shot "* ]] && ! "$venv/bin/python" -c "import PIL" >/dev/null 2>&1; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check pillow
fi

if [ -z "${PERCEPTRON:-}" ] && [[ " $* " != *" --server "* ]]; then
    echo "browser-test: swift build -c release --product perceptron" >&2
    swift build -c release --product perceptron >&2
    PERCEPTRON="$(swift build -c release --show-bin-path)/perceptron"
fi

# The checks' screenshots stay out of the repository's files; the lesson's goes to the README's.
shots=.build/browser-test
if [[ " $* " == *" --lesson-shot "* ]]; then shots=docs/playground; fi

exec timeout --kill-after=20 "$timeout_seconds" \
    "$venv/bin/python" Scripts/browser_test.py --perceptron "${PERCEPTRON:-perceptron}" --chromium "$chromium_path" \
    --screenshots "$shots" "$@"
