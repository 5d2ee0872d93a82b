#!/usr/bin/env bash
# How training throughput scales from one thread to two, round after round, next to what the
# machine offers at that moment: `loupe-bench --core-check` (the FMA loop on one thread against
# both at once, and the round trip of a cache line between two threads). On a virtual machine
# whose host sometimes places the two CPUs far apart, the round trip grows and two-thread
# training loses its speed-up while one thread and the FMA loop do not change.
#   Benchmarks/scaling.sh [--rounds 10] [--model mlp] [--steps 40] [--pytorch]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=10
model=mlp
steps=40
pytorch=0
while [ $# -gt 0 ]; do
    case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --pytorch) pytorch=1; shift ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
    esac
done
swift build -c release --product loupe-bench >/dev/null
if [ "$pytorch" = 1 ] && ! python3 -c "import torch" 2>/dev/null; then
    echo "PyTorch is not installed (python3 -m pip install torch)" >&2
    exit 1
fi
rate() { grep '"metric": *"train"' | grep -o '"images_per_second": *[0-9.]*' | head -1 | grep -o '[0-9.]*$'; }
field() { grep -o "\"$1\": *[0-9.]*" | grep -o '[0-9.]*$'; }
header="| time | Loupe 1 thread | Loupe 2 threads | speed-up"
[ "$pytorch" = 1 ] && header="$header | PyTorch 1 thread | PyTorch 2 threads | speed-up"
header="$header | FMA loop 2 / 1 | cache-line round trip |"
echo "$header"
echo "$header" | sed 's/[^|][^|]*/ --- /g'
for round in $(seq "$rounds"); do
    row="| $(date -u +%T)"
    engines=(loupe)
    [ "$pytorch" = 1 ] && engines+=(pytorch)
    for engine in "${engines[@]}"; do
        values=()
        for threads in 1 2; do
            if [ "$engine" = loupe ]; then
                values+=("$(.build/release/loupe-bench --models "$model" --throughput-only --steps "$steps" --threads "$threads" | rate)")
            else
                values+=("$(python3 Benchmarks/pytorch_reference.py --models "$model" --steps "$steps" --threads "$threads" | rate)")
            fi
        done
        row="$row | $(printf '%.0f' "${values[0]}") | $(printf '%.0f' "${values[1]}") | $(python3 -c "print(f'{${values[1]} / ${values[0]}:.2f}x')")"
    done
    check=$(.build/release/loupe-bench --core-check)
    row="$row | $(printf '%.2fx' "$(echo "$check" | field scaling)") | $(printf '%.0f ns' "$(echo "$check" | field round_trip_ns)")"
    echo "$row |"
done
