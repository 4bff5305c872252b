# Sourced by tools/dnsload/run.sh; uses its globals (WORK, R, PIDS, options). Not a script of its own.
# shellcheck shell=bash
# ---------------------------------------------------------------------------------------------- servers
run_appliance() { # engine [list|managed|reload]
    local engine=$1 mode=${2:-} label=appliance-$1${2:+ +$2} dir=$WORK/appliance-$1${2:+-$2} port web pid start reloader=""
    local extra=() filtering=""
    [[ $mode == list ]] && extra=(--block "$WORK/blocked.dset")
    # managed/reload: the names as a text list the refresher owns, so that every SIGHUP re-reads and recompiles it all.
    [[ $mode == managed || $mode == reload ]] \
        && filtering=",
  \"filtering\": { \"lists\": [{ \"source\": \"$WORK/gambling.txt\", \"category\": \"gambling\" }] }"
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
  "web": { "listen": "127.0.0.1:$web" }$filtering
}
EOF
    cp "$dir/config.json" "$WORK/$label.config.json"
    log "$label: starting on 127.0.0.1:$port (web $web, CPU $SERVER_CPU)"
    start=$(date +%s.%N)
    env "${APPLIANCE_ENV[@]}" taskset -c "$SERVER_CPU" "${APPLIANCE_CMD[@]}" run --config "$dir/config.json" "${extra[@]}" >"$WORK/$label.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    cap_cpu "$pid"
    wait_ready "$pid" "$port" "$WORK/$label.log" "$label" || exit 1
    R[$label.ready_s]=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    R[$label.port]=$port
    if [[ $mode == reload ]]; then
        log "$label: sending SIGHUP every $RELOAD_EVERY s (a full list reload each time) during the measured runs"
        ( while sleep "$RELOAD_EVERY"; do kill -HUP "$pid" 2>/dev/null || exit 0; done ) &
        reloader=$!
        PIDS+=("$reloader")
    fi
    measure "$label" "$pid" "$port" "$WORK/$label.log"
    if [[ -n $reloader ]]; then
        stop_pid "$reloader"
        forget_pid "$reloader"
    fi
    # Reloads done, and how long each took (the policy swap itself is one reference write).
    R[$label.reloads]=$(grep -c 'Lists reloaded' "$WORK/$label.log" || true)
    R[$label.reload_ms]=$(awk '/Lists reloaded/ { for (i = 1; i <= NF; i++) if ($i == "in") { v = $(i + 1); s += v; n++; if (v > m) m = v } }
        END { if (n) printf "%d reloads, %.0f ms average, %.0f ms longest", n, s / n, m }' "$WORK/$label.log")
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
