#!/usr/bin/env bash
# Stand up a one-node SLURM cluster on localhost for the `slurm` tests: munged, slurmctld and
# slurmd as daemons, one node with 2 CPUs and two fake GPUs (GRES on /dev/null and /dev/zero: the same
# two training slots as `snakemake --cores 2`, so the SLURM/local ratio measures SLURM), partitions
# `cpu` (default) and `gpu` named like profiles/slurm's. Idempotent: installs slurm-wlm and munge
# only if missing, rewrites the config only if it changed, starts only daemons not running.
#
# The config goes to SLURM's default directory (/etc/slurm) because the jobstep executor strips
# SLURM_CONF before its inner `srun`; a slurm.conf this script did not write is never touched.
# Pids and logs live in $REPLIFOLD_SLURM_STATE (default /tmp/replifold-slurm); stop-cluster.sh
# stops the daemons recorded there. The last line of stdout names the daemons this call started
# (empty when all were running), so a caller can stop only those.
#
# Exit status: 0 when the node is idle, 3 when this machine cannot run SLURM (not root, no
# apt-get; the reason is the last line of stderr), 1 on any other failure.
set -euo pipefail
PATH=$PATH:/usr/sbin:/sbin  # the daemons live in sbin, which a non-login PATH may lack

STATE=${REPLIFOLD_SLURM_STATE:-/tmp/replifold-slurm}
CONF_DIR=/etc/slurm
MARKER="# Written by replifold tests/cluster/start-cluster.sh"
HOST=$(hostname -s)
STARTED=()

cannot() { echo "cannot run SLURM here: $*" >&2; exit 3; }
fail() { echo "start-cluster: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || cannot "needs root (slurmd and munged run as root), running as uid $(id -u)"

install_packages() {
    command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null \
        && command -v sbatch >/dev/null && return
    command -v apt-get >/dev/null || cannot "slurm-wlm/munge are not installed and there is no apt-get to install them"
    echo "installing slurm-wlm and munge with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q slurm-wlm munge >"$STATE/apt.log" 2>&1; then
        apt-get update -q >>"$STATE/apt.log" 2>&1 || true
        apt-get install -y -q slurm-wlm munge >>"$STATE/apt.log" 2>&1 \
            || fail "apt-get install slurm-wlm munge failed; its output: $STATE/apt.log (last lines below)
$(tail -n 5 "$STATE/apt.log")"
    fi
}

slurm_conf() {
    cat <<EOF
$MARKER
ClusterName=replifold-test
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
# Cores and GPUs are scheduled, memory is not: the profile asks the 8-16 GB per training job of
# a real fit, more than two of which would not fit this node's memory as declared, while the
# tiny campaign's jobs use a few hundred MB each, like the two jobs of a local run on 2 cores.
SelectTypeParameters=CR_Core
DefMemPerCPU=1000
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# Finished jobs stay listed (squeue, scontrol) this long, in seconds: squeue is the status
# command of tests/cluster/profile, and the tests inspect every job of a campaign afterwards
MinJobAge=3600
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
# CPUs and memory as declared, whatever this machine has
SlurmdParameters=config_overrides
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$STATE/slurmctld.pid
SlurmdPidFile=$STATE/slurmd.pid
SlurmctldLogFile=$STATE/slurmctld.log
SlurmdLogFile=$STATE/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
GresTypes=gpu
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=2 RealMemory=20000 Gres=gpu:2 State=UNKNOWN
PartitionName=cpu Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$HOST MaxTime=INFINITE State=UP
EOF
}

gres_conf() {
    # one line per fake GPU; slurmd counts a GPU only with a device file, any file will do
    printf '%s\nAutoDetect=off\nNodeName=%s Name=gpu File=/dev/null\nNodeName=%s Name=gpu File=/dev/zero\n' \
        "$MARKER" "$HOST" "$HOST"
}

alive() {  # alive NAME PIDFILE: the recorded pid runs a process called NAME
    local pid
    pid=$(cat "$2" 2>/dev/null) && [ -n "$pid" ] || return 1
    [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$1" ]
}

install_config() {  # returns 0 when the config changed
    local changed=1 name
    for name in slurm.conf gres.conf; do
        if [ -e "$CONF_DIR/$name" ] && ! head -n 1 "$CONF_DIR/$name" | grep -qxF "$MARKER"; then
            fail "$CONF_DIR/$name exists and was not written by this script; not overwriting a site's SLURM config"
        fi
    done
    mkdir -p "$CONF_DIR"
    slurm_conf >"$STATE/slurm.conf.new"
    gres_conf >"$STATE/gres.conf.new"
    for name in slurm.conf gres.conf; do
        if ! cmp -s "$STATE/$name.new" "$CONF_DIR/$name"; then
            mv "$STATE/$name.new" "$CONF_DIR/$name"
            changed=0
        else
            rm -f "$STATE/$name.new"
        fi
    done
    return $changed
}

start_munged() {
    alive munged "$STATE/munged.pid" && return
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chmod 755 /run/munge
    [ -s /etc/munge/munge.key ] || mungekey --create || fail "no munge key and 'mungekey --create' failed"
    munged --force --pid-file="$STATE/munged.pid" --log-file="$STATE/munged.log" \
        || fail "munged did not start; see $STATE/munged.log"
    STARTED+=(munged)
    for _ in $(seq 50); do munge -n >/dev/null 2>&1 && return; sleep 0.1; done
    fail "munged runs but 'munge -n' fails; see $STATE/munged.log"
}

start_daemon() {  # start_daemon NAME: slurmctld or slurmd, which record their own pid file
    alive "$1" "$STATE/$1.pid" && return
    rm -f "$STATE/$1.pid"
    "$1" || fail "$1 did not start; see $STATE/$1.log"
    STARTED+=("$1")
    for _ in $(seq 100); do alive "$1" "$STATE/$1.pid" && return; sleep 0.1; done
    fail "$1 exited right after starting; see $STATE/$1.log (last lines below)
$(tail -n 5 "$STATE/$1.log" 2>/dev/null)"
}

wait_for_idle_node() {
    local state=""
    for _ in $(seq 60); do
        state=$(sinfo -h -N -n "$HOST" -p cpu -o %t 2>/dev/null || true)
        case "$state" in
            idle|mix|alloc) return ;;
            down*|drain*|drng*) scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true ;;
        esac
        sleep 0.5
    done
    fail "node $HOST is not idle after 30 s (state: '${state:-none}'); see $STATE/slurmctld.log and $STATE/slurmd.log"
}

mkdir -p "$STATE/ctld" "$STATE/slurmd"
install_packages
if install_config && { alive slurmctld "$STATE/slurmctld.pid" || alive slurmd "$STATE/slurmd.pid"; }; then
    echo "SLURM config changed: restarting the daemons" >&2
    "$(dirname "$0")/stop-cluster.sh"
fi
start_munged
start_daemon slurmctld
start_daemon slurmd
wait_for_idle_node
echo "SLURM node $HOST idle (partitions cpu, gpu; state in $STATE)" >&2
echo "${STARTED[*]}"
