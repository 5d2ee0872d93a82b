#!/usr/bin/env bash
# Checks that the working tree computes bit-identical results to an earlier commit, command by
# command: builds the commit in a temporary worktree, runs every `loupe` command on small
# settings with both builds (same seeds, thread count and kernel path) and compares every file
# they write byte for byte, except manifest.json (provenance and timings), the HTML pages
# (which embed the run's command line) and an audit's measured latencies. A refactoring that keeps every value exact passes;
# anything else, however small, does not. About 10 minutes on 2 cores, most of it building.
#   scripts/same-outputs.sh <commit> [--keep DIR]
# The base build is kept in /tmp/loupe-base-<commit> and reused by the next call.
set -euo pipefail
cd "$(dirname "$0")/.."
commit=$(git rev-parse --short "$1")
shift
keep=
while [ $# -gt 0 ]; do
    case "$1" in
    --keep) keep=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
    esac
done
export LOUPE_KERNELS="${LOUPE_KERNELS:-avx2}"
base=/tmp/loupe-base-$commit
if ! [ -x "$base/build/release/loupe" ]; then
    git worktree remove --force "$base/tree" >/dev/null 2>&1 || true
    git worktree add --detach "$base/tree" "$commit" >/dev/null 2>&1
    (cd "$base/tree" && swift build -c release --product loupe --scratch-path "$base/build" >/dev/null)
    git worktree remove --force "$base/tree" >/dev/null 2>&1 || true
fi
swift build -c release --product loupe >/dev/null
work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

# Each line: a name, then the command's arguments; @OUT is the command's output folder and
# @RUN the folder holding every command's output (for commands that read an earlier one).
status=0
commands=(
    "train-mlp|train --data mnist-5k --model mlp --epochs 2 --out @OUT"
    "train-cnn|train --data mnist-5k --model cnn --epochs 1 --optimizer adam --out @OUT"
    "eval|eval --model-file @RUN/train-mlp/model.safetensors --data mnist-5k --json"
    "population|population --data mnist-5k --model mlp --members 2 --epochs 1 --variants dense,prune:0.5:all --out @OUT"
    "audit|audit --data mnist-5k --model mlp --members 2 --epochs 1 --variants dense,prune:0.9:all,prune:0.9:all:random,int8-channel,int8-full --label-noise 0.05 --noise-seed 1 --evaluate train --out @OUT"
    "audit-rare|audit --data mnist-5k --model cnn --members 2 --epochs 1 --variants dense,prune:0.9:all --undersample 0:0.1 --out @OUT"
    "difficulty|difficulty --data mnist-5k --model mlp --epochs 3 --early-epoch 1 --cl-folds 2 --el2n-seeds 2 --label-noise 0.05 --noise-seed 1 --out @OUT"
    "label-noise|benchmark label-noise --data mnist-5k --model mlp --epochs 3 --early-epoch 1 --el2n-seeds 2 --cl-folds 2 --noise 0.05 --noise-seed 1 --cie @RUN/audit --out @OUT"
    "attribute|attribute --model-file @RUN/train-cnn/model.safetensors --data mnist-5k --ids 0,1,7 --method gradient,gradient-x-input,integrated-gradients,guided-backprop,random,sobel,smoothgrad,vargrad --steps 8 --samples 4 --out @OUT"
    "roar|benchmark roar --data mnist-5k --model mlp --epochs 1 --retrains 1 --fractions 0.5 --train-limit 600 --test-limit 200 --out @OUT"
    "invariance|benchmark invariance --data mnist-5k --model mlp,cnn --examples 8 --epochs 1 --steps 8 --samples 4 --out @OUT"
)
# Both builds write into the same folder, moved aside afterwards, so that outputs quoting a path
# (eval's JSON) compare equal.
for side in old new; do
    if [ $side = old ]; then loupe=$base/build/release/loupe; else loupe=$PWD/.build/release/loupe; fi
    rm -rf "$work/run"
    mkdir -p "$work/run"
    for entry in "${commands[@]}"; do
        name=${entry%%|*}
        args=${entry#*|}
        args=${args//@OUT/$work/run/$name}
        args=${args//@RUN/$work/run}
        # shellcheck disable=SC2086
        if ! "$loupe" $args --threads 2 >"$work/run/$name.stdout" 2>"$work/run/$name.stderr"; then
            echo "$side $name: failed ($(tail -1 "$work/run/$name.stderr"))"
            status=1
        fi
    done
    rm -rf "${work:?}/$side"
    mv "$work/run" "$work/$side"
done
compared=0
for entry in "${commands[@]}"; do
    name=${entry%%|*}
    if [ "$name" = eval ]; then
        files=eval.stdout
    else
        files=$( (cd "$work/old" && find "$name" -type f; cd "$work/new" && find "$name" -type f) | sort -u)
    fi
    differ=0
    count=0
    for file in $files; do
        # An audit's variants.csv and latency.json hold measured latencies (the manifest's measurements).
        case "$file" in */manifest.json | *.html | */variants.csv | */latency.json) continue ;; esac
        count=$((count + 1))
        if ! cmp -s "$work/old/$file" "$work/new/$file"; then
            echo "DIFFERENT: $file"
            differ=1
        fi
    done
    compared=$((compared + count))
    if [ $differ = 0 ]; then echo "$name: $count files identical"; else status=1; fi
done
echo "compared $compared files: $([ $status = 0 ] && echo "all identical to $commit" || echo "DIFFERENCES from $commit")"
exit $status
