#!/usr/bin/env bash
# End-to-end check of `loupe plan slurm` on a real (one-node) SLURM engine. Starts a throw-away
# cluster with scripts/slurm-cluster.sh in a temporary folder (stopped on exit however the script
# ends), and:
#   0. runs the audit on one machine: mnist-5k, cnn, dense + prune:0.9 + int8-channel,
#      $MEMBERS members each ($EPOCHS epochs);
#   1. plans the same audit as a job array (one task per work unit) and a collect job, submits
#      it, waits: every task and the collect job complete, and the outputs equal the one-machine
#      run's byte for byte (every file; the manifest's outputs, inputs, configuration, seeds);
#   2. plans it again into another run folder, cancels one task mid-way: the collect job never
#      runs, no output is written, `--collect` names the missing units and their shard;
#      resubmitting only that index (submit.sh --indices K) completes the run, again
#      byte-identical to the one-machine run;
#   3. plans a screening ROAR benchmark (2 methods x 1 fraction x 2 modes x 2 retrains on 1,000
#      training images): its preparation job makes the base model and the maps, the array waits
#      for it (afterok) and makes only retrains, the collect job writes outputs byte-identical
#      to the benchmark run on one machine.
# Prints the time of each step. Exits non-zero with one line naming the failed check.
#
#   scripts/slurm-e2e.sh            LOUPE=path/to/loupe (default: a release build of this checkout)
#                                   LOUPE_SLURM_KEEP=1 keeps the temporary folder
#                                   LOUPE_E2E_MEMBERS (6), LOUPE_E2E_EPOCHS (2)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

MEMBERS=${LOUPE_E2E_MEMBERS:-6}
EPOCHS=${LOUPE_E2E_EPOCHS:-2}
KILL_INDEX=3           # the task cancelled in step 2
JOB_TIMEOUT=${LOUPE_SLURM_JOB_TIMEOUT:-3600}
# shellcheck disable=SC2054 # the commas are in one argument
AUDIT=(audit --members "$MEMBERS" --epochs "$EPOCHS" --variants dense,prune:0.9,int8-channel)
# shellcheck disable=SC2054
ROAR=(benchmark roar --model cnn --epochs 1 --retrains 2 --fractions 50 --methods gradient,random
	--train-limit 1000 --test-limit 500)

ROOT=$(mktemp -d /tmp/loupe-slurm-e2e.XXXXXX)
CLUSTER=$ROOT/cluster

fail() {
	echo "slurm-e2e: FAIL: $*" >&2
	exit 1
}

finish() {
	local rc=$?
	"$REPO/scripts/slurm-cluster.sh" stop "$CLUSTER" || true
	if ((rc == 0)) && [[ "${LOUPE_SLURM_KEEP:-0}" != 1 ]]; then
		rm -rf "$ROOT"
	else
		echo "slurm-e2e: files kept in $ROOT (cluster logs in $CLUSTER/log)" >&2
	fi
	exit "$rc"
}
trap finish EXIT

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
T0=$(now)
step_start=$T0
step() {
	if [[ -n "${STEP_NAME:-}" ]]; then
		printf '[%7.2f s] done: %s (%s s)\n' "$(since "$T0")" "$STEP_NAME" "$(since "$step_start")"
	fi
	STEP_NAME=${1:-}
	step_start=$(now)
	[[ -n "$STEP_NAME" ]] && printf '[%7.2f s] step: %s\n' "$(since "$T0")" "$STEP_NAME"
	return 0
}

if [[ -z "${LOUPE:-}" ]]; then
	swift build -c release --product loupe >/dev/null
	LOUPE=$REPO/.build/release/loupe
fi
LOUPE=$(realpath "$LOUPE")

# same_outputs RUN [REFERENCE]: RUN's files equal the one-machine run's (REFERENCE, single by default) byte for byte (the manifest: its
# outputs, inputs, configuration, seeds and rerun recipe but its thread count), and `loupe verify` passes on it.
same_outputs() {
	python3 - "$ROOT/${2:-single}" "$1" <<'PY' || fail "$1 differs from the one-machine run"
import json, os, sys
a, b = sys.argv[1], sys.argv[2]
def files(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)
fa, fb = files(a), files(b)
if fa != fb:
    sys.exit(f"file lists differ: only one machine {sorted(set(fa) - set(fb))[:5]}, only sharded {sorted(set(fb) - set(fa))[:5]}")
for f in fa:
    if f == "manifest.json":
        continue
    if open(os.path.join(a, f), "rb").read() != open(os.path.join(b, f), "rb").read():
        sys.exit(f"{f} differs")
ma, mb = (json.load(open(os.path.join(r, "manifest.json"))) for r in (a, b))
for m in (ma, mb):  # the thread count is each run's own; members do not depend on it
    args = m["rerun"]["arguments"]
    i = args.index("--threads")
    m["rerun"]["arguments"] = args[:i] + args[i + 2:]
for key in ["outputs", "inputs", "configuration", "seeds", "rerun"]:
    if ma[key] != mb[key]:
        sys.exit(f"manifest {key} differs")
shards = mb.get("shards") or []
print(f"  {len(fa)} files identical ({len(ma['outputs'])} outputs in the manifest); {len(shards)} shard records:",
      ", ".join(f"{s['shard']} {s['wallSeconds']:.1f}s" for s in shards))
PY
	"$LOUPE" verify "$1" >/dev/null || fail "loupe verify $1 failed"
}

# ---- engine helpers -------------------------------------------------------------------------

# submit PLANDIR [--indices L]: runs submit.sh; sets ARRAY_ID and COLLECT_ID.
submit() {
	local plan=$1 out
	shift
	out=$("$plan/submit.sh" "$@") || fail "$plan/submit.sh $* failed"
	PREPARE_ID=$(awk '$1 == "prepare" { print $2 }' <<<"$out")
	ARRAY_ID=$(awk '$1 == "array" { print $2 }' <<<"$out")
	COLLECT_ID=$(awk '$1 == "collect" { print $2 }' <<<"$out")
	[[ "$ARRAY_ID" =~ ^[0-9]+$ && "$COLLECT_ID" =~ ^[0-9]+$ ]] || fail "submit.sh printed no job ids: $out"
	[[ -n "$PREPARE_ID" ]] && echo "  submitted prepare $PREPARE_ID; array $ARRAY_ID after ok:$PREPARE_ID"
	echo "  submitted array $ARRAY_ID, collect $COLLECT_ID (after ok:$ARRAY_ID)"
}

# wait_gone ID...: polls squeue until none of the jobs (or array tasks) is pending or running.
wait_gone() {
	local ids started=$SECONDS left
	ids=$(
		IFS=,
		echo "$*"
	)
	while true; do
		left=$(squeue -h -j "$ids" -o '%i' 2>/dev/null | wc -l)
		((left == 0)) && return 0
		((SECONDS - started < JOB_TIMEOUT)) || fail "jobs $ids still queued after $JOB_TIMEOUT s: $(squeue -h -j "$ids" -o '%i:%T:%r' | tr '\n' ' ')"
		sleep 0.25
	done
}

# wait_running JOB_ARRAYINDEX: waits until that task runs.
wait_running() {
	local started=$SECONDS state
	while true; do
		state=$(squeue -h -j "$1" -o '%T' 2>/dev/null || true)
		[[ "$state" == RUNNING ]] && return 0
		((SECONDS - started < JOB_TIMEOUT)) || fail "$1 not running after $JOB_TIMEOUT s (state '${state}')"
		sleep 0.1
	done
}

# task_states ID: "index state" lines for an array job, or "- state" for a plain job, as slurmctld
# remembers finished jobs (MinJobAge, 300 s by default; there is no accounting here).
task_states() {
	scontrol -o show job "$1" | sed -E 's/^JobId=[0-9]+ (ArrayJobId=[0-9]+ ArrayTaskId=([^ ]+) )?.*JobState=([A-Z_]+).*/\2 \3/' |
		sed -E 's/^ /- /' | sort -n
}

# expect_states ID STATE: every task (or the job) ended in STATE.
expect_states() {
	local states
	states=$(task_states "$1")
	if grep -qv " $2\$" <<<"$states"; then
		fail "job $1: expected every task $2, got: $(tr '\n' ' ' <<<"$states")"
	fi
}

# ---- steps ----------------------------------------------------------------------------------

start_cluster() {
	step "start a one-node cluster"
	eval "$("$REPO/scripts/slurm-cluster.sh" start "$CLUSTER")"
	[[ "${SLURM_CONF:-}" == "$CLUSTER/slurm.conf" ]] || fail "slurm-cluster.sh printed no SLURM_CONF"
	sinfo -h -N -o '  node %N: %t, %c CPUs, %m MB'
}

one_machine() {
	step "the audit on one machine (2 threads): ${AUDIT[*]}"
	(cd "$ROOT" && "$LOUPE" "${AUDIT[@]}" --threads 2 --out single >single.log 2>&1) || fail "one-machine audit failed: $(tail -1 "$ROOT/single.log")"
	tail -n 2 "$ROOT/single.log" | sed 's/^/  /'
}

# plan PLANDIR RUN: loupe plan slurm for the audit into run folder RUN (relative to $ROOT).
plan() {
	(cd "$ROOT" && "$LOUPE" plan slurm --out "$1" --loupe "$LOUPE" -- "${AUDIT[@]}" --out "$2") | sed 's/^/  /'
	grep -q "^#SBATCH --array=0-" "$1/array.sbatch" || fail "$1/array.sbatch has no array"
}

# Step 1: the plan runs to the end; collect runs last; outputs equal the one-machine run's.
check_full_run() {
	local plan=$ROOT/plan-full
	step "plan, submit, wait for the array and the collect job"
	plan "$plan" sharded
	local tasks
	tasks=$(sed -n 's/^#SBATCH --array=0-//p' "$plan/array.sbatch")
	echo "  $((tasks + 1)) tasks"
	submit "$plan"
	wait_gone "$ARRAY_ID" "$COLLECT_ID"
	expect_states "$ARRAY_ID" COMPLETED
	expect_states "$COLLECT_ID" COMPLETED
	step "compare with the one-machine run"
	same_outputs "$ROOT/sharded"
}

# Step 2: a task cancelled mid-way leaves the run incomplete; resubmitting that index completes it.
check_resubmit() {
	local plan=$ROOT/plan-resubmit
	step "plan again, cancel task $KILL_INDEX while it trains"
	plan "$plan" resubmitted
	submit "$plan"
	local first_array=$ARRAY_ID first_collect=$COLLECT_ID
	wait_running "${first_array}_$KILL_INDEX"
	sleep 1
	scancel "${first_array}_$KILL_INDEX"
	echo "  scancel ${first_array}_$KILL_INDEX"
	wait_gone "$first_array" "$first_collect"
	local states
	states=$(task_states "$first_array")
	echo "  array $first_array tasks: $(tr '\n' ' ' <<<"$states")"
	grep -q "^$KILL_INDEX CANCELLED\$" <<<"$states" || fail "task $KILL_INDEX not CANCELLED"
	local collect_state
	collect_state=$(task_states "$first_collect")
	echo "  collect $first_collect: ${collect_state#- } ($(scontrol -o show job "$first_collect" | grep -o 'Reason=[^ ]*'))"
	[[ "$collect_state" == "- CANCELLED" ]] || fail "collect should be cancelled (dependency never satisfied), got '$collect_state'"
	[[ ! -e "$ROOT/resubmitted/cie.csv" && ! -e "$ROOT/resubmitted/manifest.json" ]] || fail "outputs written from an incomplete run"
	local tasks message
	tasks=$(($(sed -n 's/^#SBATCH --array=0-//p' "$plan/array.sbatch") + 1))
	if message=$(cd "$ROOT" && "$LOUPE" "${AUDIT[@]}" --out resubmitted --collect --shards "$tasks" 2>&1); then
		fail "--collect succeeded on an incomplete run"
	fi
	echo "  $(grep '^Error:' <<<"$message")"
	grep -q "(shard $KILL_INDEX/$tasks) missing" <<<"$message" || fail "--collect did not name shard $KILL_INDEX"
	step "resubmit only index $KILL_INDEX"
	submit "$plan" --indices "$KILL_INDEX"
	wait_gone "$ARRAY_ID" "$COLLECT_ID"
	expect_states "$ARRAY_ID" COMPLETED
	expect_states "$COLLECT_ID" COMPLETED
	states=$(task_states "$ARRAY_ID")
	[[ "$states" == "$KILL_INDEX COMPLETED" ]] || fail "resubmitted array ran '$(tr '\n' ' ' <<<"$states")', expected only $KILL_INDEX"
	step "compare with the one-machine run"
	same_outputs "$ROOT/resubmitted"
}

# Step 3: ROAR's preparation job runs first, then the array, then the collect.
check_roar() {
	local plan=$ROOT/plan-roar
	step "ROAR on one machine (2 threads): ${ROAR[*]}"
	(cd "$ROOT" && "$LOUPE" "${ROAR[@]}" --threads 2 --out roar-single >roar-single.log 2>&1) || fail "one-machine ROAR failed: $(tail -1 "$ROOT/roar-single.log")"
	step "plan ROAR, submit prepare, array and collect, wait"
	(cd "$ROOT" && "$LOUPE" plan slurm --out "$plan" --loupe "$LOUPE" -- "${ROAR[@]}" --out roar-sharded) | sed 's/^/  /'
	[[ -f "$plan/prepare.sbatch" ]] || fail "the ROAR plan has no prepare.sbatch"
	submit "$plan"
	[[ "$PREPARE_ID" =~ ^[0-9]+$ ]] || fail "submit.sh submitted no preparation job"
	wait_gone "$PREPARE_ID" "$ARRAY_ID" "$COLLECT_ID"
	expect_states "$PREPARE_ID" COMPLETED
	expect_states "$ARRAY_ID" COMPLETED
	expect_states "$COLLECT_ID" COMPLETED
	if grep -l "this task makes" "$plan"/logs/*_*.out 2>/dev/null; then
		fail "an array task made the base model or maps the preparation job should have made"
	fi
	step "compare with the one-machine ROAR run"
	same_outputs "$ROOT/roar-sharded" roar-single
}

start_cluster
one_machine
check_full_run
check_resubmit
check_roar
step ""
echo "slurm-e2e: OK in $(since "$T0") s"
