# Sourced by tools/radload/run.sh; uses its globals (WORK, R, PIDS, options). Not a script of its own.
# shellcheck shell=bash
# ---------------------------------------------------------------------------------------------- measurements
declare -A R=()   # results: R[label.key]

# One Access-Request; prints the reply's code (Access-Accept, Access-Reject) or "no-reply".
rad_one() { # port, user, password [secret] [no-msgauth]
    local port=$1 user=$2 pw=$3 secret=${4:-$SECRET} ma=", Message-Authenticator = 0x00" out
    [[ ${5:-} == no-msgauth ]] && ma=""
    out=$(printf 'User-Name = "%s", User-Password = "%s"%s\n' "$user" "$pw" "$ma" \
        | taskset -c "$CLIENT_CPU" radclient -t 1 -r 1 127.0.0.1:"$port" auth "$secret" 2>&1 || true)
    if [[ $out =~ Received\ (Access-[A-Za-z]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo no-reply; fi
}

user_name() { printf 'user%0*d' "$(( ${#USERS} > 4 ? ${#USERS} : 4 ))" "$1"; }
user_password() { awk -F, -v n="$(user_name "$1")" '$1 == n { print $2; exit }' "$WORK/users.csv"; }

wait_accept() { # pid, port, seconds, log file, name
    local pid=$1 port=$2 secs=$3 logf=$4 name=$5 deadline pw
    pw=$(user_password 1)
    deadline=$(( $(date +%s) + secs ))
    while (( $(date +%s) < deadline )); do
        if ! pid_alive "$pid"; then
            echo "radload: $name (PID $pid) exited during start-up; the end of its log:" >&2
            tail -30 "$logf" >&2 2>/dev/null || true
            return 1
        fi
        [[ $(rad_one "$port" "$(user_name 1)" "$pw") == Access-Accept ]] && return 0
        sleep 0.5
    done
    echo "radload: $name gave no Access-Accept for $(user_name 1) within $secs s; the end of its log:" >&2
    tail -30 "$logf" >&2 2>/dev/null || true
    return 1
}

# Behaviour checks before the load: a wrong password is rejected, a request without Message-Authenticator and one
# with a wrong secret get no answer; for FreeRADIUS with PBKDF2, the canary shows PAP is checked against the PBKDF2
# hash and not the NT hash that sits beside it.
check_basics() { # label, port, mode
    local label=$1 port=$2 mode=$3 c a b
    R[$label.wrong]=$(rad_one "$port" "$(user_name "$USERS")" "not-$(user_password "$USERS")")
    R[$label.nomsgauth]=$(rad_one "$port" "$(user_name 1)" "$(user_password 1)" "$SECRET" no-msgauth)
    R[$label.badsecret]=$(rad_one "$port" "$(user_name 1)" "$(user_password 1)" "wrong-$SECRET")
    if [[ $mode == pbkdf2 ]]; then
        read -r c a b <"$WORK/canary.txt"
        R[$label.canary]="$(rad_one "$port" "$c" "$a") with the PBKDF2 password, $(rad_one "$port" "$c" "$b") with the NT-hash one"
    fi
}

# radclient request files: N requests cycling through the users, each with Message-Authenticator.
pap_file() { # count; prints the path
    local n=$1 f=$WORK/pap/requests-$1.txt
    mkdir -p "$WORK/pap"
    [[ -s $f ]] || awk -F, -v n="$n" 'NR > 1 { u[m++] = $1; p[m - 1] = $2 }
        END { for (i = 0; i < n; i++) printf "User-Name = \"%s\", User-Password = \"%s\", Message-Authenticator = 0x00, NAS-IP-Address = 127.0.0.1, NAS-Port = %d\n\n", u[i % m], p[i % m], i }' \
        "$WORK/users.csv" >"$f"
    echo "$f"
}

radclient_run() { # port, file, parallel, output
    local port=$1 file=$2 par=$3 out=$4 rc=0
    echo "taskset -c $CLIENT_CPU radclient -q -s -c 1 -p $par -t 10 -r 1 -f $file 127.0.0.1:$port auth SECRET" >"$out.cmd"
    run_tracked taskset -c "$CLIENT_CPU" radclient -q -s -c 1 -p "$par" -t 10 -r 1 -f "$file" 127.0.0.1:"$port" auth "$SECRET" >"$out" 2>&1 || rc=$?
    echo "$rc" >"$out.rc"
}
summary_field() { awk -F: -v k="$2" '$1 ~ "^[ \t]*" k "[ \t]*$" { gsub(/[ \t]/, "", $2); print $2 }' "$1"; }

pap_measure() { # label, pid, port, mode (pbkdf2, cleartext, appliance)
    local label=$1 pid=$2 port=$3 mode=$4 cmode n par warm t0 t1 c0 c1 b0 s0 b1 s1 cb0 cs0 cb1 cs1 out
    cmode=$mode; [[ $mode == appliance ]] && cmode=pbkdf2
    n=$(pap_count "$cmode"); par=$(pap_parallel "$cmode")
    warm=$(( n / 10 < 50 ? 50 : n / 10 ))
    local file warmfile
    file=$(pap_file "$n")
    warmfile=$(pap_file "$warm")
    log "$label: PAP warm-up ($warm requests, $par in flight)"
    radclient_run "$port" "$warmfile" "$par" "$WORK/pap/$label.warm.txt"
    R[$label.pap_warm_accepted]=$(summary_field "$WORK/pap/$label.warm.txt" Accepted)
    pid_alive "$pid" || { R[$label.crashed]="exited during the PAP warm-up"; return 0; }
    log "$label: PAP measured run ($n requests, $par in flight)"
    out=$WORK/pap/$label.run.txt
    read -r b0 s0 < <(cpu_busy "$SERVER_CPU"); read -r cb0 cs0 < <(cpu_busy "$CLIENT_CPU")
    t0=$(now); c0=$(cpu_ticks "$pid")
    radclient_run "$port" "$file" "$par" "$out"
    t1=$(now)
    pid_alive "$pid" || { R[$label.crashed]="exited during the PAP run"; return 0; }
    c1=$(cpu_ticks "$pid")
    read -r b1 s1 < <(cpu_busy "$SERVER_CPU"); read -r cb1 cs1 < <(cpu_busy "$CLIENT_CPU")
    R[$label.pap_n]=$n
    R[$label.pap_par]=$par
    R[$label.pap_accepted]=$(summary_field "$out" Accepted)
    R[$label.pap_rejected]=$(summary_field "$out" Rejected)
    R[$label.pap_lost]=$(summary_field "$out" Lost)
    R[$label.pap_rc]=$(cat "$out.rc")
    R[$label.pap_wall]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    R[$label.pap_rps]=$(awk -v a="$t0" -v b="$t1" -v n="${R[$label.pap_accepted]:-0}" 'BEGIN { printf "%.0f", n / (b - a) }')
    R[$label.pap_cpu]=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", d / hz }')
    R[$label.pap_ms1k]=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v n="$n" 'BEGIN { printf "%.1f", 1000 * d / hz / n * 1000 }')
    R[$label.pap_percpu]=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v n="${R[$label.pap_accepted]:-0}" 'BEGIN { if (d > 0) printf "%.0f", n / (d / hz); else print "-" }')
    R[$label.pap_busy0]=$(awk -v b=$((b1 - b0)) -v t=$((s1 - s0)) 'BEGIN { printf "%.0f%%", t ? 100 * b / t : 0 }')
    R[$label.pap_busy1]=$(awk -v b=$((cb1 - cb0)) -v t=$((cs1 - cs0)) 'BEGIN { printf "%.0f%%", t ? 100 * b / t : 0 }')
    R[$label.pap_mode]=$mode
}

# ---------------------------------------------------------------------------------------------- EAP logins
eap_confs() { # method, count: eapol_test configurations for users 1..count, written once, $WORK/eap/conf/METHOD-U.conf
    local method=$1 n=$2 eap phase2
    mkdir -p "$WORK/eap/conf"
    [[ -s $WORK/eap/conf/$method-$n.conf ]] && return 0
    case $method in
        peap-mschapv2) eap=PEAP; phase2="auth=MSCHAPV2" ;;
        ttls-pap) eap=TTLS; phase2="auth=PAP" ;;
        ttls-mschapv2) eap=TTLS; phase2="auth=MSCHAPV2" ;;
    esac
    awk -F, -v n="$n" -v dir="$WORK/eap/conf" -v method="$method" -v eap="$eap" -v phase2="$phase2" -v ca="$WORK/certs/ca.pem" '
        NR > 1 && NR - 1 <= n {
            f = dir "/" method "-" (NR - 1) ".conf"
            printf "network={\n    ssid=\"radload\"\n    key_mgmt=WPA-EAP\n    eap=%s\n    identity=\"%s\"\n", eap, $1 > f
            printf "    anonymous_identity=\"anonymous\"\n    password=\"%s\"\n    phase1=\"peapver=0\"\n", $2 > f
            printf "    phase2=\"%s\"\n    ca_cert=\"%s\"\n    domain_match=\"radius.bench.test\"\n}\n", phase2, ca > f
            close(f)
        }' "$WORK/users.csv"
}

# One worker: logins start+k, start+k+K, … below end, one at a time; "ok" or "fail INDEX RC" per login to its file.
eap_worker() { # prefix, method, port, k, start, end
    trap - EXIT INT TERM
    local prefix=$1 method=$2 port=$3 k=$4 start=$5 end=$6 i u conf rc p mac
    for (( i = start + k; i < end; i += EAP_PARALLEL )); do
        u=$(( i % USERS + 1 ))
        conf=$WORK/eap/conf/$method-$u.conf
        mac=$(printf '02:00:00:%02x:%02x:%02x' $(( (i >> 16) & 255 )) $(( (i >> 8) & 255 )) $(( i & 255 )))
        taskset -c "$CLIENT_CPU" eapol_test -c "$conf" -a 127.0.0.1 -p "$port" -s "$SECRET" -r 0 -t 20 -M "$mac" \
            >"$prefix.$i.out" 2>&1 &
        p=$!
        echo "$p" >"$WORK/eap/worker$k.pid"
        rc=0
        wait "$p" || rc=$?
        if (( rc == 0 )) && grep -q '^MPPE keys OK: 1  mismatch: 0' "$prefix.$i.out" && grep -qx SUCCESS "$prefix.$i.out"; then
            echo ok >>"$prefix.w$k"
            rm -f "$prefix.$i.out"
        else
            echo "fail $i $rc" >>"$prefix.w$k"
        fi
    done
    rm -f "$WORK/eap/worker$k.pid"
}

BATCH_OK=0
BATCH_FAILED=0
eap_batch() { # prefix, method, port, start, end; sets BATCH_OK and BATCH_FAILED (runs in this shell: PIDS must see the workers)
    local prefix=$1 method=$2 port=$3 start=$4 end=$5 k pids=()
    rm -f "$prefix".w*
    for (( k = 0; k < EAP_PARALLEL; k++ )); do
        eap_worker "$prefix" "$method" "$port" "$k" "$start" "$end" &
        pids+=("$!")
        PIDS+=("$!")
    done
    for k in "${pids[@]}"; do wait "$k" || true; forget_pid "$k"; done
    read -r BATCH_OK BATCH_FAILED < <(cat "$prefix".w* 2>/dev/null | awk '$1 == "ok" { ok++ } $1 == "fail" { f++ } END { printf "%d %d\n", ok, f }')
}

eap_measure() { # label prefix (fr, app), pid, port, method
    local label=$1.$4 pid=$2 port=$3 method=$4 warm ok failed t0 t1 c0 c1 b0 s0 b1 s1 cb0 cs0 cb1 cs1
    mkdir -p "$WORK/eap"
    warm=$(( EAP_PARALLEL * 3 ))
    eap_confs "$method" $(( warm + EAP_LOGINS < USERS ? warm + EAP_LOGINS : USERS ))
    log "$label: warm-up ($warm logins)"
    eap_batch "$WORK/eap/$label.warm" "$method" "$port" 0 "$warm"
    R[$label.warm_ok]=$BATCH_OK
    pid_alive "$pid" || { R[$label.crashed]="exited during the EAP warm-up"; return 0; }
    log "$label: $EAP_LOGINS full logins, $EAP_PARALLEL at a time"
    read -r b0 s0 < <(cpu_busy "$SERVER_CPU"); read -r cb0 cs0 < <(cpu_busy "$CLIENT_CPU")
    t0=$(now); c0=$(cpu_ticks "$pid")
    eap_batch "$WORK/eap/$label.run" "$method" "$port" "$warm" $(( warm + EAP_LOGINS ))
    t1=$(now)
    ok=$BATCH_OK failed=$BATCH_FAILED
    pid_alive "$pid" || { R[$label.crashed]="exited during the EAP run"; return 0; }
    c1=$(cpu_ticks "$pid")
    read -r b1 s1 < <(cpu_busy "$SERVER_CPU"); read -r cb1 cs1 < <(cpu_busy "$CLIENT_CPU")
    R[$label.n]=$EAP_LOGINS
    R[$label.ok]=$ok
    R[$label.failed]=$failed
    R[$label.wall]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
    R[$label.lps]=$(awk -v a="$t0" -v b="$t1" -v n="$ok" 'BEGIN { printf "%.0f", n / (b - a) }')
    R[$label.cpu]=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" 'BEGIN { printf "%.2f", d / hz }')
    R[$label.ms]=$(awk -v d=$((c1 - c0)) -v hz="$CLK_TCK" -v n="$EAP_LOGINS" 'BEGIN { printf "%.2f", 1000 * d / hz / n }')
    R[$label.busy0]=$(awk -v b=$((b1 - b0)) -v t=$((s1 - s0)) 'BEGIN { printf "%.0f%%", t ? 100 * b / t : 0 }')
    R[$label.busy1]=$(awk -v b=$((cb1 - cb0)) -v t=$((cs1 - cs0)) 'BEGIN { printf "%.0f%%", t ? 100 * b / t : 0 }')
    # The first failure's last lines, for the report.
    local first
    first=$(ls "$WORK/eap/$label".run.*.out 2>/dev/null | head -1 || true)
    [[ -z $first ]] || R[$label.fail_tail]=$(grep -E 'FAILURE|EAP-Failure|Access-Reject|timeout|MPPE|mismatch' "$first" | tail -3 | tr '\n' ' ')
}
