# Shared by the load scripts (tools/dnsload/run.sh, tools/radload/run.sh). Sourced, not a script of its own.
# Needs from the caller: LOAD_TOOL (name for messages), a PIDS array, and file descriptor 3 open on the original
# stderr (messages from the EXIT trap). Processes are only ever stopped by the PIDs the caller started.
# shellcheck shell=bash
# ---------------------------------------------------------------------------------------------- processes
STOP_RC=0
stop_pid() { # stop one process this script started: TERM, then KILL after 10 s; reap it (exit status in STOP_RC)
    local pid=$1 i
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for (( i = 0; i < 100; i++ )); do
            kill -0 "$pid" 2>/dev/null || break
            [[ $(proc_state "$pid") == Z ]] && break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null && [[ $(proc_state "$pid") != Z ]]; then
            echo "$LOAD_TOOL: PID $pid ignored SIGTERM for 10 s; sending SIGKILL" >&3
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    STOP_RC=0
    wait "$pid" 2>/dev/null || STOP_RC=$?
}

forget_pid() {
    local pid=$1 kept=() p
    for p in "${PIDS[@]}"; do [[ $p == "$pid" ]] || kept+=("$p"); done
    PIDS=("${kept[@]}")
}

# Run a command in the background (so the traps can stop it) and wait for it; returns its exit status.
run_tracked() {
    "$@" &
    local pid=$! rc=0
    PIDS+=("$pid")
    wait "$pid" || rc=$?
    forget_pid "$pid"
    return "$rc"
}

proc_state() { awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null || true; }   # R, S, Z, …
pid_alive() { kill -0 "$1" 2>/dev/null && [[ $(proc_state "$1") != Z ]]; }

# ---------------------------------------------------------------------------------------------- ports
declare -A USED_PORTS=()   # ports handed out already (or to avoid: set USED_PORTS[P]=1 before pick_port)
port_in_use() {
    local hex
    hex=$(printf ':%04X' "$1")
    awk -v h="$hex" 'FNR > 1 && substr($2, length($2) - 4) == h { found = 1 } END { exit !found }' \
        /proc/net/tcp /proc/net/udp /proc/net/tcp6 /proc/net/udp6 2>/dev/null
}
pick_port() { # VAR: a port free for TCP and UDP, below the ephemeral range so that port-0 binds cannot race us
    local -n var=$1
    local p i
    for (( i = 0; i < 200; i++ )); do
        p=$(( 15000 + (RANDOM % 17000) ))
        [[ -z ${USED_PORTS[$p]:-} ]] || continue
        port_in_use "$p" && continue
        USED_PORTS[$p]=1
        var=$p
        return 0
    done
    echo "$LOAD_TOOL: no free port found between 15000 and 32000" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------- CPU and memory
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }   # utime + stime, whole process
mem_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null || true; }   # VmRSS / VmHWM in kB
cpu_busy() { # "busy total" jiffies of one CPU from /proc/stat
    awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}
now() { date +%s.%N; }
