#!/usr/bin/env bash
# Runs as /usr/local/sbin/verify-appliance inside the container that try-in-nspawn.sh boots (systemd as PID 1,
# a private network with only loopback). Checks the installed package's service as systemd runs it and prints one
# "verify: ok|FAIL ..." line per check and "verify: RESULT PASS|FAIL" last; the host script reads the console.
#
#   verify-appliance [--bridge] [--reinstall]
#
# --bridge    also switches the packet filter on (bridge mode on a test bridge) to show nft/iptables-restore and
#             NFQUEUE work as child processes under the hardening
# --reinstall also removes the package and installs it again from /var/cache/verify-appliance/
set -uo pipefail

failures=0
ok() { echo "verify: ok   $*"; }
bad() { echo "verify: FAIL $*"; failures=$((failures + 1)); }
prop() { systemctl show -p "$1" --value appliance.service; }

# Waits until the unit is active with a main PID (a Type=notify unit is active only after READY=1).
wait_active() {
    local i
    for ((i = 0; i < 120; i++)); do
        if [[ "$(prop ActiveState)" == active && "$(prop MainPID)" != 0 ]]; then
            return 0
        fi
        sleep 0.5
    done
    return 1
}

show_failure() {
    systemctl status --no-pager -l appliance.service | sed 's/^/verify:   /'
    journalctl -u appliance.service --no-pager -n 40 | sed 's/^/verify:   /'
}

check_running() {
    if ! wait_active; then
        bad "appliance.service is $(prop ActiveState)/$(prop SubState) ($1), not active"
        show_failure
        return 1
    fi
    ok "appliance.service active ($1), main PID $(prop MainPID)"
}

# CAP_NET_BIND_SERVICE (10), CAP_NET_ADMIN (12), CAP_NET_RAW (13): capabilities(7).
readonly THREE_CAPS=0000000000003400

check_identity() {
    local pid uid status
    pid="$(prop MainPID)"
    status="$(cat "/proc/$pid/status")"
    uid="$(awk '/^Uid:/ {print $2}' <<< "$status")"
    if [[ "$uid" == "$(id -u appliance)" && "$uid" != 0 ]]; then ok "runs as user appliance (uid $uid)"; else bad "runs as uid $uid, not appliance"; fi
    for field in CapEff CapPrm CapAmb CapBnd; do
        value="$(awk -v f="$field:" '$1 == f {print $2}' <<< "$status")"
        if [[ "$value" == "$THREE_CAPS" ]]; then ok "$field $value (net_bind_service, net_admin, net_raw)"; else bad "$field is $value, expected $THREE_CAPS"; fi
    done
    grep -E '^(NoNewPrivs|Seccomp):' <<< "$status" | sed 's/^/verify:   /'
    grep -E '^Max open files' "/proc/$pid/limits" | sed 's/^/verify:   /'
    stat -c 'verify:   %n %U:%G %a' /var/lib/appliance /run/appliance /etc/appliance /etc/appliance/appliance.json
    if find /var/lib/appliance ! -user appliance | grep -q .; then bad "files in /var/lib/appliance not owned by appliance"; fi
}

check_dns() {
    local server answer
    for server in 127.0.0.1 ::1; do
        # No upstream is reachable from the private network: any answer (SERVFAIL included) shows the listener works.
        answer="$(dig +time=10 +tries=1 @"$server" example.org A 2>&1)"
        if grep -q 'status:' <<< "$answer"; then ok "dig @$server answered: $(grep -o 'status: [A-Z]*' <<< "$answer")"; else bad "dig @$server: $(tail -n 2 <<< "$answer" | tr '\n' ' ')"; fi
    done
}

check_web() {
    local code
    # A box without a technician yet sends /login on to /setup (the one-time setup code's form); both are forms.
    code="$(curl -s -L -o /tmp/login.html -w '%{http_code} %{url_effective}' --max-time 10 http://127.0.0.1/login)"
    if [[ "$code" == "200 "* ]] && grep -qi '<form' /tmp/login.html; then ok "GET http://127.0.0.1/login: $code with a form"; else bad "GET /login: HTTP $code"; fi
    code="$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 10 http://127.0.0.1/)"
    echo "verify:   GET / -> $code"
}

check_security() {
    systemd-analyze security --no-pager appliance.service | tail -n 1 | sed 's/^/verify:   online /'
}

check_kill9() {
    local pid restarts
    pid="$(prop MainPID)" restarts="$(prop NRestarts)"
    kill -9 "$pid"
    sleep 1
    for ((i = 0; i < 40; i++)); do
        [[ "$(prop MainPID)" != "$pid" && "$(prop MainPID)" != 0 && "$(prop ActiveState)" == active ]] && break
        sleep 0.5
    done
    if [[ "$(prop NRestarts)" -gt "$restarts" && "$(prop MainPID)" != "$pid" ]]; then ok "kill -9 $pid: restarted as $(prop MainPID) (NRestarts $(prop NRestarts))"; else bad "kill -9: not restarted ($(prop ActiveState), NRestarts $(prop NRestarts))"; fi
    check_running "after kill -9"
}

# Stands in for the service's own exit code with a drop-in (the real exit 75 needs the LA to change the settings), so
# what is tested is the unit's Restart=/RestartPreventExitStatus= policy.
check_exit_code() {
    local code="$1" expect="$2" dropin=/run/systemd/system/appliance.service.d/zz-verify-exit.conf before
    mkdir -p "${dropin%/*}"
    printf '[Service]\nType=simple\nWatchdogSec=0\nExecStart=\nExecStart=/bin/sh -c "sleep 1; exit %s"\n' "$code" > "$dropin"
    systemctl daemon-reload
    systemctl restart appliance.service
    # A restart asked for by hand starts the count again at 0.
    before="$(prop NRestarts)"
    sleep 6
    local after
    after="$(prop NRestarts)"
    if [[ "$expect" == restart && "$after" -gt "$before" ]] || [[ "$expect" == stop && "$after" == "$before" && "$(prop ActiveState)" == failed ]]; then
        ok "exit $code: $expect (NRestarts $before -> $after, $(prop ActiveState))"
    else
        bad "exit $code: expected $expect, NRestarts $before -> $after, $(prop ActiveState)"
    fi
    rm -f "$dropin"
    systemctl daemon-reload
    systemctl stop appliance.service
    systemctl reset-failed appliance.service
    systemctl start appliance.service
    check_running "after the exit $code test"
}

check_stop() {
    local started
    started="$(date +%s%N)"
    systemctl stop appliance.service
    local ms=$((($(date +%s%N) - started) / 1000000))
    if [[ "$(prop ActiveState)" == inactive && "$(prop Result)" == success ]]; then ok "systemctl stop: inactive, Result=success, ${ms} ms"; else bad "systemctl stop: $(prop ActiveState), Result=$(prop Result)"; fi
    journalctl -u appliance.service --no-pager -n 3 -o cat | sed 's/^/verify:   /'
    systemctl start appliance.service
    check_running "started again"
}

# The packet filter as the gateway image runs it: the ruleset applied by nft/iptables-restore as children of the
# service, and the NFQUEUE bound by the service itself, all under the unit's hardening.
check_bridge() {
    if ! ip link add br0 type bridge || ! ip link set br0 up; then
        bad "cannot make a test bridge"
        return
    fi
    cp /etc/appliance/appliance.json /tmp/appliance.json.orig
    sed -i 's/"mode": "off"/"mode": "bridge", "lan": ["br0"]/' /etc/appliance/appliance.json
    systemctl restart appliance.service
    if check_running "packet filter in bridge mode"; then
        echo "verify:   NFQUEUE rules in the ruleset: $(nft list ruleset 2>/dev/null | grep -c -E 'queue|NFQUEUE')"
    fi
    cp /tmp/appliance.json.orig /etc/appliance/appliance.json
    systemctl restart appliance.service
    check_running "packet filter off again"
}

# The maintainer scripts on a running systemd: remove stops the service and keeps the data, installing again starts it.
check_reinstall() {
    local deb
    deb="$(find /var/cache/verify-appliance -name 'appliance_*.deb' | head -n1)"
    [[ -n "$deb" ]] || { bad "no package in /var/cache/verify-appliance to reinstall"; return; }
    dpkg --remove appliance > /tmp/remove.log 2>&1 || { bad "dpkg --remove failed: $(tail -n 3 /tmp/remove.log)"; return; }
    if [[ "$(prop ActiveState)" != active && -d /var/lib/appliance && -n "$(ls /var/lib/appliance)" ]]; then
        ok "dpkg --remove: service $(prop ActiveState), /var/lib/appliance kept ($(find /var/lib/appliance -mindepth 1 -maxdepth 1 | wc -l) entries)"
    else
        bad "dpkg --remove: service $(prop ActiveState), /var/lib/appliance has $(find /var/lib/appliance -mindepth 1 -maxdepth 1 2>&1 | wc -l) entries"
    fi
    dpkg --install "$deb" > /tmp/install.log 2>&1 || { bad "dpkg --install failed: $(tail -n 3 /tmp/install.log)"; return; }
    check_running "installed again, started by postinst"
}

echo "verify: appliance $(/usr/bin/appliance --version)"
if check_running "after boot"; then
    check_identity
    check_dns
    check_web
    check_security
    check_kill9
    check_exit_code 75 restart
    check_exit_code 2 stop
    [[ " $* " == *" --bridge "* ]] && check_bridge
    check_stop
    [[ " $* " == *" --reinstall "* ]] && check_reinstall
fi
journalctl -b --no-pager -o cat | grep -v 'verify:' | grep -i -E 'seccomp|audit.*denied|Operation not permitted' | head -n 5 | sed 's/^/verify:   journal: /'
if ((failures == 0)); then echo "verify: RESULT PASS"; else echo "verify: RESULT FAIL ($failures failed)"; fi
