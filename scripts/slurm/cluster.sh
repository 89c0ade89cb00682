#!/usr/bin/env bash
# A single-node Slurm cluster for tests, everything under one folder:
#
#   eval "$(scripts/slurm/cluster.sh start /tmp/dt-slurm)"   # prints export SLURM_CONF=/tmp/dt-slurm/slurm.conf
#   scripts/slurm/cluster.sh stop /tmp/dt-slurm              # idempotent
#
# start writes DIR/slurm.conf (this host, its CPUs, its memory less a margin), a
# private munge key and socket, state, spool, pid files and logs (DIR/log), starts
# munged, slurmctld and slurmd, and waits until sinfo shows the node idle. It
# never reads or writes /etc/slurm or /etc/munge, so a real cluster's daemons and
# configuration are left alone; it refuses a port already in use. Runs as root
# (slurmd starts the jobs), without systemd; needs Debian's slurm-wlm and munge
# (make setup). DT_SLURM_PORT sets slurmctld's port (default 6817; slurmd uses
# the next one); DT_SLURM_TIMEOUT the seconds to wait for the node (default 60).
# stop cancels the cluster's jobs and stops the three daemons by their pid files.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
die() { echo "cluster.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || usage
cmd=$1
[ "$cmd" = stop ] && [ ! -d "$2" ] && exit 0
mkdir -p "$2"
dir=$(cd "$2" && pwd)
conf=$dir/slurm.conf

# alive PIDFILE NAME: the pid in PIDFILE, if that process runs and is NAME.
alive() {
	local pid
	[ -s "$1" ] || return 1
	pid=$(tr -dc 0-9 <"$1")
	[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && echo "$pid"
}

stop() {
	local pid name i
	if alive "$dir/slurmctld.pid" slurmctld >/dev/null && [ -f "$conf" ]; then
		SLURM_CONF=$conf scancel --quiet --full --state=PENDING 2>/dev/null || true
		SLURM_CONF=$conf scancel --quiet --full --state=RUNNING 2>/dev/null || true
		for ((i = 0; i < 20; i++)); do
			[ -z "$(SLURM_CONF=$conf squeue -h -t running,completing -o %i 2>/dev/null)" ] && break
			sleep 0.5
		done
	fi
	for name in slurmd slurmctld munged; do
		pid=$(alive "$dir/$name.pid" "$name") || { rm -f "$dir/$name.pid"; continue; }
		kill "$pid" 2>/dev/null || true
		for ((i = 0; i < 40; i++)); do
			[ -d "/proc/$pid" ] || break
			sleep 0.25
		done
		if [ -d "/proc/$pid" ]; then
			echo "cluster.sh: $name ($pid) ignored SIGTERM for 10 s: killing it" >&2
			kill -KILL "$pid" 2>/dev/null || true
		fi
		rm -f "$dir/$name.pid"
	done
}

logs() {
	local f
	for f in "$dir"/log/*.log; do
		[ -f "$f" ] || continue
		echo "--- tail of $f" >&2
		tail -n 15 "$f" >&2
	done
}

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
	local host cpus mem_kb mem_mb margin port timeout i state
	[ "$(id -u)" = 0 ] || die "must run as root (slurmd starts the jobs)"
	for c in munged slurmctld slurmd sinfo; do
		command -v "$c" >/dev/null || die "$c not found: install Debian's slurm-wlm and munge (make setup-apt)"
	done
	for name in munged slurmctld slurmd; do
		alive "$dir/$name.pid" "$name" >/dev/null && die "$name already runs from $dir: run '$0 stop $dir' first"
	done
	port=${DT_SLURM_PORT:-6817}
	[[ $port =~ ^[0-9]+$ ]] || die "DT_SLURM_PORT=$port: want a port number"
	for p in "$port" $((port + 1)); do
		port_busy "$p" && die "port $p is in use (another slurmctld or slurmd?): set DT_SLURM_PORT to a free pair"
	done
	timeout=${DT_SLURM_TIMEOUT:-60}
	host=$(hostname -s)
	cpus=$(nproc)
	mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
	mem_mb=$((mem_kb / 1024))
	margin=$((mem_mb / 10 > 1024 ? mem_mb / 10 : 1024)) # slurmd drains a node that has less than RealMemory
	mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"
	chmod 755 "$dir/munge" # the key inside is 0600
	cat >"$conf" <<CONF
# Written by scripts/slurm/cluster.sh: a single-node test cluster under $dir.
ClusterName=dt-test
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$((mem_mb - margin)) State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
	if [ ! -s "$dir/munge/munge.key" ]; then
		(umask 077 && head -c 1024 /dev/urandom >"$dir/munge/munge.key")
	fi
	trap 'echo "cluster.sh: start failed; logs under $dir/log:" >&2; logs; stop' ERR
	# --force: munged complains about /tmp's permissions and its own log's owner, harmlessly.
	munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
		--pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed" \
		2>>"$dir/log/munged.log"
	slurmctld -f "$conf" 2>>"$dir/log/slurmctld.log"
	slurmd -f "$conf" 2>>"$dir/log/slurmd.log"
	for ((i = 0; i < timeout * 2; i++)); do
		state=$(SLURM_CONF=$conf sinfo -h -N -n "$host" -o %t 2>/dev/null || true)
		[ "$state" = idle ] && break
		sleep 0.5
	done
	if [ "$state" != idle ]; then
		echo "cluster.sh: node $host is not idle after ${timeout} s (state: ${state:-no answer from slurmctld}); logs under $dir/log:" >&2
		trap - ERR
		logs
		stop
		exit 1
	fi
	trap - ERR
	echo "cluster.sh: node $host idle ($cpus CPUs, $((mem_mb - margin)) MB) under $dir" >&2
	echo "export SLURM_CONF=$conf"
}

case $cmd in
start) start ;;
stop) stop ;;
*) usage ;;
esac
