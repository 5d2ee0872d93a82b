#!/usr/bin/env bash
# Training-step A/B of several revisions on this machine: builds each revision's loupe-bench
# in a temporary worktree, then runs them in alternation, round after round, so that the
# machine's drift falls on all of them alike. Prints each revision's median step rate
# (resnet-mini, images/s, median of the steps of one run) per round and their median.
#   Benchmarks/step-ab.sh [--rounds 4] [--steps 40] [--threads 2] [--data DIR] REV REV...
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=4
steps=40
threads=2
data=../shared/datasets/cifar10-images
revisions=()
while [ $# -gt 0 ]; do
    case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --data) data=$2; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 1 ;;
    *) revisions+=("$1"); shift ;;
    esac
done
[ ${#revisions[@]} -ge 1 ] || { echo "usage: Benchmarks/step-ab.sh [options] REV REV..." >&2; exit 1; }
data=$(cd "$data" && pwd)
scratch=$(mktemp -d)
trees=()
cleanup() {
    for tree in "${trees[@]}"; do git worktree remove --force "$tree"; done
    rm -rf "$scratch"
}
trap cleanup EXIT
for i in "${!revisions[@]}"; do
    tree="$scratch/rev$i"
    git worktree add -q --detach "$tree" "${revisions[$i]}"
    trees+=("$tree")
    echo "building ${revisions[$i]} ($(git rev-parse --short "${revisions[$i]}"))" >&2
    (cd "$tree" && swift build -c release --product loupe-bench >"$scratch/build$i.log" 2>&1) ||
        { cat "$scratch/build$i.log" >&2; exit 1; }
done
declare -A rates
for round in $(seq "$rounds"); do
    for i in "${!revisions[@]}"; do
        rate=$("$scratch/rev$i/.build/release/loupe-bench" --throughput-only --models resnet-mini --data "$data" \
            --steps "$steps" --threads "$threads" 2>/dev/null | head -1 |
            sed -n 's/.*"median_step_images_per_second":\([0-9.]*\).*/\1/p')
        rates[$i]="${rates[$i]:-} $rate"
        echo "round $round ${revisions[$i]}: $rate" >&2
    done
done
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%d)"
for i in "${!revisions[@]}"; do
    echo "${revisions[$i]} ${rates[$i]}" | python3 -c '
import statistics, sys
name, *values = sys.stdin.read().split()
values = [float(v) for v in values]
print(f"{name}: median {statistics.median(values):,.0f} images/s; rounds " + ", ".join(f"{v:,.0f}" for v in values))'
done
