#!/usr/bin/env bash
# ImageFolder decoding speed: CIFAR-10's 60,000 JPEGs (in place, never copied) decoded on all
# cores into an empty cache, without a cache, and loaded back from the cache; best of 3 each.
#   Benchmarks/image-decode.sh [DIR]   (default: ../shared/datasets/cifar10-images)
set -euo pipefail
cd "$(dirname "$0")/.."
folder=${1:-../shared/datasets/cifar10-images}
swift build -c release --product loupe-bench >/dev/null
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d)"
.build/release/loupe-bench --image-folder "$folder" --rounds 3
