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
  --reload-every S    with --block-names: also run the batched appliance with the names as a managed text list
                      (filtering.lists, re-read and recompiled on every reload) twice, without and with a SIGHUP
                      every S seconds during the measured runs, to show what reloading under load costs (issue 3)
  --reload-only       with --reload-every: run only those two appliance runs (no unbound, no plain runs)
  --appliance-env V=X set an environment variable for the appliance (repeatable), e.g. DOTNET_gcConcurrent=1
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
RELOAD_EVERY=0
RELOAD_ONLY=0
APPLIANCE_ENV=()
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
        --reload-every) need_arg "$@"; need_int "$1" "$2"; RELOAD_EVERY=$2; shift 2 ;;
        --reload-only) RELOAD_ONLY=1; shift ;;
        --appliance-env) need_arg "$@"; [[ $2 == *=* ]] || die "--appliance-env needs NAME=VALUE"; APPLIANCE_ENV+=("$2"); shift 2 ;;
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
(( RELOAD_EVERY == 0 || BLOCK_NAMES > 0 )) || die "--reload-every needs --block-names N"
(( RELOAD_ONLY == 0 || RELOAD_EVERY > 0 )) || die "--reload-only needs --reload-every S"

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
LOAD_TOOL=dnsload
# shellcheck source=../lib/load-common.sh
source "$REPO_ROOT/tools/lib/load-common.sh"   # stop_pid, forget_pid, run_tracked, pick_port, cpu_ticks, mem_kb, cpu_busy

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

# ---------------------------------------------------------------------------------------------- measurements
# shellcheck source=lib/measure.sh
source "$SCRIPT_DIR/lib/measure.sh"

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
# shellcheck source=lib/servers.sh
source "$SCRIPT_DIR/lib/servers.sh"

STARTED=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
LABELS=()
# Unbound runs between the two engines so that drift in the background load biases neither ratio much.
if (( RELOAD_ONLY == 0 )); then
    run_appliance "${ENGINES[0]}"; LABELS+=("appliance-${ENGINES[0]}")
    run_unbound; LABELS+=(unbound)
    if (( ${#ENGINES[@]} > 1 )); then run_appliance "${ENGINES[1]}"; LABELS+=("appliance-${ENGINES[1]}"); fi
fi
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
    if (( RELOAD_ONLY == 0 )); then
        run_appliance batched list; LABELS+=("appliance-batched +list")
        run_unbound list; LABELS+=("unbound +list")
    fi
    if (( RELOAD_EVERY > 0 )); then
        run_appliance batched managed; LABELS+=("appliance-batched +managed")
        run_appliance batched reload; LABELS+=("appliance-batched +reload")
    fi
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------- report
# shellcheck source=lib/report.sh
source "$SCRIPT_DIR/lib/report.sh"
