# Sourced by tools/radload/run.sh; uses its globals (WORK, R, options). Not a script of its own.
# shellcheck shell=bash
# ---------------------------------------------------------------------------------------------- report
v() { local x=${R[$1]:-}; echo "${x:--}"; }
mb() { [[ -n ${1:-} ]] && awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' || echo "-"; }
server_name() { case $1 in fr-*|fr) echo "FreeRADIUS" ;; app) echo "appliance" ;; *) echo "$1" ;; esac; }
pap_check_name() {
    case $1 in
        pbkdf2) echo "PBKDF2-HMAC-SHA256 × $ITERATIONS" ;;
        cleartext) echo "Cleartext-Password (protocol cost only, not comparable)" ;;
        appliance) echo "its user store (PBKDF2-HMAC-SHA256; iterations as imported)" ;;
    esac
}
method_name() { case $1 in peap-mschapv2) echo "PEAP-MSCHAPv2" ;; ttls-pap) echo "TTLS-PAP" ;; ttls-mschapv2) echo "TTLS-MSCHAPv2" ;; esac; }
masked_cmdline() { # the command line as given, the secret masked
    local out="tools/radload/run.sh" a prev=""
    for a in "${ORIG_ARGS[@]}"; do
        if [[ $prev == --secret ]]; then out+=" '***'"; else out+=" $(printf '%q' "$a")"; fi
        prev=$a
    done
    echo "$out"
}

{
    echo "## RADIUS load — $STARTED to $FINISHED"
    echo
    echo "Command: \`$(masked_cmdline)\`"
    echo
    echo "Machine: $(nproc) CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), kernel $(uname -r);" \
         "load average before $LOAD_BEFORE, after $LOAD_AFTER"
    fr_ver=$(command -v freeradius >/dev/null && freeradius -v 2>/dev/null | awk 'NR == 1 { v = $4; sub(/,$/, "", v); print v }' || true)
    echo "Versions: FreeRADIUS ${fr_ver:-not installed} (package $(dpkg-query -W -f='${Version}' freeradius 2>/dev/null || echo '-'));" \
         "radclient (freeradius-utils $(dpkg-query -W -f='${Version}' freeradius-utils 2>/dev/null || echo '?'));" \
         "eapol_test (eapoltest $(dpkg-query -W -f='${Version}' eapoltest 2>/dev/null || echo '?')); $(openssl version | awk '{ print $1, $2 }')"
    echo "Set-up: $USERS users (seed '$SEED', generated in $R_GEN_S s); server on CPU $SERVER_CPU, radclient and eapol_test on CPU $CLIENT_CPU;" \
         "RSA-2048 server certificate under an RSA-3072 CA, TLS 1.2; FreeRADIUS: Debian's thread pool (5–32 threads), replies with Message-Authenticator"
    (( RUN_APP )) && echo "Appliance: \`$APPLIANCE_CMD\` (process \`$(v app.comm)\`) on 127.0.0.1:$APPLIANCE_PORT"
    [[ ${R[app.comm]:-} == freeradius ]] && echo && echo "**The \"appliance\" in this run is a FreeRADIUS stand-in** (a trial of the two-server flow, not the appliance)."
    [[ $ONLY == freeradius ]] && echo && echo "**FreeRADIUS only** (no appliance in this run)."
    echo
    if (( ${#LABELS_PAP[@]} > 0 )); then
        echo "### PAP (radclient)"
        echo
        echo "| Server | Password check | Requests | In flight | Accepted | Rejected | Lost | Wall s | Req/s | Server CPU s | CPU ms per 1k | Req per CPU-second | CPU$SERVER_CPU busy* | CPU$CLIENT_CPU busy* |"
        echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        for l in "${LABELS_PAP[@]}"; do
            echo "| $(server_name "$l") | $(pap_check_name "$(v "$l.pap_mode")") | $(v "$l.pap_n") | $(v "$l.pap_par") | $(v "$l.pap_accepted") | $(v "$l.pap_rejected") | $(v "$l.pap_lost") | $(v "$l.pap_wall") | $(v "$l.pap_rps") | $(v "$l.pap_cpu") | $(v "$l.pap_ms1k") | $(v "$l.pap_percpu") | $(v "$l.pap_busy0") | $(v "$l.pap_busy1") |"
        done
        echo
    fi
    if (( ${#LABELS_EAP[@]} > 0 )); then
        echo "### Full EAP logins (eapol_test -r 0, $EAP_PARALLEL at a time)"
        echo
        echo "| Server | Method | Logins | OK (EAP-Success, MPPE keys match) | Failed | Wall s | Logins/s | Server CPU s | CPU ms per login | CPU$SERVER_CPU busy* | CPU$CLIENT_CPU busy* |"
        echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
        for l in "${LABELS_EAP[@]}"; do
            echo "| $(server_name "${l%%.*}") | $(method_name "${l#*.}") | $(v "$l.n") | $(v "$l.ok") | $(v "$l.failed") | $(v "$l.wall") | $(v "$l.lps") | $(v "$l.cpu") | $(v "$l.ms") | $(v "$l.busy0") | $(v "$l.busy1") |"
        done
        echo
        echo "Logins/s is bound by the eapol_test processes (one process per login, all on CPU $CLIENT_CPU); the server's CPU per login is the figure to compare."
        echo
    fi
    echo "\\* all tasks on that CPU, from /proc/stat: other work on the shared machine shows here. Server CPU is the server process's own (/proc/PID/stat utime+stime, all threads, $CLK_TCK ticks/s)."
    echo
    echo "Checks:"
    for l in fr-pbkdf2 app fr-cleartext; do
        [[ -n ${R[$l.wrong]:-} ]] || continue
        echo "- $(server_name "$l")$([[ $l == fr-* ]] && echo " (${l#fr-})"): wrong password → $(v "$l.wrong"); no Message-Authenticator → $(v "$l.nomsgauth"); wrong secret → $(v "$l.badsecret")$([[ -n ${R[$l.canary]:-} ]] && echo "; canary (PBKDF2 vs NT hash): ${R[$l.canary]}")"
        echo "  exit status after SIGTERM $(v "$l.exit"); VmHWM $(mb "${R[$l.hwm]:-}") MB; threads $(v "$l.threads")$([[ $l == fr-* ]] && echo "; error lines in radius.log $(v "$l.errors")")"
        [[ -z ${R[$l.crashed]:-} ]] || echo "  **CRASHED**: ${R[$l.crashed]}"
    done
    for l in "${LABELS_EAP[@]}"; do
        [[ -z ${R[$l.crashed]:-} ]] || echo "- $(server_name "${l%%.*}") $(method_name "${l#*.}"): **CRASHED**: ${R[$l.crashed]}"
        [[ -z ${R[$l.fail_tail]:-} ]] || echo "- $(server_name "${l%%.*}") $(method_name "${l#*.}"): first failure: ${R[$l.fail_tail]}"
    done
    problems=0
    for l in "${LABELS_PAP[@]}"; do
        if [[ $(v "$l.pap_accepted") != "$(v "$l.pap_n")" ]]; then
            echo "- **$(server_name "$l") PAP: $(v "$l.pap_accepted") of $(v "$l.pap_n") accepted** — the figures of that row are not valid"; problems=1
        fi
    done
    for l in "${LABELS_EAP[@]}"; do
        if [[ $(v "$l.ok") != "$(v "$l.n")" ]]; then
            echo "- **$(server_name "${l%%.*}") $(method_name "${l#*.}"): $(v "$l.ok") of $(v "$l.n") logins OK** — the figures of that row are not valid"; problems=1
        fi
    done
    (( problems )) || echo "- every measured PAP request was accepted and every measured login succeeded with matching MPPE keys"
    echo
    if (( RUN_APP && RUN_FR )); then
        echo "Targets (issue 7):"
        if [[ -n $FR_PAP_PBKDF2 && -n ${R[app.pap_rps]:-} ]]; then
            awk -v a="${R[app.pap_rps]}" -v f="${R[$FR_PAP_PBKDF2.pap_rps]}" -v ac="${R[app.pap_ms1k]}" -v fc="${R[$FR_PAP_PBKDF2.pap_ms1k]}" -v it="$ITERATIONS" '
                BEGIN { printf "- PAP requests/s ≥ FreeRADIUS (PBKDF2 × %d): %s vs %s = %.2f× — %s (CPU per request %.2f× FreeRADIUS'"'"'s)\n",
                        it, a, f, (f > 0 ? a / f : 0), (a >= f ? "met" : "**NOT MET**"), (fc > 0 ? ac / fc : 0) }'
            echo "  (valid only if the appliance hashed its users with $ITERATIONS PBKDF2 iterations as well)"
        fi
        if [[ -n ${R[app.peap-mschapv2.ms]:-} && -n ${R[fr.peap-mschapv2.ms]:-} ]]; then
            awk -v a="${R[app.peap-mschapv2.ms]}" -v f="${R[fr.peap-mschapv2.ms]}" '
                BEGIN { r = (f > 0 ? a / f : 0)
                        printf "- CPU per full PEAP-MSCHAPv2 login ≤ 1.5× FreeRADIUS'"'"'s: %s ms vs %s ms = %.2f× — %s\n", a, f, r, (r <= 1.5 ? "met" : "**NOT MET**") }'
        fi
        for m in ttls-pap ttls-mschapv2; do
            [[ -n ${R[app.$m.ms]:-} && -n ${R[fr.$m.ms]:-} ]] || continue
            awk -v a="${R[app.$m.ms]}" -v f="${R[fr.$m.ms]}" -v n="$(method_name "$m")" \
                'BEGIN { printf "- %s CPU per login (no target): %s ms vs %s ms = %.2f×\n", n, a, f, (f > 0 ? a / f : 0) }'
        done
    fi
} | tee "$WORK/results.md"
