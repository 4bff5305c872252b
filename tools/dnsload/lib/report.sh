# Sourced by tools/dnsload/run.sh; uses its globals (WORK, R, PIDS, options). Not a script of its own.
# shellcheck shell=bash
# ---------------------------------------------------------------------------------------------- report
mb() { [[ -n ${1:-} ]] && awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' || echo "-"; }
v() { local x=${R[$1]:-}; echo "${x:--}"; }
UNBOUND_QPS=${R[unbound.max_qps]:-}
list_report() {
    (( BLOCK_NAMES > 0 && RELOAD_ONLY == 0 )) || return 0
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
    echo "runtime: $RUNTIME${APPLIANCE_ENV[*]:+ with ${APPLIANCE_ENV[*]}}; server CPU quota: ${QUOTA:-none}${QUOTA:+ % of one core};"
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
    if (( RELOAD_EVERY > 0 )); then
        echo
        echo "Reload under load: the same $BLOCK_NAMES names as a managed text list; \"+reload\" got a SIGHUP every $RELOAD_EVERY s during its measured runs:"
        echo
        echo "| Run | Max qps | Lost (max run) | p50 µs | p99 µs | p99.9 µs | Max µs | Lost (latency run) | Reloads |"
        echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
        for l in "appliance-batched +managed" "appliance-batched +reload"; do
            echo "| $(name "$l") | $(v "$l.max_qps") | $(v "$l.max_lost") of $(v "$l.max_sent") | $(v "$l.p50") | $(v "$l.p99") | $(v "$l.p999") | $(v "$l.pmax") | $(v "$l.lat_lost") of $(v "$l.lat_sent") | $(v "$l.reload_ms") |"
        done
    fi
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
