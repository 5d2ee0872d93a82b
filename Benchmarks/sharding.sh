#!/usr/bin/env bash
# The cost of sharding (issue 17, point 5), with the release build, as local processes:
#   1. the mnist-5k audit (cnn; dense, prune:0.9, int8-channel; MEMBERS members, EPOCHS epochs)
#      on one core (--threads 1), then as 2 single-core shard tasks at once plus a collect:
#      throughput against the one-core run (ideal: 2x on 2 cores), each task's start-up (its
#      wall time less the time of the units it made, from the shard records) and the collect;
#   2. the collect step alone for 30 members x 5 variants on Fashion-MNIST (dense, prune:0.5,
#      prune:0.9, int8-channel, float16 of a small mlp, trained here first by 2 shard tasks).
#   Benchmarks/sharding.sh          MEMBERS (6), EPOCHS (2); needs dataset-fashion-mnist
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /usr/share/datasets/fashion-mnist ] || { echo "Benchmarks/sharding.sh needs apt-get install dataset-fashion-mnist" >&2; exit 1; }
swift build -c release --product loupe >/dev/null
loupe=$PWD/.build/release/loupe
members=${MEMBERS:-6}
epochs=${EPOCHS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d); commit $(git -C "$OLDPWD" rev-parse --short HEAD)"
now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# shellcheck disable=SC2054 # the commas are in one argument
audit=(audit --members "$members" --epochs "$epochs" --variants dense,prune:0.9,int8-channel)
echo "1. ${audit[*]}"
t=$(now)
"$loupe" "${audit[@]}" --threads 1 --out one-core >one-core.log 2>&1
one=$(seconds "$t" "$(now)")
echo "   one core, one process:         $one s"
t=$(now)
"$loupe" "${audit[@]}" --threads 1 --out sharded --shard 0/2 >shard0.log 2>&1 &
first=$!
"$loupe" "${audit[@]}" --threads 1 --out sharded --shard 1/2 >shard1.log 2>&1
wait "$first"
tasks=$(seconds "$t" "$(now)")
t=$(now)
"$loupe" "${audit[@]}" --threads 1 --out sharded --collect >collect.log 2>&1
collect=$(seconds "$t" "$(now)")
total=$(awk -v a="$tasks" -v b="$collect" 'BEGIN { printf "%.1f", a + b }')
echo "   2 shard tasks at once:         $tasks s, then collect $collect s: $total s in all"
awk -v one="$one" -v total="$total" -v tasks="$tasks" 'BEGIN {
    printf "   throughput: %.2fx the one-core run (tasks alone %.2fx; ideal 2x)\n", one / total, one / tasks }'
if cmp -s one-core/cie.csv sharded/cie.csv && cmp -s one-core/classes.csv sharded/classes.csv; then
    echo "   cie.csv and classes.csv identical to the one-core run"
else
    echo "   outputs differ" >&2
    exit 1
fi
shard_costs() {  # each shard task's wall time, its units' time and the rest (start-up: reading the data)
    python3 - "$1" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for s in m["shards"]:
    made = sum(s["madeSeconds"].values())
    print(f"   shard {s['shard']}: wall {s['wallSeconds']:.2f} s, units {made:.2f} s, start-up and the rest {s['wallSeconds'] - made:.2f} s, peak {s['peakMemoryBytes'] / 2**20:.0f} MiB")
PY
}
shard_costs sharded/manifest.json

echo "2. collect of 30 members x 5 variants on Fashion-MNIST"
# shellcheck disable=SC2054
fashion=(audit --data fashion-mnist --model mlp --hidden 32 --members 30 --epochs 1 --variants dense,prune:0.5,prune:0.9,int8-channel,float16)
t=$(now)
"$loupe" "${fashion[@]}" --threads 1 --out fashion --shard 0/2 >f0.log 2>&1 &
first=$!
"$loupe" "${fashion[@]}" --threads 1 --out fashion --shard 1/2 >f1.log 2>&1
wait "$first"
echo "   150 members made by 2 shard tasks: $(seconds "$t" "$(now)") s"
for run in 1 2 3; do
    t=$(now)
    "$loupe" "${fashion[@]}" --threads 1 --out "fashion" --collect >fcollect.log 2>&1
    echo "   collect (run $run): $(seconds "$t" "$(now)") s; $(grep -c '"path"' fashion/manifest.json) files in the manifest"
    [ "$run" = 1 ] && shard_costs fashion/manifest.json
done
