#!/usr/bin/env bash
# Mutation fuzzing of every format Loupe reads (Tests/LoupeFuzzTests), in-process.
#
#   scripts/fuzz.sh [cases] [seed]     e.g. scripts/fuzz.sh 1000000 7
#
# CI runs 20,000 cases with seed 12 as part of `swift test`. Environment passed through:
# LOUPE_FUZZ_FORMATS=a,b (only these formats), LOUPE_FUZZ_CASE=i (replay one case),
# LOUPE_FUZZ_DIR (where cases are written; default /dev/shm/loupe-fuzz, else $TMPDIR/loupe-fuzz).
# On a crash, prints the case that was being read and keeps a copy of its files.
set -uo pipefail
cd "$(dirname "$0")/.."

export LOUPE_FUZZ_CASES="${1:-${LOUPE_FUZZ_CASES:-20000}}"
export LOUPE_FUZZ_SEED="${2:-${LOUPE_FUZZ_SEED:-12}}"
if [ -z "${LOUPE_FUZZ_DIR:-}" ]; then
    if [ -w /dev/shm ]; then LOUPE_FUZZ_DIR=/dev/shm/loupe-fuzz; else LOUPE_FUZZ_DIR="${TMPDIR:-/tmp}/loupe-fuzz"; fi
fi
export LOUPE_FUZZ_DIR

swift build --build-tests || exit 1
swift test --skip-build --filter 'MutationFuzzTests/testMutatedFilesNeverCrash'
status=$?
current="$LOUPE_FUZZ_DIR/current-case.txt"
if [ "$status" -ne 0 ] && [ -f "$current" ]; then
    crash="${TMPDIR:-/tmp}/loupe-fuzz-crash-$(date +%Y%m%d-%H%M%S)"
    folder=$(sed -n 's/^case folder: //p' "$current")
    mkdir -p "$crash" && cp -R "$folder" "$crash/" && cp "$current" "$crash/"
    echo "fuzz: the process died while reading this case (files copied to $crash):" >&2
    cat "$current" >&2
fi
exit "$status"
