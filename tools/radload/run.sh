#!/usr/bin/env bash
# tools/radload/run.sh — load-test the appliance's RADIUS server against Debian's FreeRADIUS 3.2 in the same run.
#
# Everything runs on 127.0.0.1: FreeRADIUS from a private configuration generated in a temporary directory, the
# appliance from a command the caller gives, both with the same users, passwords, secret and certificate. radclient
# measures PAP, eapol_test full PEAP-MSCHAPv2 / TTLS logins; the server is pinned to one CPU and the clients to
# another. Run `tools/radload/run.sh --help` for the options.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
ORIG_ARGS=("$@")

usage() {
    cat <<'EOF'
Usage: tools/radload/run.sh [options]

Measures the appliance's RADIUS server against Debian's FreeRADIUS 3.2 configured alike, in the same run (issue 7):
  (a) PAP: radclient with many requests in flight; requests/s (wall clock) and the server's CPU per 1,000 requests
      (/proc/PID/stat utime+stime); every reply must be an Access-Accept. Target: appliance req/s ≥ FreeRADIUS's.
  (b) EAP: full PEAP-MSCHAPv2 logins with eapol_test (-r 0, each must exit 0: EAP-Success with matching MPPE keys),
      several in parallel; logins/s and the server's CPU per login. Target: appliance CPU per PEAP login ≤ 1.5× FreeRADIUS's.
      TTLS-PAP and TTLS-MSCHAPv2 too, without a target.
Each measurement is preceded by an unmeasured warm-up. The server runs on CPU 0, radclient/eapol_test on CPU 1 (taskset).

"Configured alike": N users user0001… with the same passwords on both servers (derived from --seed, so the same
seed always gives the same users). FreeRADIUS checks PAP and TTLS-PAP against PBKDF2-HMAC-SHA256 with the given
iterations (PBKDF2-Password, 16-octet salt, as the appliance's user store does) and MSCHAPv2 against NT-Password;
one client 127.0.0.1 with require_message_authenticator = yes; replies signed with Message-Authenticator; EAP over
TLS 1.2 with the same RSA-2048 server certificate (under an RSA-3072 CA) the appliance is given. A second FreeRADIUS
run with Cleartext-Password shows the protocol cost alone (PAP only; labelled, not comparable with the appliance).

The appliance:
  --appliance-cmd "CMD" is run as `exec CMD` by bash in the background, pinned to the server CPU; the script
  measures that process (so CMD must end in the server itself, not a shell that forks it). It must listen for
  Access-Requests on 127.0.0.1:--appliance-port with secret --secret, trust client 127.0.0.1, use the certificate
  below, and already have the users (import them once: --users-csv FILE --users-only, then
  `appliance users import FILE --kind pupil --by radload`, with the same PBKDF2 iterations). CMD gets, in its
  environment: RADLOAD_PORT, RADLOAD_SECRET, RADLOAD_CA (CA, PEM), RADLOAD_CERT (server certificate + CA, PEM),
  RADLOAD_CERT_ONLY (server certificate, PEM), RADLOAD_KEY (its RSA-2048 key, PEM), RADLOAD_USERS_CSV and
  RADLOAD_DIR (an empty directory of its own inside the run's temporary directory).

Options:
  --only WHO             freeradius, appliance or both (default both; both needs --appliance-cmd)
  --appliance-cmd CMD    the command that starts the appliance's RADIUS server (see above)
  --appliance-port P     its UDP authentication port on 127.0.0.1 (default 18120)
  --appliance-ready S    seconds to wait for its first Access-Accept (default 120)
  --secret S             the RADIUS shared secret for both servers (default: a fixed 48-character one)
  --users N              users user0001… (default 1000)
  --seed S               seed of the passwords and salts (default radload)
  --users-csv FILE       also write the users (username,password) to FILE, mode 0600, for `appliance users import`
  --users-only           write --users-csv and stop (no servers, no hashing)
  --pbkdf2-iterations N  PBKDF2-HMAC-SHA256 iterations for FreeRADIUS's PBKDF2-Password (default 100000, the
                         appliance's default); the appliance must hash its users with the same count
  --pap-modes LIST       FreeRADIUS password checks, comma-separated: pbkdf2, cleartext (default pbkdf2,cleartext)
  --pap-requests N       PAP requests per measured run (default: 30,000,000 / iterations for PBKDF2, clamped to
                         200..50,000; 50,000 for cleartext)
  --pap-parallel P       radclient -p, requests in flight (default 16 for PBKDF2, 200 for cleartext)
  --eap-methods LIST     peap-mschapv2, ttls-pap, ttls-mschapv2, comma-separated (default: all three)
  --eap-logins M         full logins per method (default 400)
  --eap-parallel K       eapol_test processes at once (default 4)
  --quick                about a minute: 10,000 cleartext requests, a third of the PBKDF2 ones, 100 logins per method
  --server-cpu N         CPU for the server under test (default 0)
  --client-cpu N         CPU for radclient and eapol_test (default 1)
  --no-install           do not install missing packages (fail instead)
  --out DIR              keep the raw outputs (configs, logs, request files, results.md) in DIR
  -h, --help             this text

Needs: freeradius, freeradius-utils (radclient), eapoltest (eapol_test), openssl, python3, taskset, awk; 2+ CPUs.
Missing Debian packages are installed (as root, or with sudo) with services kept from starting (policy-rc.d), and a
freeradius service the package would enable is disabled: only the private instances this script starts ever run.
Prints markdown tables; exits non-zero only if the script itself fails (not when a target is missed).
EOF
}

# ---------------------------------------------------------------------------------------------- options
ONLY=both
APPLIANCE_CMD=""
APPLIANCE_PORT=18120
APPLIANCE_READY=120
SECRET="radload-bench-secret-7f3c9a1e5b2d4068a9c1e7f3b5d"
USERS=1000
SEED=radload
USERS_CSV=""
USERS_ONLY=0
ITERATIONS=100000
PAP_MODES=pbkdf2,cleartext
PAP_REQUESTS=""
PAP_PARALLEL=""
EAP_METHODS=peap-mschapv2,ttls-pap,ttls-mschapv2
EAP_LOGINS=400
EAP_PARALLEL=4
QUICK=0
SERVER_CPU=0
CLIENT_CPU=1
INSTALL=1
OUT_DIR=""
declare -A SET=()

die() { echo "radload: $*" >&2; exit 1; }
need_arg() { [[ $# -ge 2 && -n $2 ]] || die "option $1 needs a value (see --help)"; }
need_int() { [[ $2 =~ ^[0-9]+$ ]] || die "option $1: '$2' is not a whole number"; }

while [[ $# -gt 0 ]]; do
    case $1 in
        -h|--help) usage; exit 0 ;;
        --quick) QUICK=1; shift ;;
        --users-only) USERS_ONLY=1; shift ;;
        --no-install) INSTALL=0; shift ;;
        --only) need_arg "$@"; ONLY=$2; shift 2 ;;
        --appliance-cmd) need_arg "$@"; APPLIANCE_CMD=$2; shift 2 ;;
        --secret) need_arg "$@"; SECRET=$2; shift 2 ;;
        --seed) need_arg "$@"; SEED=$2; shift 2 ;;
        --users-csv) need_arg "$@"; USERS_CSV=$2; shift 2 ;;
        --pap-modes) need_arg "$@"; PAP_MODES=$2; shift 2 ;;
        --eap-methods) need_arg "$@"; EAP_METHODS=$2; shift 2 ;;
        --out) need_arg "$@"; OUT_DIR=$2; shift 2 ;;
        --appliance-port|--appliance-ready|--users|--pbkdf2-iterations|--pap-requests|--pap-parallel|--eap-logins|--eap-parallel|--server-cpu|--client-cpu)
            need_arg "$@"; need_int "$1" "$2"
            case $1 in
                --appliance-port) APPLIANCE_PORT=$2 ;; --appliance-ready) APPLIANCE_READY=$2 ;; --users) USERS=$2 ;;
                --pbkdf2-iterations) ITERATIONS=$2 ;; --pap-requests) PAP_REQUESTS=$2 ;; --pap-parallel) PAP_PARALLEL=$2 ;;
                --eap-logins) EAP_LOGINS=$2 ;; --eap-parallel) EAP_PARALLEL=$2 ;;
                --server-cpu) SERVER_CPU=$2 ;; --client-cpu) CLIENT_CPU=$2 ;;
            esac
            SET[$1]=1; shift 2 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done

case $ONLY in freeradius|appliance|both) ;; *) die "--only must be freeradius, appliance or both (got '$ONLY')" ;; esac
RUN_FR=0; RUN_APP=0
[[ $ONLY == appliance ]] || RUN_FR=1
[[ $ONLY == freeradius ]] || RUN_APP=1
if (( RUN_APP && USERS_ONLY == 0 )) && [[ -z $APPLIANCE_CMD ]]; then
    die "--only $ONLY needs --appliance-cmd \"CMD\" (or use --only freeradius)"
fi
(( USERS >= 1 && USERS <= 999999 )) || die "--users must be from 1 to 999999"
(( ITERATIONS >= 1 )) || die "--pbkdf2-iterations must be at least 1"
(( APPLIANCE_PORT >= 1 && APPLIANCE_PORT <= 65535 )) || die "--appliance-port must be a UDP port number"
(( EAP_LOGINS >= 1 && EAP_PARALLEL >= 1 )) || die "--eap-logins and --eap-parallel must be at least 1"
[[ -z $PAP_REQUESTS ]] || (( PAP_REQUESTS >= 1 )) || die "--pap-requests must be at least 1"
[[ -z $PAP_PARALLEL ]] || (( PAP_PARALLEL >= 1 )) || die "--pap-parallel must be at least 1"
[[ $SECRET =~ ^[A-Za-z0-9._~+=/-]{16,128}$ ]] || die "--secret: 16 to 128 characters from A-Z a-z 0-9 . _ ~ + = / -"
[[ $SEED =~ ^[A-Za-z0-9._-]+$ ]] || die "--seed: letters, digits, . _ -"
[[ $SERVER_CPU != "$CLIENT_CPU" ]] || die "--server-cpu and --client-cpu must differ"
IFS=, read -r -a PAP_MODE_LIST <<<"$PAP_MODES"
for m in "${PAP_MODE_LIST[@]}"; do [[ $m == pbkdf2 || $m == cleartext ]] || die "--pap-modes: unknown mode '$m'"; done
IFS=, read -r -a EAP_METHOD_LIST <<<"$EAP_METHODS"
for m in "${EAP_METHOD_LIST[@]}"; do
    case $m in peap-mschapv2|ttls-pap|ttls-mschapv2) ;; *) die "--eap-methods: unknown method '$m'" ;; esac
done

# Requests per PAP run: about 10 s of FreeRADIUS's CPU with PBKDF2 (≈ 0.34 µs per iteration on this class of CPU).
pap_count() { # mode
    local n
    if [[ -n $PAP_REQUESTS ]]; then echo "$PAP_REQUESTS"; return; fi
    if [[ $1 == cleartext ]]; then n=50000; (( QUICK )) && n=10000
    else
        n=$(( 30000000 / ITERATIONS )); (( n < 200 )) && n=200; (( n > 50000 )) && n=50000
        (( QUICK )) && n=$(( n / 3 < 100 ? 100 : n / 3 ))
    fi
    echo "$n"
}
pap_parallel() { # mode
    if [[ -n $PAP_PARALLEL ]]; then echo "$PAP_PARALLEL"; elif [[ $1 == cleartext ]]; then echo 200; else echo 16; fi
}
(( QUICK == 0 )) || [[ -n ${SET[--eap-logins]:-} ]] || EAP_LOGINS=100

# ---------------------------------------------------------------------------------------------- users only
log() { printf '[%s] %s\n' "$(date +%T)" "$*" >&2; }
command -v python3 >/dev/null 2>&1 || die "'python3' not found; install it: apt-get install -y python3"

write_users_csv() { # source csv
    [[ -n $USERS_CSV ]] || return 0
    ( umask 077; cp "$1" "$USERS_CSV.tmp.$$" ) && mv "$USERS_CSV.tmp.$$" "$USERS_CSV"
    log "wrote $USERS users to $USERS_CSV (username,password; seed '$SEED')"
}
if (( USERS_ONLY )); then
    [[ -n $USERS_CSV ]] || die "--users-only needs --users-csv FILE"
    tmp=$(mktemp -d /tmp/radload-users.XXXXXX)
    python3 "$SCRIPT_DIR/gen_users.py" --users "$USERS" --iterations 0 --seed "$SEED" --out "$tmp" \
        || { rm -rf "$tmp"; die "generating the users failed"; }
    write_users_csv "$tmp/users.csv"
    rm -rf "$tmp"
    exit 0
fi

# ---------------------------------------------------------------------------------------------- prerequisites
SUDO=""
[[ $(id -u) == 0 ]] || SUDO=sudo
install_packages() { # debian packages...
    local created_policy="" before_pid=""
    (( INSTALL )) || die "missing packages: $* (install them: apt-get install -y $*; or drop --no-install)"
    [[ -z $SUDO ]] || command -v sudo >/dev/null 2>&1 || die "missing packages $* and not root (no sudo to install them)"
    [[ -r /run/freeradius/freeradius.pid ]] && before_pid=$(cat /run/freeradius/freeradius.pid 2>/dev/null || true)
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        # invoke-rc.d honours policy-rc.d: exit 101 = "do not start services" (Debian's freeradius would otherwise
        # start on 1812/1813 as the package is installed). Removed again right after this install.
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
        $SUDO chmod +x /usr/sbin/policy-rc.d
        created_policy=1
    fi
    log "installing $* (services kept from starting)"
    local rc=0 aptlog
    aptlog=$(mktemp /tmp/radload-apt.XXXXXX)
    { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@"; } \
        >"$aptlog" 2>&1 || rc=$?
    [[ -z $created_policy ]] || $SUDO rm -f /usr/sbin/policy-rc.d
    (( rc == 0 )) || { tail -20 "$aptlog" >&2; rm -f "$aptlog"; die "apt-get install $* failed"; }
    rm -f "$aptlog"
    if [[ " $* " == *" freeradius "* ]]; then
        # Never leave a system FreeRADIUS behind: disable the unit the package enabled, and stop one that it started.
        $SUDO deb-systemd-helper disable freeradius.service >/dev/null 2>&1 || true
        $SUDO update-rc.d freeradius disable >/dev/null 2>&1 || true
        local pid
        pid=$(cat /run/freeradius/freeradius.pid 2>/dev/null || true)
        if [[ -n $pid && $pid != "$before_pid" ]] && kill -0 "$pid" 2>/dev/null \
                && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == freeradius ]]; then
            log "the package started a system freeradius (PID $pid) despite policy-rc.d; stopping that PID"
            $SUDO kill -TERM "$pid" || true
        fi
        log "freeradius installed; its system service is disabled (this script runs private instances only)"
    fi
}
MISSING_PKGS=()
pkg_missing() { ! dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
(( RUN_FR == 0 )) || ! pkg_missing freeradius || MISSING_PKGS+=(freeradius)
command -v radclient >/dev/null 2>&1 || MISSING_PKGS+=(freeradius-utils)
command -v eapol_test >/dev/null 2>&1 || MISSING_PKGS+=(eapoltest)
command -v openssl >/dev/null 2>&1 || MISSING_PKGS+=(openssl)
command -v taskset >/dev/null 2>&1 || MISSING_PKGS+=(util-linux)
(( ${#MISSING_PKGS[@]} == 0 )) || install_packages "${MISSING_PKGS[@]}"
(( RUN_FR == 0 )) || command -v freeradius >/dev/null 2>&1 || die "freeradius not found after installing it"

NCPU=$(nproc)
(( NCPU >= 2 )) || die "needs at least 2 CPUs (server and clients on separate cores); nproc says $NCPU"
(( SERVER_CPU < NCPU && CLIENT_CPU < NCPU )) || die "--server-cpu/--client-cpu must be below nproc ($NCPU)"
CLK_TCK=$(getconf CLK_TCK)

# ---------------------------------------------------------------------------------------------- processes and clean-up
exec 3>&2   # the original stderr, for messages from the traps
WORK=$(mktemp -d /tmp/radload.XXXXXX)
chmod 700 "$WORK"
PIDS=()
LOAD_TOOL=radload
# shellcheck source=../lib/load-common.sh
source "$REPO_ROOT/tools/lib/load-common.sh"
USED_PORTS[$APPLIANCE_PORT]=1   # FreeRADIUS never gets the appliance's port

# eapol_test processes started by the login workers: each worker writes its current child's PID to a file.
stop_eapol_children() {
    local f pid
    for f in "$WORK"/eap/*.pid; do
        [[ -e $f ]] || continue
        pid=$(cat "$f" 2>/dev/null || true)
        [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == eapol_test ]] && kill -TERM "$pid" 2>/dev/null || true
    done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local pid
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    stop_eapol_children
    if [[ -n $OUT_DIR ]]; then
        mkdir -p "$OUT_DIR"
        cp -r "$WORK"/. "$OUT_DIR"/ 2>/dev/null || true
        rm -rf "$OUT_DIR"/eap/conf 2>/dev/null || true   # many small files, regenerable
        echo "radload: raw outputs kept in $OUT_DIR (they include the bench users' passwords and keys)" >&3
    fi
    rm -rf "$WORK"
    (( rc == 0 )) || echo "radload: stopped with exit status $rc; every process it started has been stopped" >&3
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------- libraries
# shellcheck source=lib/freeradius.sh
source "$SCRIPT_DIR/lib/freeradius.sh"
# shellcheck source=lib/measure.sh
source "$SCRIPT_DIR/lib/measure.sh"

# ---------------------------------------------------------------------------------------------- users, certificates
STARTED=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
HASH_ITERATIONS=0
(( RUN_FR )) && [[ ,$PAP_MODES, == *,pbkdf2,* || ${#EAP_METHOD_LIST[@]} -gt 0 ]] && HASH_ITERATIONS=$ITERATIONS
log "generating $USERS users (seed '$SEED')$( (( HASH_ITERATIONS )) && echo ", PBKDF2-HMAC-SHA256 × $ITERATIONS for FreeRADIUS (uses every core for a while)")"
t0=$(date +%s.%N)
python3 "$SCRIPT_DIR/gen_users.py" --users "$USERS" --iterations "$HASH_ITERATIONS" --seed "$SEED" --out "$WORK" \
    || die "generating the users failed"
R_GEN_S=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
write_users_csv "$WORK/users.csv"
log "making the CA (RSA-3072) and server certificate (RSA-2048)"
make_certs "$WORK/certs" || die "openssl failed to make the certificates"

# ---------------------------------------------------------------------------------------------- runs
LABELS_PAP=()
LABELS_EAP=()
FR_PAP_PBKDF2=""
FR_PEAP=""

run_freeradius() { # mode: pbkdf2 (PAP + EAP) or cleartext (PAP only)
    local mode=$1 dir=$WORK/freeradius-$1 port pid label="FreeRADIUS" m
    pick_port port
    write_freeradius_conf "$dir" "$port" "$WORK/fr-users-$mode" "$SECRET" "$WORK/certs"
    freeradius -C -d "$dir" >"$dir/check.log" 2>&1 || { cat "$dir/check.log" "$dir/log/radius.log" >&2 2>/dev/null; die "freeradius -C rejected $dir/radiusd.conf"; }
    log "FreeRADIUS ($mode): starting on 127.0.0.1:$port (CPU $SERVER_CPU)"
    taskset -c "$SERVER_CPU" freeradius -f -d "$dir" >"$dir/stdout.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_accept "$pid" "$port" 30 "$dir/log/radius.log" "FreeRADIUS ($mode)" || die "FreeRADIUS ($mode) did not start"
    check_basics "fr-$mode" "$port" "$mode"
    if [[ ,$PAP_MODES, == *,$mode,* ]]; then
        pap_measure "fr-$mode" "$pid" "$port" "$mode"
        LABELS_PAP+=("fr-$mode")
        [[ $mode == pbkdf2 ]] && FR_PAP_PBKDF2=fr-$mode
    fi
    if [[ $mode == pbkdf2 ]]; then
        for m in "${EAP_METHOD_LIST[@]}"; do
            eap_measure "fr" "$pid" "$port" "$m"
            LABELS_EAP+=("fr.$m")
        done
    fi
    R[fr-$mode.hwm]=$(mem_kb "$pid" VmHWM)
    R[fr-$mode.threads]=$(awk '$1 == "Threads:" { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    stop_pid "$pid"; forget_pid "$pid"
    R[fr-$mode.exit]=$STOP_RC
    R[fr-$mode.errors]=$(grep -c -E ': (Error|ERROR):' "$dir/log/radius.log" 2>/dev/null || true)
}

run_appliance() {
    local dir=$WORK/appliance pid label=app
    mkdir -p "$dir"
    chmod 700 "$dir"
    port_in_use "$APPLIANCE_PORT" && die "something already listens on port $APPLIANCE_PORT (--appliance-port); stop it or pick another"
    echo "$APPLIANCE_CMD" >"$dir/command"
    log "appliance: starting \`$APPLIANCE_CMD\` (CPU $SERVER_CPU), expecting 127.0.0.1:$APPLIANCE_PORT"
    RADLOAD_PORT=$APPLIANCE_PORT RADLOAD_SECRET=$SECRET RADLOAD_CA=$WORK/certs/ca.pem \
        RADLOAD_CERT=$WORK/certs/server-chain.pem RADLOAD_CERT_ONLY=$WORK/certs/server.pem RADLOAD_KEY=$WORK/certs/server.key \
        RADLOAD_USERS_CSV=$WORK/users.csv RADLOAD_DIR=$dir \
        taskset -c "$SERVER_CPU" bash -c "exec $APPLIANCE_CMD" >"$dir/appliance.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_accept "$pid" "$APPLIANCE_PORT" "$APPLIANCE_READY" "$dir/appliance.log" "the appliance" \
        || die "the appliance did not accept user0001 on 127.0.0.1:$APPLIANCE_PORT (users imported? same secret?)"
    R[$label.comm]=$(cat "/proc/$pid/comm" 2>/dev/null || true)
    check_basics "$label" "$APPLIANCE_PORT" appliance
    pap_measure "$label" "$pid" "$APPLIANCE_PORT" appliance
    LABELS_PAP+=("$label")
    local m
    for m in "${EAP_METHOD_LIST[@]}"; do
        eap_measure "$label" "$pid" "$APPLIANCE_PORT" "$m"
        LABELS_EAP+=("$label.$m")
    done
    R[$label.hwm]=$(mem_kb "$pid" VmHWM)
    R[$label.threads]=$(awk '$1 == "Threads:" { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
    stop_pid "$pid"; forget_pid "$pid"
    R[$label.exit]=$STOP_RC
}

# FreeRADIUS (alike) first, the appliance, then FreeRADIUS with cleartext passwords: the appliance sits between two
# FreeRADIUS runs so that drift in the shared machine's background load shows up in the FreeRADIUS figures.
(( RUN_FR )) && { [[ ,$PAP_MODES, == *,pbkdf2,* || ${#EAP_METHOD_LIST[@]} -gt 0 ]] && run_freeradius pbkdf2; }
(( RUN_APP )) && run_appliance
(( RUN_FR )) && { [[ ,$PAP_MODES, == *,cleartext,* ]] && run_freeradius cleartext; }
FINISHED=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------- report
# shellcheck source=lib/report.sh
source "$SCRIPT_DIR/lib/report.sh"
