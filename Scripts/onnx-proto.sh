#!/usr/bin/env bash
# Regenerates Sources/PerceptronONNX/Proto/onnx.pb.swift, the Swift form of ONNX's protobuf
# schema, which is committed: the build never runs a protobuf plugin.
#
#   Scripts/onnx-proto.sh
#
# What it uses, all pinned:
#   - onnx.proto from the onnx wheel on PyPI (ONNX_VERSION), IR version 14 (0xE);
#   - protoc, Debian's protobuf-compiler (installed with apt-get when missing);
#   - protoc-gen-swift, built from apple/swift-protobuf at SWIFT_PROTOBUF_VERSION, the same
#     version Package.swift depends on, in a scratch folder of its own.
# Generated types stay internal to PerceptronONNX: the module's API is its own.
set -euo pipefail
cd "$(dirname "$0")/.."

ONNX_VERSION=1.23.2
SWIFT_PROTOBUF_VERSION=1.39.0
work=.build-onnx-proto
out=Sources/PerceptronONNX/Proto

if ! command -v protoc >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends protobuf-compiler >/dev/null 2>&1 \
        || { apt-get update >/dev/null && apt-get install -y --no-install-recommends protobuf-compiler >/dev/null; }
fi

mkdir -p "$work"
if [ ! -f "$work/onnx-$ONNX_VERSION/onnx.proto" ]; then
    rm -rf "$work/wheel" && mkdir -p "$work/wheel"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$work/wheel" "onnx==$ONNX_VERSION"
    mkdir -p "$work/onnx-$ONNX_VERSION"
    python3 - "$work/wheel" "$work/onnx-$ONNX_VERSION" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(sys.argv[1] + "/onnx-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    open(sys.argv[2] + "/onnx.proto", "wb").write(z.read("onnx/onnx.proto"))
PY
fi

plugin="$work/swift-protobuf/.build/release/protoc-gen-swift"
if [ ! -x "$plugin" ]; then
    rm -rf "$work/swift-protobuf"
    git clone --quiet --depth 1 --branch "$SWIFT_PROTOBUF_VERSION" \
        https://github.com/apple/swift-protobuf "$work/swift-protobuf"
    swift build -c release --package-path "$work/swift-protobuf" --product protoc-gen-swift
fi

mkdir -p "$out"
protoc --plugin=protoc-gen-swift="$plugin" \
    --proto_path="$work/onnx-$ONNX_VERSION" \
    --swift_opt=Visibility=Internal \
    --swift_out="$out" \
    "$work/onnx-$ONNX_VERSION/onnx.proto"
echo "wrote $out/onnx.pb.swift from onnx $ONNX_VERSION's onnx.proto ($(protoc --version), protoc-gen-swift $SWIFT_PROTOBUF_VERSION)"
