#!/usr/bin/env bash
# A throw-away one-node SLURM cluster (slurmctld + slurmd on this machine, munge auth), every
# file of it inside one folder: for trying `loupe plan slurm` plans on a real engine.
#
#   scripts/slurm-cluster.sh start DIR    install if missing, start, wait until the node is idle,
#                                         print `export SLURM_CONF=DIR/slurm.conf` (only that on stdout)
#   scripts/slurm-cluster.sh status DIR   daemons' pids and `sinfo`; exit 0 only if both run
#   scripts/slurm-cluster.sh stop DIR     stop both daemons by their pids and wait for them to exit
#
# Typical use:  eval "$(scripts/slurm-cluster.sh start /tmp/slurm)"; sbatch ...; scripts/slurm-cluster.sh stop /tmp/slurm
#
# Needs root (slurmd runs jobs as their submitter; SlurmUser is root here) and apt for the
# first install (Debian's slurm-wlm). munged is started if no munged answers and is left running
# by `stop` (it is shared by anything else using munge). No systemd is used.
# Environment: SLURM_CLUSTER_CTLD_PORT (16817), SLURM_CLUSTER_SLURMD_PORT (16818),
# SLURM_CLUSTER_TIMEOUT seconds to wait for the node to become idle (60).
set -euo pipefail

CTLD_PORT=${SLURM_CLUSTER_CTLD_PORT:-16817}
SLURMD_PORT=${SLURM_CLUSTER_SLURMD_PORT:-16818}
TIMEOUT=${SLURM_CLUSTER_TIMEOUT:-60}
DAEMONS=(slurmctld slurmd)

usage() {
	echo "usage: $0 start|stop|status DIR" >&2
	exit 2
}

die() {
	echo "slurm-cluster: $*" >&2
	exit 1
}

note() { echo "slurm-cluster: $*" >&2; }

# The pid recorded for daemon $1 if that process is still that daemon of this folder (its command
# line, or setsid's just before it runs the daemon, holds `$1 -D -f DIR/slurm.conf`), else nothing.
live_pid() {
	local file="$DIR/$1.pid" pid cmdline
	[[ -f "$file" ]] || return 0
	pid=$(<"$file")
	[[ "$pid" =~ ^[0-9]+$ ]] || return 0
	cmdline=$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null || true)
	[[ " $cmdline" == *" $1 -D -f $DIR/slurm.conf "* ]] && echo "$pid"
	return 0
}

install_if_missing() {
	local missing=0 tool
	for tool in slurmctld slurmd sinfo sbatch squeue scontrol munged munge unmunge; do
		command -v "$tool" >/dev/null 2>&1 || missing=1
	done
	((missing == 0)) && return 0
	note "installing slurmctld slurmd slurm-client munge with apt-get"
	# A fresh machine's package lists may be empty: update them once if the install fails.
	local packages=(slurmctld slurmd slurm-client munge)
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >"$DIR/log/apt.log" 2>&1 ||
		{ apt-get update >>"$DIR/log/apt.log" 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >>"$DIR/log/apt.log" 2>&1; } ||
		die "apt-get install failed; see $DIR/log/apt.log"
}

ensure_munged() {
	if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
	note "starting munged"
	[[ -f /etc/munge/munge.key ]] || die "no munge key at /etc/munge/munge.key (reinstall the munge package)"
	mkdir -p /run/munge
	chown munge:munge /run/munge
	runuser -u munge -- /usr/sbin/munged >"$DIR/log/munged.out" 2>&1 ||
		die "munged did not start; see $DIR/log/munged.out and /var/log/munge/munged.log"
	local i
	for ((i = 0; i < 50; i++)); do
		if munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	die "munged started but munge/unmunge still fail; see /var/log/munge/munged.log"
}

write_conf() {
	local host cpus mem_kb
	host=$(hostname -s)
	cpus=$(nproc)
	mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
	[[ "$mem_kb" =~ ^[0-9]+$ ]] || die "cannot read MemTotal from /proc/meminfo"
	cat >"$DIR/slurm.conf" <<EOF
# Written by scripts/slurm-cluster.sh: a one-node cluster living in $DIR.
ClusterName=loupe
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MailProg=/bin/true
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$host CPUs=$cpus RealMemory=$((mem_kb / 1024)) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

# Stops the daemons this folder records (TERM, then KILL after 20 s) and waits for them to exit.
stop_daemons() {
	local d pid i
	for d in slurmd slurmctld; do
		pid=$(live_pid "$d")
		if [[ -n "$pid" ]]; then
			kill -TERM "$pid" 2>/dev/null || true
			for ((i = 0; i < 200; i++)); do
				[[ -d "/proc/$pid" ]] || break
				sleep 0.1
			done
			if [[ -d "/proc/$pid" ]]; then
				note "$d ($pid) ignored TERM for 20 s; sending KILL"
				kill -KILL "$pid" 2>/dev/null || true
				for ((i = 0; i < 50; i++)); do
					[[ -d "/proc/$pid" ]] || break
					sleep 0.1
				done
			fi
			[[ -d "/proc/$pid" ]] && die "$d ($pid) still running after KILL"
			note "stopped $d ($pid)"
		fi
		rm -f "$DIR/$d.pid"
	done
}

# Node state as sinfo prints it (idle, mix, down*, inval, ...), or nothing if slurmctld does not answer.
node_state() {
	SLURM_CONF="$DIR/slurm.conf" timeout 10 sinfo -h -N -o '%t' 2>/dev/null | head -n 1 || true
}

cmd_start() {
	mkdir -p "$DIR/state" "$DIR/spool" "$DIR/log" "$DIR/run"
	local ctld slurmd
	ctld=$(live_pid slurmctld)
	slurmd=$(live_pid slurmd)
	if [[ -n "$ctld" && -n "$slurmd" ]]; then
		note "already running in $DIR (slurmctld $ctld, slurmd $slurmd)"
		echo "export SLURM_CONF=$DIR/slurm.conf"
		return 0
	fi
	[[ -z "$ctld" && -z "$slurmd" ]] ||
		die "only one daemon of $DIR is running (slurmctld '${ctld}', slurmd '${slurmd}'); run: $0 stop $DIR"
	((EUID == 0)) || die "must run as root (slurmd and SlurmUser=root)"

	local port
	for port in "$CTLD_PORT" "$SLURMD_PORT"; do
		if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
			die "port $port is already in use (another cluster? set SLURM_CLUSTER_CTLD_PORT/SLURM_CLUSTER_SLURMD_PORT)"
		fi
	done
	install_if_missing
	ensure_munged
	write_conf
	export SLURM_CONF="$DIR/slurm.conf"

	# From here on, any failure (die, set -e) stops whatever was started.
	trap 'rc=$?; if ((rc != 0)); then stop_daemons >/dev/null 2>&1 || true; fi' EXIT
	local started=$SECONDS
	setsid slurmctld -D -f "$SLURM_CONF" </dev/null >"$DIR/log/slurmctld.out" 2>&1 &
	echo $! >"$DIR/slurmctld.pid"
	setsid slurmd -D -f "$SLURM_CONF" </dev/null >"$DIR/log/slurmd.out" 2>&1 &
	echo $! >"$DIR/slurmd.pid"

	local state="" d
	while ((SECONDS - started < TIMEOUT)); do
		for d in "${DAEMONS[@]}"; do
			if [[ -z "$(live_pid "$d")" ]]; then
				die "$d exited during start-up; see $DIR/log/$d.log and $DIR/log/$d.out"
			fi
		done
		state=$(node_state)
		case "$state" in
		idle | mix | alloc)
			# The controller answering must be this folder's (not another cluster on the same port).
			local saved
			saved=$(SLURM_CONF="$DIR/slurm.conf" timeout 10 scontrol show config 2>/dev/null |
				awk '$1 == "StateSaveLocation" { print $3 }' || true)
			[[ "$saved" == "$DIR/state" ]] ||
				die "the controller on port $CTLD_PORT is not this cluster's (its state is in '${saved}')"
			break
			;;
		inval* | drain* | drng*)
			local reason
			reason=$(SLURM_CONF="$DIR/slurm.conf" sinfo -h -N -o '%E' 2>/dev/null | head -n 1 || true)
			die "node came up '$state' (reason: ${reason:-none}); see $DIR/log/slurmd.log"
			;;
		esac
		sleep 0.5
	done
	case "$state" in
	idle | mix | alloc) ;;
	*)
		die "node not idle after ${TIMEOUT} s (state '${state:-no answer}'); see $DIR/log/slurmctld.log and $DIR/log/slurmd.log"
		;;
	esac
	trap - EXIT
	note "up in $((SECONDS - started)) s: node $(hostname -s) $state, $(nproc) CPUs; logs in $DIR/log"
	echo "export SLURM_CONF=$DIR/slurm.conf"
}

cmd_status() {
	local d pid running=0
	for d in "${DAEMONS[@]}"; do
		pid=$(live_pid "$d")
		if [[ -n "$pid" ]]; then
			echo "$d: running (pid $pid)"
			running=$((running + 1))
		else
			echo "$d: not running"
		fi
	done
	if ((running == ${#DAEMONS[@]})); then
		SLURM_CONF="$DIR/slurm.conf" timeout 10 sinfo -N -l 2>&1 || true
		return 0
	fi
	return 3
}

(($# == 2)) || usage
[[ -n "$2" ]] || usage
DIR=$(realpath -m -- "$2")
case "$1" in
start) cmd_start ;;
stop)
	[[ -d "$DIR" ]] || die "no cluster folder $DIR"
	stop_daemons
	;;
status)
	[[ -d "$DIR" ]] || die "no cluster folder $DIR"
	cmd_status
	;;
*) usage ;;
esac
