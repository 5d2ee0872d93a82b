#!/usr/bin/env bash
# Whether a two-thread training step's shards slow each other by running the same passes at
# the same moment. Builds loupe-bench in a temporary worktree with Benchmarks/shard-phases.patch
# (each shard's wall time to stderr; SHARD_DELAY_US holds shard 1 back) and times resnet-mini's
# 64-image shards, median over 40 steps, three ways per round:
#   aligned     one process, two threads, the shards started together (as training runs);
#   offset      the same, shard 1 started 40 ms (about half a shard) later;
#   processes   two one-thread processes of 64 images each, at once (phases drift apart).
#   Benchmarks/shard-phases.sh [--rounds 4] [--data ../shared/datasets/cifar10-images]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=4
data=../shared/datasets/cifar10-images
while [ $# -gt 0 ]; do
    case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
    esac
done
data=$(cd "$data" && pwd)
scratch=$(mktemp -d)
tree="$scratch/loupe"
git worktree add -q --detach "$tree" HEAD
trap 'git worktree remove --force "$tree"; rm -rf "$scratch"' EXIT
git -C "$tree" apply "$PWD/Benchmarks/shard-phases.patch"
(cd "$tree" && swift build -c release --product loupe-bench >"$scratch/build.log" 2>&1) || { cat "$scratch/build.log" >&2; exit 1; }
bench=("$tree/.build/release/loupe-bench" --throughput-only --models resnet-mini --data "$data" --steps 40)
# The median of a shard's times, the 5 warm-up steps left out.
median() { grep "^shard $2 " "$1" | tail -n +6 | head -40 | awk '{print $3}' | sort -n |
    awk '{v[NR] = $1} END {printf "%.1f", v[int(NR / 2) + 1]}'; }
echo "| round | aligned: shard 0, 1 (ms) | offset | processes |"
echo "| --- | --- | --- | --- |"
for round in $(seq "$rounds"); do
    "${bench[@]}" --threads 2 2>"$scratch/aligned" >/dev/null
    SHARD_DELAY_US=40000 "${bench[@]}" --threads 2 2>"$scratch/offset" >/dev/null
    "${bench[@]}" --threads 1 --batch-size 64 2>"$scratch/first" >/dev/null &
    "${bench[@]}" --threads 1 --batch-size 64 2>"$scratch/second" >/dev/null
    wait
    echo "| $round | $(median "$scratch/aligned" 0), $(median "$scratch/aligned" 1)" \
        "| $(median "$scratch/offset" 0), $(median "$scratch/offset" 1)" \
        "| $(median "$scratch/first" 0), $(median "$scratch/second" 0) |"
done
