#!/usr/bin/env bash
# Stop the one-node cluster of start-cluster.sh: cancel its jobs, then end slurmd, slurmctld and
# munged by the pids recorded in $REPLIFOLD_SLURM_STATE, each only if that pid still runs the
# daemon of that name. Arguments name the daemons to stop (default: all three), e.g. the ones
# start-cluster.sh reported starting. Safe to run twice or when nothing was started.
set -uo pipefail

STATE=${REPLIFOLD_SLURM_STATE:-/tmp/replifold-slurm}

alive() {  # alive NAME PIDFILE: the recorded pid runs a process called NAME
    local pid
    pid=$(cat "$2" 2>/dev/null) && [ -n "$pid" ] || return 1
    [ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = "$1" ]
}

stop() {  # stop NAME: SIGTERM, then SIGKILL after 10 s
    local pidfile="$STATE/$1.pid" pid
    alive "$1" "$pidfile" || { rm -f "$pidfile"; return; }
    pid=$(cat "$pidfile")
    kill -TERM "$pid"
    for _ in $(seq 100); do alive "$1" "$pidfile" || break; sleep 0.1; done
    alive "$1" "$pidfile" && kill -KILL "$pid"
    rm -f "$pidfile"
    echo "stopped $1 (pid $pid)" >&2
}

WANTED=" ${*:-slurmd slurmctld munged} "
for name in $WANTED; do
    case "$name" in slurmd|slurmctld|munged) ;; *) echo "stop-cluster: unknown daemon '$name'" >&2; exit 2 ;; esac
done

if [[ $WANTED == *" slurmctld "* ]] && alive slurmctld "$STATE/slurmctld.pid"; then
    jobs=$(squeue -h -o %i 2>/dev/null)
    if [ -n "$jobs" ]; then
        # shellcheck disable=SC2086
        scancel $jobs 2>/dev/null
        for _ in $(seq 50); do [ -z "$(squeue -h -t PD,R,CG -o %i 2>/dev/null)" ] && break; sleep 0.2; done
    fi
fi
for name in slurmd slurmctld munged; do
    [[ $WANTED == *" $name "* ]] && stop "$name"
done
exit 0
