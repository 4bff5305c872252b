# Sourced by tools/dnsload/run.sh; uses its globals (WORK, R, PIDS, options). Not a script of its own.
# shellcheck shell=bash
# ---------------------------------------------------------------------------------------------- measurements
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
