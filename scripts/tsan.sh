#!/usr/bin/env bash
# The parallel runtime's tests under ThreadSanitizer: the worker team (with a shorter stress
# run, since every atomic is instrumented), parallel loops, scratch memory, packed-operand caches
# shared between threads, multi-threaded training, and the review store and server (group
# commit under 200 concurrent writers, a live server). Any report fails the run.
#   scripts/tsan.sh            (CI runs it; builds into .build-tsan)
# TensorStoragePoolTests are left out: under the sanitizer an array's storage never reads as
# uniquely referenced, so the pool keeps nothing and its reuse counts do not hold (recycling is
# simply off there, which is safe). scripts/tsan-suppressions.txt lists the races TSan cannot
# see the synchronisation of in dependencies (swift-nio's copy-on-write buffers), with why.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests --sanitize=thread --scratch-path .build-tsan 2>&1 | grep -E "error|warning: data race|Compiling|Build complete" | grep -v "^\[" || true
log=$(mktemp)
status=0
TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/scripts/tsan-suppressions.txt ${TSAN_OPTIONS:-}" LOUPE_STRESS_LOOPS="${LOUPE_STRESS_LOOPS:-100000}" \
    swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
    --filter "LoupeSupportTests|PackedOperandCacheTests|TrainerTests|LoupeReviewTests|LoupeReviewServerTests" >"$log" 2>&1 || status=$?
grep -E "Executed [0-9]+ tests" "$log" | tail -1
if grep -q "ThreadSanitizer" "$log"; then
    grep -A30 "WARNING: ThreadSanitizer" "$log" | head -60
    echo "ThreadSanitizer reported a problem"
    status=1
fi
[[ $status == 0 ]] || { tail -30 "$log"; echo "scripts/tsan.sh: failed"; }
exit "$status"
