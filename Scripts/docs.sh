#!/usr/bin/env bash
# Builds the API documentation (DocC) of the library as one combined archive, fails on any
# DocC warning, and type-checks the Swift code of the articles in Sources/Perceptron/Perceptron.docc.
#
#   Scripts/docs.sh [OUTPUT_DIR]       (default .build/documentation/Perceptron.doccarchive)
#   Scripts/docs.sh --coverage [OUTPUT_DIR]
#       also prints DocC's coverage tables and, per module, the public symbols declared in its
#       sources that have no `///` comment (DocC's tables also count what the compiler
#       synthesises, such as `!=` and `localizedDescription`, which no comment can document)
#
# `import Perceptron` re-exports seven modules, and the symbol graph of an umbrella module does
# not hold the symbols of the modules it re-exports, so the archive combines every library
# module (each documented under its own name) with the Perceptron catalog, whose articles link
# into them. Preview it with `python3 -m http.server -d OUTPUT_DIR` and open
# /documentation/perceptron, or open it in Xcode. About 4 minutes on 2 cores from a clean build.
set -euo pipefail
cd "$(dirname "$0")/.."

coverage=()
if [[ "${1:-}" == --coverage ]]; then
    coverage=(--experimental-documentation-coverage --coverage-summary-level brief)
    shift
fi
output="${1:-.build/documentation/Perceptron.doccarchive}"
mkdir -p "$(dirname "$output")"

targets=(Perceptron PerceptronIO PerceptronTensor PerceptronNN PerceptronData PerceptronVision PerceptronPlot PerceptronTraining
         PerceptronReport PerceptronONNX)
arguments=()
for target in "${targets[@]}"; do arguments+=(--target "$target"); done

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
swift package --allow-writing-to-directory "$(dirname "$output")" generate-documentation \
    --enable-experimental-combined-documentation "${arguments[@]}" --output-path "$output" \
    ${coverage[@]+"${coverage[@]}"} 2>&1 | tee "$log"

if [[ ${#coverage[@]} -gt 0 ]]; then
    python3 - "$(swift build --show-bin-path)/../extracted-symbols" "${targets[@]:1}" <<'PYTHON'
import glob, json, sys
root, modules = sys.argv[1], sys.argv[2:]
for module in modules:
    declared, missing = 0, []
    for path in glob.glob(f"{root}/*/{module}/*.symbols.json"):
        for symbol in json.load(open(path))["symbols"]:
            location = symbol.get("location", {})
            if f"/Sources/{module}/" not in location.get("uri", "") or symbol["kind"]["identifier"] == "swift.extension":
                continue
            declared += 1
            comment = symbol.get("docComment") or {}
            if not "".join(line["text"] for line in comment.get("lines", [])).strip():
                file = location["uri"].split("/Sources/")[1]
                missing.append(f"    {file}:{location['position']['line'] + 1} {'.'.join(symbol['pathComponents'])}")
    print(f"{module}: {declared} public symbols declared, {len(missing)} without a /// comment")
    if missing:
        print("\n".join(sorted(missing)))
PYTHON
fi

# DocC and the plugin print diagnostics at the start of a line; the compiler's, which name
# a file first, are the build's business, not the documentation's.
warnings=$(grep -c -E '^(warning|error|Error):' "$log" || true)
if [[ "$warnings" -ne 0 ]]; then
    echo "docs.sh: DocC reported $warnings warnings or errors (above); the documentation must build clean" >&2
    exit 1
fi
if [[ ! -f "$output/index.html" ]]; then
    echo "docs.sh: no combined archive at $output" >&2
    exit 1
fi

# The articles' code blocks, one program per article, against the modules the build above
# compiled (the plugin builds the library in debug).
bin="$(swift build --show-bin-path)"
status=0
for article in Sources/Perceptron/Perceptron.docc/*.md; do
    program="$(mktemp -d)/main.swift"
    awk '/^```swift$/ { inside = 1; next } /^```$/ { inside = 0; next } inside' "$article" > "$program"
    [[ -s "$program" ]] || continue
    if ! swiftc -typecheck -I "$bin/Modules" -I "$bin/CPerceptronCPU.build" -I Sources/CZlib "$program"; then
        echo "docs.sh: the Swift code in $article does not compile (as one program, blocks in order)" >&2
        status=1
    fi
    rm -rf "$(dirname "$program")"
done
[[ "$status" -eq 0 ]] || exit 1
echo "docs.sh: 0 warnings; article code type-checks; archive at $output" >&2
