#!/usr/bin/env bash
# tools/dnsload/run.sh — load-test the appliance's DNS resolver against unbound with dnsperf.
#
# Everything runs on 127.0.0.1: a local authoritative nsd serves the generated zone bench.test., the appliance
# (once per UDP engine) and unbound both forward to it, and dnsperf measures each in turn with the server pinned
# to one CPU and dnsperf to another. Run `tools/dnsload/run.sh --help` for the options.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
cd "$REPO_ROOT"   # global.json picks the SDK from here; every other path below is absolute

usage() {
    cat <<'EOF'
Usage: tools/dnsload/run.sh [options]

Measures the appliance's DNS resolver (Release build) against unbound 1.17, both forwarding to a local nsd
serving a generated zone, with dnsperf. Per server: one warm-up pass over the query file, then
  (a) maximum throughput: dnsperf -c CLIENTS -q OUTSTANDING -l MAX_SECONDS
  (b) latency at a fixed rate: dnsperf -Q LAT_QPS -l LAT_SECONDS -v (percentiles from per-query latencies)
  (c) the server's CPU time (/proc/PID/stat) and memory (VmRSS, VmHWM) during those runs.
The server is pinned to CPU 0 and dnsperf to CPU 1 (taskset). All traffic stays on 127.0.0.1.
Prints markdown tables; exits non-zero only if the script itself fails (not when a target is missed).

Options:
  --engine E          appliance UDP engine: batched, async or both (default: both)
  --runtime R         aot (the shipped Native AOT binary, default) or jit (dotnet appliance.dll)
  --block-names N     also run the batched appliance with N names on a block list (compiled .dset) and unbound with
                      the same names as local-zone always_nxdomain, to compare qps, start-up and memory (issue 3)
  --server-quota PCT  cap each server at PCT % of one CPU (cgroup v1 cpu.cfs_quota_us), so that dnsperf can
                      outrun it and max qps measures the server, not the load generator (default: no cap)
  --quick             about one minute: 100000-line query file, 5 s per measurement
  --names N           distinct names in the zone (default 20000)
  --queries M         lines in the query file (default 200000)
  --nx-percent P      percent of queries for names that do not exist (default 5)
  --aaaa-percent P    percent of queries for AAAA, the rest A (default 35)
  --seed S            seed of the query generator (default 42)
  --max-seconds S     length of the max-throughput run (default 20)
  --lat-seconds S     length of the fixed-rate latency run (default 20)
  --lat-qps Q         rate of the latency run (default 10000)
  --clients C         dnsperf -c, simulated clients / source ports (default 20)
  --outstanding Q     dnsperf -q for the throughput run (default 500)
  --server-cpu N      CPU for the server under test (default 0)
  --client-cpu N      CPU for dnsperf (default 1)
  --no-build          do not run `dotnet build -c Release` (use the existing Release build)
  --out DIR           keep the raw outputs (configs, logs, dnsperf output, results.md) in DIR
  -h, --help          this text

Needs: dnsperf, unbound, nsd, dig (dnsutils), taskset (util-linux), awk, curl, the .NET 10 SDK, 2+ CPUs.
Install on Debian 12: apt-get install -y dnsperf unbound nsd dnsutils curl
EOF
}

# ---------------------------------------------------------------------------------------------- options
ENGINE=both
RUNTIME=aot
QUOTA=""
BLOCK_NAMES=0
CGROUP=""
NAMES=20000
QUERIES=200000
NX_PCT=5
AAAA_PCT=35
SEED=42
MAX_SECONDS=20
LAT_SECONDS=20
LAT_QPS=10000
CLIENTS=20
OUTSTANDING=500
SERVER_CPU=0
CLIENT_CPU=1
BUILD=1
OUT_DIR=
QUICK=0
declare -A SET=()

die() { echo "dnsload: $*" >&2; exit 1; }
need_arg() { [[ $# -ge 2 && -n $2 ]] || die "option $1 needs a value (see --help)"; }
need_int() { [[ $2 =~ ^[0-9]+$ ]] || die "option $1: '$2' is not a whole number"; }

while [[ $# -gt 0 ]]; do
    case $1 in
        -h|--help) usage; exit 0 ;;
        --quick) QUICK=1; shift ;;
        --no-build) BUILD=0; shift ;;
        --engine) need_arg "$@"; ENGINE=$2; shift 2 ;;
        --runtime) need_arg "$@"; RUNTIME=$2; shift 2 ;;
        --server-quota) need_arg "$@"; QUOTA=$2; shift 2 ;;
        --block-names) need_arg "$@"; BLOCK_NAMES=$2; shift 2 ;;
        --out) need_arg "$@"; OUT_DIR=$2; shift 2 ;;
        --names|--queries|--nx-percent|--aaaa-percent|--seed|--max-seconds|--lat-seconds|--lat-qps|--clients|--outstanding|--server-cpu|--client-cpu)
            need_arg "$@"; need_int "$1" "$2"
            case $1 in
                --names) NAMES=$2 ;; --queries) QUERIES=$2 ;; --nx-percent) NX_PCT=$2 ;; --aaaa-percent) AAAA_PCT=$2 ;;
                --seed) SEED=$2 ;; --max-seconds) MAX_SECONDS=$2 ;; --lat-seconds) LAT_SECONDS=$2 ;; --lat-qps) LAT_QPS=$2 ;;
                --clients) CLIENTS=$2 ;; --outstanding) OUTSTANDING=$2 ;; --server-cpu) SERVER_CPU=$2 ;; --client-cpu) CLIENT_CPU=$2 ;;
            esac
            SET[$1]=1; shift 2 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done

if [[ $QUICK == 1 ]]; then
    [[ -n ${SET[--queries]:-} ]] || QUERIES=100000
    [[ -n ${SET[--max-seconds]:-} ]] || MAX_SECONDS=5
    [[ -n ${SET[--lat-seconds]:-} ]] || LAT_SECONDS=5
fi

case $RUNTIME in aot|jit) ;; *) die "--runtime must be aot or jit (got '$RUNTIME')" ;; esac
if [[ -n $QUOTA ]]; then
    [[ $QUOTA =~ ^[0-9]+$ ]] && (( QUOTA >= 5 && QUOTA <= 100 )) || die "--server-quota must be a whole percent from 5 to 100 (got '$QUOTA')"
    [[ -w /sys/fs/cgroup/cpu ]] || die "--server-quota needs a writable cgroup v1 cpu controller at /sys/fs/cgroup/cpu (run as root)"
fi
case $ENGINE in
    both) ENGINES=(batched async) ;;
    batched|async) ENGINES=("$ENGINE") ;;
    *) die "--engine must be batched, async or both (got '$ENGINE')" ;;
esac
(( NAMES >= 1 && QUERIES >= 1 && MAX_SECONDS >= 1 && LAT_SECONDS >= 1 && LAT_QPS >= 1 && CLIENTS >= 1 && OUTSTANDING >= 1 )) \
    || die "--names, --queries, --*-seconds, --lat-qps, --clients and --outstanding must be at least 1"
(( NX_PCT <= 100 && AAAA_PCT <= 100 )) || die "percentages must be from 0 to 100"
[[ $SERVER_CPU != "$CLIENT_CPU" ]] || die "--server-cpu and --client-cpu must differ"

# ---------------------------------------------------------------------------------------------- prerequisites
MISSING=()
need_cmd() { # command, what to install
    command -v "$1" >/dev/null 2>&1 || MISSING+=("'$1' not found; install it: $2")
}
need_cmd dnsperf "apt-get install -y dnsperf"
need_cmd unbound "apt-get install -y unbound"
need_cmd nsd "apt-get install -y nsd"
need_cmd nsd-checkconf "apt-get install -y nsd"
need_cmd unbound-checkconf "apt-get install -y unbound"
need_cmd dig "apt-get install -y dnsutils"
need_cmd taskset "apt-get install -y util-linux"
need_cmd awk "apt-get install -y mawk"
need_cmd curl "apt-get install -y curl"
need_cmd dotnet "the .NET 10 SDK (package dotnet-sdk-10.0, https://learn.microsoft.com/dotnet/core/install/linux-debian)"
if (( ${#MISSING[@]} > 0 )); then
    printf 'dnsload: %s\n' "${MISSING[@]}" >&2
    exit 1
fi
NCPU=$(nproc)
(( NCPU >= 2 )) || die "needs at least 2 CPUs (server and dnsperf on separate cores); nproc says $NCPU"
(( SERVER_CPU < NCPU && CLIENT_CPU < NCPU )) || die "--server-cpu/--client-cpu must be below nproc ($NCPU)"
CLK_TCK=$(getconf CLK_TCK)

APPLIANCE_PROJECT=$REPO_ROOT/appliance/Appliance.Host
APPLIANCE_DLL=$APPLIANCE_PROJECT/bin/Release/net10.0/appliance.dll
case $(uname -m) in x86_64) RID=linux-x64 ;; aarch64) RID=linux-arm64 ;; *) RID=linux-$(uname -m) ;; esac
APPLIANCE_AOT=$APPLIANCE_PROJECT/bin/Release/net10.0/$RID/publish/appliance
[[ -d $APPLIANCE_PROJECT ]] || die "cannot find $APPLIANCE_PROJECT (is the script inside the repository?)"

# ---------------------------------------------------------------------------------------------- processes and clean-up
exec 3>&2   # the original stderr, for messages from the traps (which may run inside a redirected command)
WORK=$(mktemp -d /tmp/dnsload.XXXXXX)
PIDS=()

STOP_RC=0
stop_pid() { # stop one process this script started: TERM, then KILL after 10 s; reap it (exit status in STOP_RC)
    local pid=$1 i
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for (( i = 0; i < 100; i++ )); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "dnsload: PID $pid ignored SIGTERM for 10 s; sending SIGKILL" >&3
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

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    declare -F stop_nsd_children >/dev/null && stop_nsd_children
    [[ -n $CGROUP && -d $CGROUP ]] && rmdir "$CGROUP" 2>/dev/null
    if [[ -n $OUT_DIR ]]; then
        mkdir -p "$OUT_DIR"
        cp -r "$WORK"/. "$OUT_DIR"/ 2>/dev/null || true
        rm -f "$OUT_DIR"/bench.test.zone "$OUT_DIR"/*.verbose 2>/dev/null || true   # large and regenerable
        echo "dnsload: raw outputs kept in $OUT_DIR" >&3
    fi
    rm -rf "$WORK"
    (( rc == 0 )) || echo "dnsload: stopped with exit status $rc; every process it started has been stopped" >&3
    exit "$rc"
}
trap cleanup EXIT

# Put a server (every thread: cgroup.procs) under the CPU quota, the same for every server.
cap_cpu() { # pid
    [[ -n $QUOTA ]] || return 0
    if [[ -z $CGROUP ]]; then
        CGROUP=/sys/fs/cgroup/cpu/dnsload-$$
        mkdir -p "$CGROUP"
        echo 100000 >"$CGROUP/cpu.cfs_period_us"
        echo $(( QUOTA * 1000 )) >"$CGROUP/cpu.cfs_quota_us"
    fi
    echo "$1" >"$CGROUP/cgroup.procs"
}
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }

# Run a command in the background (so the traps can stop it) and wait for it; returns its exit status.
run_tracked() {
    "$@" &
    local pid=$! rc=0
    PIDS+=("$pid")
    wait "$pid" || rc=$?
    forget_pid "$pid"
    return "$rc"
}

# ---------------------------------------------------------------------------------------------- ports
declare -A USED_PORTS=()
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
    die "no free port found between 15000 and 32000"
}

# ---------------------------------------------------------------------------------------------- measurements
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }   # utime + stime, whole process
mem_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }          # VmRSS / VmHWM in kB
cpu_busy() { # "busy total" jiffies of one CPU from /proc/stat
    awk -v c="cpu$1" '$1 == c { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t }' /proc/stat
}
now() { date +%s.%N; }

# dnsperf summary field from a saved output: qps, sent, completed, lost, avg, stddev, rcodes, sizes
perf_field() {
    local file=$1 field=$2
    case $field in
        qps) awk -F: '/Queries per second:/ { gsub(/ /, "", $2); printf "%.0f", $2 }' "$file" ;;
        sent) awk '/Queries sent:/ { print $3 }' "$file" ;;
        completed) awk '/Queries completed:/ { print $3 }' "$file" ;;
        lost) awk '/Queries lost:/ { print $3 }' "$file" ;;
        avg) awk '/Average Latency \(s\):/ { printf "%.0f", $4 * 1e6 }' "$file" ;;
        stddev) awk '/Latency StdDev \(s\):/ { printf "%.0f", $4 * 1e6 }' "$file" ;;
        rcodes) awk -F'Response codes: *' '/Response codes:/ { print $2 }' "$file" ;;
        sizes) awk '/Average packet size:/ { gsub(/,/, ""); print $5 "/" $7 }' "$file" ;;
    esac
}

# p50/p90/p99/p99.9/max (µs) of the answered queries in a `dnsperf -v` output: lines "> RCODE name type seconds".
latency_percentiles() {
    awk '$1 == ">" && $2 != "T" && $2 != "I" && NF >= 5 { print $NF * 1e6 }' "$1" | sort -n \
        | awk '{ v[NR] = $1 }
               function pct(p,   i) { i = int(p * NR + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; return v[i] }
               END { if (NR == 0) { print "- - - - - 0"; exit }
                     printf "%.0f %.0f %.0f %.0f %.0f %d\n", pct(0.50), pct(0.90), pct(0.99), pct(0.999), v[NR], NR }'
}

dnsperf_run() { # label, phase, port, extra dnsperf args...; output in $WORK/<label>.<phase>.txt
    local label=$1 phase=$2 port=$3
    shift 3
    local out=$WORK/$label.$phase.txt
    echo "taskset -c $CLIENT_CPU dnsperf -s 127.0.0.1 -p $port -d $WORK/queries.txt $*" >"$WORK/$label.$phase.cmd"
    if ! run_tracked taskset -c "$CLIENT_CPU" dnsperf -s 127.0.0.1 -p "$port" -d "$WORK/queries.txt" "$@" >"$out" 2>&1; then
        echo "dnsload: dnsperf failed ($label, $phase):" >&2
        tail -20 "$out" >&2
        return 1
    fi
}

wait_ready() { # pid, port, log file, name
    local pid=$1 port=$2 logf=$3 name=$4 i answer
    for (( i = 0; i < 240; i++ )); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "dnsload: $name (PID $pid) exited during start-up; its log:" >&2
            tail -30 "$logf" >&2 || true
            return 1
        fi
        answer=$(dig @127.0.0.1 -p "$port" ns.bench.test A +short +time=1 +tries=1 2>/dev/null || true)
        [[ $answer == 127.0.0.1 ]] && return 0
        sleep 0.25
    done
    echo "dnsload: $name did not answer ns.bench.test on 127.0.0.1:$port within 60 s; its log:" >&2
    tail -30 "$logf" >&2 || true
    return 1
}

# Compare answers for a sample of the query file between a server and nsd (rcode and sorted rdata, not TTLs).
spot_check() { # port, output file; prints the number of mismatches
    local port=$1 out=$2
    local summarize='
        /->>HEADER<<-/ { if (q != "") print q, st, data; st = $6; sub(/,$/, "", st); q = ""; data = "" }
        /^;; QUESTION SECTION:/ { inq = 1; next }
        inq && /^;/ { q = substr($1, 2) " " $3; inq = 0; next }
        !/^;/ && NF >= 5 { data = data " " $NF }
        END { if (q != "") print q, st, data }'
    dig @127.0.0.1 -p "$port" +noall +comments +question +answer +time=2 +tries=1 -f "$WORK/sample.txt" 2>&1 \
        | awk "$summarize" | sort >"$out.server"
    dig @127.0.0.1 -p "$NSD_PORT" +norec +noall +comments +question +answer +time=2 +tries=1 -f "$WORK/sample.txt" 2>&1 \
        | awk "$summarize" | sort >"$out.nsd"
    local total mismatches
    total=$(wc -l <"$out.nsd")
    mismatches=$( (diff "$out.nsd" "$out.server" || true) | grep -c '^[<>]' || true)
    echo "$total names compared, $mismatches differing lines" >"$out"
    if (( total == 0 )); then mismatches=999999; fi
    echo "$mismatches"
}

declare -A R=()   # results: R[label.key]

measure() { # label, pid, port, log file
    local label=$1 pid=$2 port=$3 logf=$4
    local t0 t1 c0 c1 b0 b1 s

    R[$label.rss_idle]=$(mem_kb "$pid" VmRSS)
    log "$label: warm-up pass ($QUERIES queries)"
    dnsperf_run "$label" warm "$port" -n 1 -c "$CLIENTS" -q 200 -t 5
    R[$label.warm_lost]=$(perf_field "$WORK/$label.warm.txt" lost)
    R[$label.warm_rcodes]=$(perf_field "$WORK/$label.warm.txt" rcodes)
    alive "$label" "$pid" "$logf" warm-up || return 0

    log "$label: spot-checking $(wc -l <"$WORK/sample.txt") answers against nsd"
    R[$label.spot]=$(spot_check "$port" "$WORK/$label.spotcheck")
    R[$label.spot_detail]=$(cat "$WORK/$label.spotcheck")

    log "$label: max throughput (${MAX_SECONDS} s, -c $CLIENTS -q $OUTSTANDING)"
    t0=$(now); c0=$(cpu_ticks "$pid"); read -r b0 s < <(cpu_busy "$SERVER_CPU"); read -r cb0 cs0 < <(cpu_busy "$CLIENT_CPU")
    dnsperf_run "$label" max "$port" -l "$MAX_SECONDS" -c "$CLIENTS" -q "$OUTSTANDING" -t 5
    alive "$label" "$pid" "$logf" "max-throughput run" || return 0
    t1=$(now); c1=$(cpu_ticks "$pid"); read -r b1 s1 < <(cpu_busy "$SERVER_CPU"); read -r cb1 cs1 < <(cpu_busy "$CLIENT_CPU")
    R[$label.max_qps]=$(perf_field "$WORK/$label.max.txt" qps)
    R[$label.max_sent]=$(perf_field "$WORK/$label.max.txt" sent)
    R[$label.max_lost]=$(perf_field "$WORK/$label.max.txt" lost)
    R[$label.max_rcodes]=$(perf_field "$WORK/$label.max.txt" rcodes)
    R[$label.max_sizes]=$(perf_field "$WORK/$label.max.txt" sizes)
    R[$label.max_avg]=$(perf_field "$WORK/$label.max.txt" avg)
    R[$label.max_completed]=$(perf_field "$WORK/$label.max.txt" completed)
    # CPU cost per answered query, and what one fully used core would answer at that cost.
    R[$label.max_us]=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v n="${R[$label.max_completed]}" 'BEGIN { if (n > 0) printf "%.1f", 1e6 * d / hz / n }')
    R[$label.max_core]=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v n="${R[$label.max_completed]}" 'BEGIN { if (d > 0) printf "%.0f", n / (d / hz) }')
    R[$label.max_cpu]=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f s (%.0f%%)", d / hz, 100 * d / hz / (t1 - t0) }')
    R[$label.max_cpu0]=$(awk -v b=$((b1 - b0)) -v t=$((s1 - s)) 'BEGIN { printf "%.0f%%", t ? 100 * b / t : 0 }')
    R[$label.max_cpu1]=$(awk -v b=$((cb1 - cb0)) -v t=$((cs1 - cs0)) 'BEGIN { printf "%.0f%%", t ? 100 * b / t : 0 }')

    log "$label: latency at $LAT_QPS qps (${LAT_SECONDS} s)"
    t0=$(now); c0=$(cpu_ticks "$pid"); read -r b0 s < <(cpu_busy "$SERVER_CPU")
    dnsperf_run "$label" latency "$port" -l "$LAT_SECONDS" -Q "$LAT_QPS" -c "$CLIENTS" -q "$OUTSTANDING" -t 5 -v
    alive "$label" "$pid" "$logf" "latency run" || return 0
    t1=$(now); c1=$(cpu_ticks "$pid"); read -r b1 s1 < <(cpu_busy "$SERVER_CPU")
    mv "$WORK/$label.latency.txt" "$WORK/$label.latency.verbose"
    grep -v '^> ' "$WORK/$label.latency.verbose" >"$WORK/$label.latency.txt" || true
    R[$label.lat_qps]=$(perf_field "$WORK/$label.latency.txt" qps)
    R[$label.lat_lost]=$(perf_field "$WORK/$label.latency.txt" lost)
    R[$label.lat_sent]=$(perf_field "$WORK/$label.latency.txt" sent)
    R[$label.lat_avg]=$(perf_field "$WORK/$label.latency.txt" avg)
    R[$label.lat_sd]=$(perf_field "$WORK/$label.latency.txt" stddev)
    R[$label.lat_rcodes]=$(perf_field "$WORK/$label.latency.txt" rcodes)
    latency_percentiles "$WORK/$label.latency.verbose" >"$WORK/$label.latency.percentiles"
    local p50 p90 p99 p999 pmax pn
    read -r p50 p90 p99 p999 pmax pn <"$WORK/$label.latency.percentiles"
    R[$label.p50]=$p50; R[$label.p90]=$p90; R[$label.p99]=$p99; R[$label.p999]=$p999; R[$label.pmax]=$pmax; R[$label.pn]=$pn
    R[$label.lat_cpu]=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f s (%.0f%%)", d / hz, 100 * d / hz / (t1 - t0) }')
    R[$label.lat_cpu0]=$(awk -v b=$((b1 - b0)) -v t=$((s1 - s)) 'BEGIN { printf "%.0f%%", t ? 100 * b / t : 0 }')

    R[$label.rss]=$(mem_kb "$pid" VmRSS)
    R[$label.hwm]=$(mem_kb "$pid" VmHWM)
    R[$label.threads]=$(awk '$1 == "Threads:" { print $2 }' "/proc/$pid/status")
    R[$label.ok]=1
}

alive() { # label, pid, log, phase: record a crash instead of failing the script
    if kill -0 "$2" 2>/dev/null && [[ $(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$2/stat") != Z ]]; then
        return 0
    fi
    R[$1.crashed]="exited during the $4"
    echo "dnsload: $1 (PID $2) is no longer running after the $4; last lines of its log:" >&2
    tail -30 "$3" >&2 || true
    return 1
}

# ---------------------------------------------------------------------------------------------- build
if [[ $BUILD == 1 ]]; then
    [[ -f $APPLIANCE_PROJECT/obj/project.assets.json ]] \
        || die "the appliance has not been restored; run 'dotnet restore $APPLIANCE_PROJECT' once (it needs the package feed)"
    log "building the appliance (Release)"
    # No restore (no network), and no MSBuild nodes or compiler server left running after the build.
    if ! DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 \
            run_tracked dotnet build -c Release --no-restore -nologo -v q -nodeReuse:false -p:UseSharedCompilation=false \
            appliance/Appliance.Host >"$WORK/build.log" 2>&1; then
        tail -30 "$WORK/build.log" >&2
        die "dotnet build -c Release appliance/Appliance.Host failed (log above)"
    fi
    if [[ $RUNTIME == aot ]]; then
        log "publishing the Native AOT binary ($RID)"
        # Restores the RID-specific ILCompiler and runtime packs from the package feed on first use.
        if ! DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 \
                run_tracked dotnet publish -c Release -r "$RID" -nologo -v q -nodeReuse:false -p:UseSharedCompilation=false \
                appliance/Appliance.Host >"$WORK/publish.log" 2>&1; then
            tail -30 "$WORK/publish.log" >&2
            die "dotnet publish -c Release -r $RID appliance/Appliance.Host failed (log above)"
        fi
    fi
fi
[[ -f $APPLIANCE_DLL ]] || die "$APPLIANCE_DLL not found; build it (or drop --no-build)"
if [[ $RUNTIME == aot ]]; then
    [[ -x $APPLIANCE_AOT ]] || die "$APPLIANCE_AOT not found; publish it (or drop --no-build)"
    APPLIANCE_CMD=("$APPLIANCE_AOT")
else
    APPLIANCE_CMD=(dotnet "$APPLIANCE_DLL")
fi

# ---------------------------------------------------------------------------------------------- zone, queries, nsd
log "generating $NAMES names and $QUERIES queries (Zipf s=1, ${NX_PCT}% NXDOMAIN, ${AAAA_PCT}% AAAA)"
awk -v names="$NAMES" -v queries="$QUERIES" -v nx_pct="$NX_PCT" -v aaaa_pct="$AAAA_PCT" -v seed="$SEED" \
    -v zone=bench.test -v zonefile="$WORK/bench.test.zone" -v queryfile="$WORK/queries.txt" -f "$SCRIPT_DIR/gen.awk"
awk '!seen[$0]++ { print; if (++n == 200) exit }' "$WORK/queries.txt" >"$WORK/sample.txt"
R[distinct]=$(awk '!seen[$0]++ { n++ } END { print n }' "$WORK/queries.txt")

pick_port NSD_PORT
cat >"$WORK/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1
    port: $NSD_PORT
    do-ip4: yes
    do-ip6: no
    username: ""
    chroot: ""
    database: ""
    zonesdir: "$WORK"
    pidfile: "$WORK/nsd.pid"
    xfrdfile: "$WORK/xfrd.state"
    xfrdir: "$WORK"
    zonelistfile: "$WORK/zone.list"
    logfile: "$WORK/nsd.log"
    server-count: 1
    verbosity: 1
    minimal-responses: yes
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: "bench.test"
    zonefile: "bench.test.zone"
EOF
nsd-checkconf "$WORK/nsd.conf" || die "nsd-checkconf rejected the generated $WORK/nsd.conf"
log "starting nsd on 127.0.0.1:$NSD_PORT (CPU $CLIENT_CPU)"
taskset -c "$CLIENT_CPU" nsd -d -c "$WORK/nsd.conf" >"$WORK/nsd.out" 2>&1 &
NSD_PID=$!
PIDS+=("$NSD_PID")
for (( i = 0; i < 120; i++ )); do
    kill -0 "$NSD_PID" 2>/dev/null || { cat "$WORK/nsd.out" "$WORK/nsd.log" >&2 2>/dev/null || true; die "nsd exited during start-up"; }
    [[ $(dig @127.0.0.1 -p "$NSD_PORT" ns.bench.test A +norec +short +time=1 +tries=1 2>/dev/null || true) == 127.0.0.1 ]] && break
    sleep 0.25
done
(( i < 120 )) || die "nsd did not answer within 30 s (see $WORK/nsd.log)"
# nsd forks its server and xfrd processes; remember them so that they can be stopped by PID too.
NSD_CHILDREN=$(cat /proc/"$NSD_PID"/task/*/children 2>/dev/null || true)
stop_nsd_children() {
    local c i
    for c in $NSD_CHILDREN; do
        for (( i = 0; i < 50; i++ )); do
            [[ -r /proc/$c/stat ]] || break
            [[ $(awk '{ sub(/^.*\) /, ""); print $1 }' "/proc/$c/stat" 2>/dev/null) == Z ]] && break
            (( i == 20 )) && kill -TERM "$c" 2>/dev/null
            sleep 0.1
        done
    done
}

# ---------------------------------------------------------------------------------------------- servers
run_appliance() { # engine [list]
    local engine=$1 label=appliance-$1${2:+ +list} dir=$WORK/appliance-$1${2:+-list} port web pid start
    local extra=()
    [[ -n ${2:-} ]] && extra=(--block "$WORK/blocked.dset")
    mkdir -p "$dir/var"
    pick_port port; pick_port web
    cat >"$dir/config.json" <<EOF
{
  "dataDir": "$dir/var",
  "dns": {
    "listen": ["127.0.0.1:$port"],
    "upstreams": [{ "address": "127.0.0.1:$NSD_PORT" }],
    "cache": { "maxEntries": 100000 },
    "rateLimit": { "queriesPerSecond": 0 },
    "udpEngine": "$engine"
  },
  "web": { "listen": "127.0.0.1:$web" }
}
EOF
    cp "$dir/config.json" "$WORK/$label.config.json"
    log "$label: starting on 127.0.0.1:$port (web $web, CPU $SERVER_CPU)"
    start=$(date +%s.%N)
    taskset -c "$SERVER_CPU" "${APPLIANCE_CMD[@]}" run --config "$dir/config.json" "${extra[@]}" >"$WORK/$label.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    cap_cpu "$pid"
    wait_ready "$pid" "$port" "$WORK/$label.log" "$label" || exit 1
    R[$label.ready_s]=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    R[$label.port]=$port
    measure "$label" "$pid" "$port" "$WORK/$label.log"
    if kill -0 "$pid" 2>/dev/null; then
        curl -s --noproxy '*' --max-time 5 "http://127.0.0.1:$web/api/health" >"$WORK/$label.health.json" 2>/dev/null || true
        # The counters, plus cache size and managed allocations (per query, over the whole life of the process).
        R[$label.health]=$(tr -d ' \n' <"$WORK/$label.health.json" | awk '
            function num(k,   t) { t = $0; if (!sub(".*\"" k "\":", "", t)) return ""; sub(/[,}].*/, "", t); return t }
            { c = $0; sub(/.*"counters":\{/, "", c); sub(/\}.*/, "", c); gsub(/"/, "", c); gsub(/,/, ", ", c)
              q = num("queries"); a = num("managedAllocatedBytes")
              printf "%s; cacheEntries %s, cacheBytes %s, managed bytes allocated %s (%.0f per query)\n",
                     c, num("cacheEntries"), num("cacheBytes"), a, (q > 0 ? a / q : 0) }')
    fi
    stop_pid "$pid"
    forget_pid "$pid"
    R[$label.exit]=$STOP_RC
    R[$label.exceptions]=$(grep -c -i 'unhandled exception\|^fail:\|^crit:\|double free\|corrupt' "$WORK/$label.log" || true)
}

run_unbound() { # [list]
    local label=unbound${1:+ +list} dir=$WORK/unbound${1:+-list} port pid start
    mkdir -p "$dir"
    pick_port port
    cat >"$dir/unbound.conf" <<EOF
server:
    interface: 127.0.0.1
    port: $port
    do-ip4: yes
    do-ip6: no
    do-daemonize: no
    num-threads: 1
    username: ""
    chroot: ""
    directory: "$dir"
    pidfile: "$dir/unbound.pid"
    logfile: "$dir/unbound.log"
    use-syslog: no
    verbosity: 1
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    module-config: "iterator"
    # 64 MB in all, as the appliance's answer cache (maxBytes default 64 MB, maxEntries 100000).
    msg-cache-size: 32m
    rrset-cache-size: 32m
    # The appliance asks for 4 MB socket buffers; give unbound the same so that neither drops on bursts.
    so-rcvbuf: 4m
    so-sndbuf: 4m
    so-reuseport: no
    ratelimit: 0
    ip-ratelimit: 0
    # test. is one of unbound's default local zones (RFC 6761); let bench.test. through to the forwarder.
    local-zone: "test." nodefault
$( [[ -n ${1:-} ]] && echo "    include: \"$WORK/unbound-blocked.conf\"" )
remote-control:
    control-enable: no
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@$NSD_PORT
EOF
    cp "$dir/unbound.conf" "$WORK/$label.conf"
    unbound-checkconf "$dir/unbound.conf" >/dev/null || die "unbound-checkconf rejected $dir/unbound.conf"
    log "$label: starting on 127.0.0.1:$port (CPU $SERVER_CPU)"
    start=$(date +%s.%N)
    taskset -c "$SERVER_CPU" unbound -d -c "$dir/unbound.conf" >"$WORK/unbound.out" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    cap_cpu "$pid"
    wait_ready "$pid" "$port" "$dir/unbound.log" "$label" || exit 1
    R[$label.ready_s]=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    R[$label.port]=$port
    measure "$label" "$pid" "$port" "$dir/unbound.log"
    stop_pid "$pid"
    forget_pid "$pid"
    R[$label.exit]=$STOP_RC
    R[$label.exceptions]=$(grep -c 'error:\|fatal' "$dir/unbound.log" || true)
    cp "$dir/unbound.log" "$WORK/unbound.log" 2>/dev/null || true
}

STARTED=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
LABELS=()
# Unbound runs between the two engines so that drift in the background load biases neither ratio much.
run_appliance "${ENGINES[0]}"; LABELS+=("appliance-${ENGINES[0]}")
run_unbound; LABELS+=(unbound)
if (( ${#ENGINES[@]} > 1 )); then run_appliance "${ENGINES[1]}"; LABELS+=("appliance-${ENGINES[1]}"); fi
if (( BLOCK_NAMES > 0 )); then
    # The same N names for both: compiled for the appliance, local-zone always_nxdomain for unbound. None of them
    # is in the query file: this measures what carrying the list costs every other query, and start-up and memory.
    log "generating a block list of $BLOCK_NAMES names and compiling it"
    awk -v n="$BLOCK_NAMES" 'BEGIN { for (i = 0; i < n; i++) printf "blk%d.zone%d.blocked.example\n", i, i % 1000 }' >"$WORK/gambling.txt"
    awk '{ printf "    local-zone: \"%s.\" always_nxdomain\n", $0 }' "$WORK/gambling.txt" >"$WORK/unbound-blocked.conf"
    compile_start=$(date +%s.%N)
    "${APPLIANCE_CMD[@]}" lists compile --out "$WORK/blocked.dset" "$WORK/gambling.txt:gambling" >"$WORK/compile.log" 2>&1 \
        || { cat "$WORK/compile.log" >&2; die "compiling the block list failed"; }
    R[compile_s]=$(awk -v a="$compile_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    run_appliance batched list; LABELS+=("appliance-batched +list")
    run_unbound list; LABELS+=("unbound +list")
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------- report
mb() { [[ -n ${1:-} ]] && awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' || echo "-"; }
v() { local x=${R[$1]:-}; echo "${x:--}"; }
UNBOUND_QPS=${R[unbound.max_qps]:-}
list_report() {
    (( BLOCK_NAMES > 0 )) || return 0
    echo
    echo "With $BLOCK_NAMES names on a block list (compiled by \`appliance lists compile\` in ${R[compile_s]} s, wall clock, including process start):"
    echo
    echo "| Server | Max qps without list | Max qps with list | With / without | Start to ready with list s | VmHWM with list MB |"
    echo "|---|---:|---:|---:|---:|---:|"
    for pair in "appliance-batched:appliance-batched +list" "unbound:unbound +list"; do
        local a=${pair%%:*} b=${pair#*:}
        echo "| $(name "$a") | ${R[$a.max_qps]:-} | ${R[$b.max_qps]:-} | $(awk -v x="${R[$b.max_qps]:-0}" -v y="${R[$a.max_qps]:-0}" 'BEGIN { if (y > 0) printf "%.1f%%", 100 * x / y }') | ${R[$b.ready_s]:-} | $(mb "${R[$b.hwm]:-}") |"
    done
}
ratio() { # label, key: the label's value over unbound's
    local a=${R[$1.$2]:-} b=${R[unbound.$2]:-}
    if [[ -z $a || -z $b || $b == 0 ]]; then echo "-"; return; fi
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f×", a / b }'
}
name() { case $1 in appliance-*) echo "appliance (${1#appliance-})" ;; *) echo "$1" ;; esac; }

{
    echo "dnsperf load test — $STARTED — $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo))"
    echo "zone: $NAMES names (A+AAAA, TTL 3600) in bench.test. on nsd $(nsd -v 2>&1 | awk 'NR == 1 { print $3 }'); query file: $QUERIES lines," \
         "${R[distinct]} distinct questions, Zipf s=1, ${NX_PCT}% NXDOMAIN, ${AAAA_PCT}% AAAA; seed $SEED"
    echo "appliance: commit $(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$( [[ -n $(git -C "$REPO_ROOT" status --porcelain -- appliance 2>/dev/null) ]] && echo ' with uncommitted changes under appliance/' ), Release build; unbound $(unbound -V 2>&1 | awk 'NR == 1 { print $2 }')"
    echo "runtime: $RUNTIME; server CPU quota: ${QUOTA:-none}${QUOTA:+ % of one core};"
    echo "server on CPU $SERVER_CPU, dnsperf $(dnsperf -h 2>&1 | awk '/^Version/ { print $2 }') on CPU $CLIENT_CPU;" \
         "max: -c $CLIENTS -q $OUTSTANDING -l $MAX_SECONDS; latency: -Q $LAT_QPS -l $LAT_SECONDS; load average before $LOAD_BEFORE, after $LOAD_AFTER"
    echo
    echo "| Server | Max qps | vs unbound | Lost | Server CPU | CPU$SERVER_CPU busy, all tasks* | CPU$CLIENT_CPU busy, all tasks* | Server CPU per answer | Answers per server CPU-second | vs unbound |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for l in "${LABELS[@]}"; do
        echo "| $(name "$l") | $(v "$l.max_qps") | $(ratio "$l" max_qps) | $(v "$l.max_lost") of $(v "$l.max_sent") | $(v "$l.max_cpu") | $(v "$l.max_cpu0") | $(v "$l.max_cpu1") | $(v "$l.max_us") µs | $(v "$l.max_core") | $(ratio "$l" max_core) |"
    done
    echo
    echo "| Server | Achieved qps | Avg (sd) µs | p50 µs | p90 µs | p99 µs | p99.9 µs | Max µs | Lost | Server CPU | CPU$SERVER_CPU busy, all tasks* |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    for l in "${LABELS[@]}"; do
        echo "| $(name "$l") | $(v "$l.lat_qps") | $(v "$l.lat_avg") ($(v "$l.lat_sd")) | $(v "$l.p50") | $(v "$l.p90") | $(v "$l.p99") | $(v "$l.p999") | $(v "$l.pmax") | $(v "$l.lat_lost") of $(v "$l.lat_sent") | $(v "$l.lat_cpu") | $(v "$l.lat_cpu0") |"
    done
    echo
    echo "\\* from /proc/stat, which samples at the timer tick: it shows other work on the CPU (builds, tests) but undercounts short bursts such as a server answering at a fixed low rate. Server CPU is exact (/proc/PID/stat)."
    echo
    echo "| Server | VmRSS after start MB | VmRSS after the runs MB | VmHWM MB | Threads |"
    echo "|---|---:|---:|---:|---:|"
    for l in "${LABELS[@]}"; do
        echo "| $(name "$l") | $(mb "${R[$l.rss_idle]:-}") | $(mb "${R[$l.rss]:-}") | $(mb "${R[$l.hwm]:-}") | $(v "$l.threads") |"
    done
    echo
    echo "Checks:"
    for l in "${LABELS[@]}"; do
        [[ -z ${R[$l.crashed]:-} ]] || echo "- $(name "$l"): CRASHED — ${R[$l.crashed]}"
        echo "- $(name "$l"): response codes (max run): $(v "$l.max_rcodes"); avg request/response bytes $(v "$l.max_sizes");" \
             "warm-up lost $(v "$l.warm_lost"); spot check vs nsd: $(v "$l.spot_detail");" \
             "exit status after SIGTERM $(v "$l.exit"); error lines in its log: $(v "$l.exceptions")"
        [[ -z ${R[$l.health]:-} ]] || echo "  counters: ${R[$l.health]}"
    done
    list_report
    if [[ -n $UNBOUND_QPS ]]; then
        echo
        echo "Targets (appliance): max qps ≥ 1.5× unbound on one core; p99 ≤ 1000 µs at $LAT_QPS qps; 0 lost; RSS (VmHWM) < 60 MB"
        for l in "${LABELS[@]}"; do
            [[ $l == appliance-* && -n ${R[$l.ok]:-} ]] || continue
            awk -v n="$(name "$l")" -v q="${R[$l.max_qps]}" -v u="$UNBOUND_QPS" -v p99="${R[$l.p99]}" \
                -v qc="${R[$l.max_core]:-0}" -v uc="${R[unbound.max_core]:-0}" \
                -v lost="${R[$l.lat_lost]}" -v rate="$LAT_QPS" -v maxlost="${R[$l.max_lost]}" -v hwm="${R[$l.hwm]}" '
                function yn(b) { return b ? "met" : "NOT met" }
                BEGIN { printf "- %s: max qps %.2f× unbound (%s; per server CPU-second %.2f×); p99 %s µs (%s); lost at %s qps %s, at max %s (%s); VmHWM %.1f MB (%s)\n",
                        n, q / u, yn(q / u >= 1.5), (uc > 0 ? qc / uc : 0), p99, yn(p99 + 0 <= 1000), rate, lost, maxlost,
                        yn(lost + 0 == 0 && maxlost + 0 == 0), hwm / 1024, yn(hwm / 1024 < 60) }'
        done
    fi
} | tee "$WORK/results.md"
