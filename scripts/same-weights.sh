#!/usr/bin/env bash
# Checks that the working tree trains bit-identical weights to an earlier commit: builds the
# commit in a temporary worktree, trains the mlp, the cnn and resnet-mini for 2 epochs on
# mnist-5k with both builds (same default seed and thread count) and compares the SHA-256 of the saved model
# and optimiser state. A speed change that keeps every value exact passes; anything else,
# however small, does not.
#   scripts/same-weights.sh <commit> [--data mnist-5k] [--epochs 2] [--models mlp,cnn,resnet-mini]
set -euo pipefail
cd "$(dirname "$0")/.."
commit=$1
shift
data=mnist-5k
epochs=2
models=mlp,cnn,resnet-mini
while [ $# -gt 0 ]; do
    case "$1" in
    --data) data=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
    esac
done
work=$(mktemp -d)
trap 'git worktree remove --force "$work/tree" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
git worktree add --detach "$work/tree" "$commit" >/dev/null 2>&1
(cd "$work/tree" && swift build -c release --product loupe --scratch-path "$work/build" >/dev/null)
swift build -c release --product loupe >/dev/null
status=0
for model in ${models//,/ }; do
    "$work/build/release/loupe" train --data "$data" --model "$model" --epochs "$epochs" --out "$work/old-$model" >/dev/null
    .build/release/loupe train --data "$data" --model "$model" --epochs "$epochs" --out "$work/new-$model" >/dev/null
    for file in model.safetensors state.safetensors; do
        old=$(sha256sum "$work/old-$model/$file" | cut -c1-64)
        new=$(sha256sum "$work/new-$model/$file" | cut -c1-64)
        if [ "$old" = "$new" ]; then verdict=identical; else verdict=DIFFERENT; status=1; fi
        echo "$model $file: $verdict ($commit ${old:0:16}, working tree ${new:0:16})"
    done
done
exit $status
