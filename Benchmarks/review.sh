#!/usr/bin/env bash
# `loupe review` under load and after a crash (issue 16, point 6), with the release build:
#   1. the first grid page (100 items) of a 60,000-example queue (a CSV of scores over
#      Fashion-MNIST's training split), then the median of 20 more, a re-sort and a filter;
#   2. 200 concurrent clients posting 10 verdicts each (Benchmarks/review_load.py): latency
#      percentiles, and every acknowledged verdict in the database and the CSV export;
#   3. SIGKILL of the server while 16 clients post, a restart on the same database: every
#      acknowledged verdict is there and PRAGMA integrity_check is ok.
#   Benchmarks/review.sh        (needs Debian's dataset-fashion-mnist)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /usr/share/datasets/fashion-mnist ] || { echo "Benchmarks/review.sh needs apt-get install dataset-fashion-mnist" >&2; exit 1; }
swift build -c release --product loupe >/dev/null
loupe=$PWD/.build/release/loupe
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
[ -n "${REVIEW_BENCH_KEEP:-}" ] && trap - EXIT
token=review-benchmark-0123456789
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%Y-%m-%d); commit $(git rev-parse --short HEAD)"
python3 - "$work/scores.csv" <<'PY'
import random, sys
rng = random.Random(0)
with open(sys.argv[1], "w") as f:
    f.write("id,score\n")
    for i in range(60000):
        f.write(f"{i},{rng.random():.6f}\n")
PY

start() {  # start the server on a free port; sets $server and $url
    # Emptied here, not by the background job's redirection: that one may come after the first
    # read below, which would then find the previous server's address.
    : >"$work/server.log"
    "$loupe" review "$work/scores.csv" --data fashion-mnist --split train --db "$work/review.sqlite" \
        --port 0 --token "$token" >"$work/server.log" 2>&1 &
    server=$!
    for _ in $(seq 600); do
        url=$(sed -n 's/^open \(http:\/\/[^/]*\)\/.*/\1/p' "$work/server.log")
        [ -n "$url" ] && return 0
        sleep 0.1
    done
    echo "the server did not start:" >&2; cat "$work/server.log" >&2; exit 1
}

began=$(date +%s.%N)
start
echo "server ready in $(python3 -c "print(round($(date +%s.%N) - $began, 2))") s (loads Fashion-MNIST, reads the queue)"
echo "== first grid page of a 60,000-example queue"
python3 Benchmarks/review_load.py page "$url" "$token" csv:scores 21
echo "== 200 concurrent clients x 10 verdicts"
python3 Benchmarks/review_load.py writes "$url" "$token" 200 10 csv:scores
echo "== SIGKILL during writes, then a restart"
: >"$work/acknowledged.txt"
python3 Benchmarks/review_load.py hammer "$url" "$token" 30 "$work/acknowledged.txt" csv:scores &
hammer=$!
# Kill once the writers are well under way (on a loaded machine they take a while to start).
for _ in $(seq 300); do
    [ "$(wc -l <"$work/acknowledged.txt")" -ge 1000 ] && break
    sleep 0.1
done
kill -9 "$server"
wait "$server" 2>/dev/null || true
wait "$hammer" || true
server=
start
python3 - "$url" "$token" "$work/acknowledged.txt" "$work/review.sqlite" <<'PY' || { cat "$work/server.log" >&2; exit 1; }
import json, sqlite3, sys, urllib.request
url, token, log, database = sys.argv[1:5]
acknowledged = {int(line) for line in open(log)}
request = urllib.request.Request(url + "/api/verdicts?format=json", headers={"Authorization": "Bearer " + token})
stored = {r["sequence"] for r in json.load(urllib.request.urlopen(request))["verdicts"]}
integrity = sqlite3.connect(database).execute("PRAGMA integrity_check").fetchone()[0]
lost = acknowledged - stored
print(json.dumps({"acknowledged_before_kill": len(acknowledged), "lost": len(lost), "integrity_check": integrity,
                  "records_after_restart": len(stored)}))
sys.exit(1 if lost or integrity != "ok" else 0)
PY
