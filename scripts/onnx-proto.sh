#!/usr/bin/env bash
# Regenerates Sources/LoupeONNX/Format/onnx-subset.pb.swift from onnx-subset.proto.
#
#   scripts/onnx-proto.sh            regenerate the Swift file
#   scripts/onnx-proto.sh --check    fail when the committed Swift file is not what the .proto gives
#
# Needs protoc (Debian's protobuf-compiler). protoc-gen-swift is built once from
# apple/swift-protobuf at the version Package.swift uses, in a cache folder outside the
# repository (LOUPE_PROTOC_GEN_SWIFT_DIR, default ~/.cache/loupe-protoc-gen-swift; ~1.5 min).
# CI does not run this: the generated file is committed.
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.39.0
folder=Sources/LoupeONNX/Format
cache="${LOUPE_PROTOC_GEN_SWIFT_DIR:-$HOME/.cache/loupe-protoc-gen-swift}"
plugin="$cache/swift-protobuf-$version/.build/release/protoc-gen-swift"

command -v protoc >/dev/null || { echo "onnx-proto.sh: protoc not found (apt-get install protobuf-compiler)" >&2; exit 1; }
if [ ! -x "$plugin" ]; then
    mkdir -p "$cache"
    if [ ! -d "$cache/swift-protobuf-$version" ]; then
        git clone --quiet --depth 1 --branch "$version" https://github.com/apple/swift-protobuf "$cache/swift-protobuf-$version"
    fi
    (cd "$cache/swift-protobuf-$version" && swift build -c release --product protoc-gen-swift)
fi

output=$(mktemp -d)
trap 'rm -rf "$output"' EXIT
protoc --plugin=protoc-gen-swift="$plugin" --proto_path="$folder" \
    --swift_out="$output" --swift_opt=Visibility=Internal onnx-subset.proto
if [ "${1:-}" = "--check" ]; then
    cmp -s "$output/onnx-subset.pb.swift" "$folder/onnx-subset.pb.swift" \
        || { echo "onnx-proto.sh: $folder/onnx-subset.pb.swift is not what onnx-subset.proto gives; run scripts/onnx-proto.sh" >&2; exit 1; }
    echo "onnx-proto.sh: $folder/onnx-subset.pb.swift is up to date"
else
    cp "$output/onnx-subset.pb.swift" "$folder/onnx-subset.pb.swift"
    echo "onnx-proto.sh: wrote $folder/onnx-subset.pb.swift"
fi
