#!/usr/bin/env bash
# End-to-end check of a SLURM plan on a real (one-node) engine: starts a throw-away cluster with
# scripts/slurm-cluster.sh in a temporary folder (stopped on exit however the script ends), then
#   1. submits a plan (array + collect) and waits: every array task runs and sees its
#      SLURM_ARRAY_TASK_ID; the collect job, held by --dependency=afterok:<array>, starts only
#      after every task has finished, and finds every shard;
#   2. submits a plan again, cancels one task while it runs: the array is left incomplete and the
#      collect job never runs; resubmitting only the missing index (submit.sh --indices K)
#      completes it and the collect job then finds every shard.
# Prints the time of each step. Exits non-zero with one line naming the failed check.
#
#   scripts/slurm-e2e.sh            LOUPE_SLURM_KEEP=1 keeps the temporary folder
#
# A plan is a folder with the contract of `loupe plan slurm --out PLANDIR -- ...`:
#   PLANDIR/array.sbatch    #SBATCH --array=0-(N-1); task i runs shard i
#   PLANDIR/collect.sbatch  merges the shards; fails if one is missing
#   PLANDIR/submit.sh       [--indices 3,5]: submits the array (or only those indices), then
#                           collect with --dependency=afterok:<array id>; prints `array <id>`
#                           and `collect <id>` lines
# The stub plan below (make_plan, shard_indices_done, plan_result) follows that contract; to check
# a real plan, replace make_plan's body with the `loupe plan slurm` call and the two readers with
# the plan's own layout.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

N=6                    # array tasks
KILL_INDEX=3           # the task cancelled in step 2
JOB_TIMEOUT=${LOUPE_SLURM_JOB_TIMEOUT:-180}

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

# ---- the plan under test (stub) -------------------------------------------------------------

# make_plan PLANDIR: writes array.sbatch, collect.sbatch and submit.sh into PLANDIR.
# Real plan: loupe plan slurm --out "$1" -- audit ...
# Stub shard i sleeps STUB_SHARD_SECONDS (2), or STUB_SLOW_SECONDS (600) if i is STUB_SLOW_INDEX
# (both read at run time: sbatch exports the submitter's environment by default).
make_plan() {
	local plan=$1
	mkdir -p "$plan"
	cat >"$plan/array.sbatch" <<EOF
#!/usr/bin/env bash
#SBATCH --job-name=loupe-shard
#SBATCH --array=0-$((N - 1))
#SBATCH --cpus-per-task=1
#SBATCH --output=logs/array-%A_%a.out
set -euo pipefail
i=\${SLURM_ARRAY_TASK_ID:?not an array task}
start=\$EPOCHREALTIME
seconds=\${STUB_SHARD_SECONDS:-2}
[[ "\$i" == "\${STUB_SLOW_INDEX:-}" ]] && seconds=\${STUB_SLOW_SECONDS:-600}
echo "shard \$i of job \$SLURM_JOB_ID (array \$SLURM_ARRAY_JOB_ID) on \$(hostname -s): \$seconds s"
sleep "\$seconds"
mkdir -p shards
printf 'task=%s job=%s start=%s end=%s\n' "\$i" "\$SLURM_JOB_ID" "\$start" "\$EPOCHREALTIME" >"shards/.shard-\$i.tmp"
mv "shards/.shard-\$i.tmp" "shards/shard-\$i.txt"
EOF
	cat >"$plan/collect.sbatch" <<EOF
#!/usr/bin/env bash
#SBATCH --job-name=loupe-collect
#SBATCH --cpus-per-task=1
#SBATCH --output=logs/collect-%j.out
set -euo pipefail
start=\$EPOCHREALTIME
for ((i = 0; i < $N; i++)); do
	[[ -f "shards/shard-\$i.txt" ]] || { echo "collect: shard \$i missing" >&2; exit 1; }
done
{ echo "collect start=\$start job=\$SLURM_JOB_ID"; cat shards/shard-*.txt; } >result.tmp
mv result.tmp result.txt
EOF
	cat >"$plan/submit.sh" <<'EOF'
#!/usr/bin/env bash
# Submits the array (all tasks, or only --indices LIST) and then collect, held until the array succeeds.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p logs
array_args=()
if [[ "${1:-}" == --indices ]]; then
	[[ "${2:-}" =~ ^[0-9]+(,[0-9]+)*$ ]] || { echo "submit.sh: --indices wants a list like 3,5" >&2; exit 2; }
	array_args=("--array=$2")
elif (($# > 0)); then
	echo "usage: submit.sh [--indices 3,5]" >&2
	exit 2
fi
array=$(sbatch --parsable "${array_args[@]}" array.sbatch)
array=${array%%;*}
collect=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes collect.sbatch)
collect=${collect%%;*}
echo "array $array"
echo "collect $collect"
EOF
	chmod +x "$plan/submit.sh"
}

# shard_indices_done PLANDIR: the array indices whose shard was written, one a line, sorted.
shard_indices_done() {
	local f
	for f in "$1"/shards/shard-*.txt; do
		[[ -e "$f" ]] || continue
		f=${f##*/shard-}
		echo "${f%.txt}"
	done | sort -n
}

# plan_result PLANDIR: the merged result's path (exists only once collect succeeded).
plan_result() { echo "$1/result.txt"; }

# ---- engine helpers -------------------------------------------------------------------------

# submit PLANDIR [--indices L]: runs submit.sh; sets ARRAY_ID and COLLECT_ID.
submit() {
	local plan=$1 out
	shift
	out=$("$plan/submit.sh" "$@") || fail "$plan/submit.sh $* failed"
	ARRAY_ID=$(awk '$1 == "array" { print $2 }' <<<"$out")
	COLLECT_ID=$(awk '$1 == "collect" { print $2 }' <<<"$out")
	[[ "$ARRAY_ID" =~ ^[0-9]+$ && "$COLLECT_ID" =~ ^[0-9]+$ ]] || fail "submit.sh printed no job ids: $out"
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

# Step 1: array + collect (afterok) run to the end; every task sees its index; collect runs last.
check_full_run() {
	local plan=$ROOT/plan-full
	step "plan of $N shards: array + collect, wait for both"
	make_plan "$plan"
	submit "$plan"
	local submitted=$EPOCHREALTIME
	wait_gone "$ARRAY_ID" "$COLLECT_ID"
	expect_states "$ARRAY_ID" COMPLETED
	expect_states "$COLLECT_ID" COMPLETED
	local done_list
	done_list=$(shard_indices_done "$plan" | tr '\n' ' ')
	[[ "$done_list" == "$(seq -s ' ' 0 $((N - 1))) " ]] || fail "shards written: '$done_list', expected 0..$((N - 1))"
	local i
	for ((i = 0; i < N; i++)); do
		grep -q "^task=$i " "$plan/shards/shard-$i.txt" || fail "shard $i does not record SLURM_ARRAY_TASK_ID=$i"
	done
	local result
	result=$(plan_result "$plan")
	[[ -f "$result" ]] || fail "collect wrote no $result"
	# Collect started after every shard ended (times from the jobs themselves).
	awk -v t0="$submitted" '
		/^collect/ { split($2, a, "="); cstart = a[2] }
		/^task=/ { split($3, s, "="); split($4, e, "="); if (e[2] > last) last = e[2]
			printf "  task %s: %6.2f s .. %6.2f s after submit\n", substr($1, 6), s[2] - t0, e[2] - t0 }
		END { printf "  collect start: %6.2f s after submit (last shard ended %6.2f s)\n", cstart - t0, last - t0
			if (cstart < last) { print "collect started before the last shard ended" > "/dev/stderr"; exit 1 } }
	' "$result" || fail "dependency afterok:$ARRAY_ID did not hold collect back"
}

# Step 2: a task cancelled mid-way leaves the array incomplete; resubmitting that index completes it.
check_resubmit() {
	local plan=$ROOT/plan-resubmit
	step "plan of $N shards, cancel task $KILL_INDEX while it runs"
	make_plan "$plan"
	STUB_SLOW_INDEX=$KILL_INDEX submit "$plan"
	local first_array=$ARRAY_ID first_collect=$COLLECT_ID
	wait_running "${first_array}_$KILL_INDEX"
	scancel "${first_array}_$KILL_INDEX"
	echo "  scancel ${first_array}_$KILL_INDEX"
	wait_gone "$first_array" "$first_collect"
	local states
	states=$(task_states "$first_array")
	echo "  array $first_array tasks: $(tr '\n' ' ' <<<"$states")"
	grep -q "^$KILL_INDEX CANCELLED\$" <<<"$states" || fail "task $KILL_INDEX not CANCELLED"
	[[ $(grep -c ' COMPLETED$' <<<"$states") == $((N - 1)) ]] || fail "expected $((N - 1)) completed tasks"
	local collect_state
	collect_state=$(task_states "$first_collect")
	echo "  collect $first_collect: ${collect_state#- } ($(scontrol -o show job "$first_collect" | grep -o 'Reason=[^ ]*'))"
	[[ "$collect_state" == "- CANCELLED" ]] || fail "collect should be cancelled (dependency never satisfied), got '$collect_state'"
	[[ ! -e "$(plan_result "$plan")" ]] || fail "collect wrote a result from an incomplete array"

	local missing
	missing=$(comm -23 <(seq 0 $((N - 1)) | sort) <(shard_indices_done "$plan" | sort) | sort -n | paste -sd, -)
	[[ "$missing" == "$KILL_INDEX" ]] || fail "missing shards '$missing', expected $KILL_INDEX"
	step "resubmit only the missing index $missing"
	submit "$plan" --indices "$missing"
	wait_gone "$ARRAY_ID" "$COLLECT_ID"
	expect_states "$ARRAY_ID" COMPLETED
	expect_states "$COLLECT_ID" COMPLETED
	states=$(task_states "$ARRAY_ID")
	[[ "$states" == "$missing COMPLETED" ]] || fail "resubmitted array ran '$(tr '\n' ' ' <<<"$states")', expected only $missing"
	[[ -f "$(plan_result "$plan")" ]] || fail "collect wrote no result after the resubmission"
	[[ $(grep -c '^task=' "$(plan_result "$plan")") == "$N" ]] || fail "result does not hold $N shards"
	echo "  result holds $N shards; collect $COLLECT_ID COMPLETED"
}

start_cluster
check_full_run
check_resubmit
step ""
echo "slurm-e2e: OK in $(since "$T0") s"
