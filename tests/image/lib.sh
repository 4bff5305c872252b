# shellcheck shell=bash disable=SC2034
# Functions for tests/image/smoke.sh (sourced; uses its ok/not_ok/step and its variables ns, nspawn_pid, nsd_pid).
# The container is reached only through the network namespace the smoke test made, and through nsenter into the
# container's own namespaces: nothing of it touches the host's network.

leader=""
tech_password="smoke-test-technician-password"

# The root filesystem build.sh made under its --out directory.
rootfs_of() {
  local out=$1
  if [ -d "$out/rootfs-amd64" ]; then echo "$out/rootfs-amd64"; return; fi
  echo "smoke: build.sh made no rootfs-amd64/ under $out" >&2
  return 1
}

# The box's uplink: a veth pair from the container's namespace (192.0.2.1/24, "wan") to a second namespace of the
# test's own, where NSD on 192.0.2.53:53 serves smoke.test (the resolver DHCP would give). It must be another
# namespace: the box's resolver takes port 53 of every address of its own, loopback included.
start_upstream() {
  local dir=$1 netns=$2
  upstream_ns=$netns-up
  ip netns add "$upstream_ns"
  ip -n "$upstream_ns" link set lo up
  ip link add smoke-box netns "$netns" type veth peer name smoke-up netns "$upstream_ns"
  ip -n "$netns" address add 192.0.2.1/24 dev smoke-box
  ip -n "$netns" link set smoke-box up
  ip -n "$upstream_ns" address add 192.0.2.53/24 dev smoke-up
  ip -n "$upstream_ns" link set smoke-up up
  mkdir -p "$dir"
  cat > "$dir/smoke.test.zone" <<'ZONE'
$ORIGIN smoke.test.
$TTL 300
@ IN SOA ns.smoke.test. admin.smoke.test. 1 3600 600 86400 60
@ IN NS ns.smoke.test.
ns IN A 192.0.2.53
www IN A 192.0.2.10
ZONE
  cat > "$dir/nsd.conf" <<CONF
server:
  ip-address: 192.0.2.53
  port: 53
  username: ""
  chroot: ""
  zonesdir: "$dir"
  pidfile: "$dir/nsd.pid"
  database: ""
  xfrdfile: "$dir/xfrd.state"
  zonelistfile: "$dir/zone.list"
  server-count: 1
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: smoke.test.
  zonefile: smoke.test.zone
CONF
  ip netns exec "$upstream_ns" nsd -d -c "$dir/nsd.conf" > "$dir/nsd.log" 2>&1 &
  nsd_pid=$!
  local i
  for i in $(seq 1 50); do
    if ip netns exec "$netns" dig +short +time=1 +tries=1 @192.0.2.53 www.smoke.test A 2>/dev/null | grep -q 192.0.2.10; then return 0; fi
    sleep 0.2
  done
  echo "smoke: NSD did not answer across the veth pair: $(cat "$dir/nsd.log")" >&2
  return 1
}

# Boots ROOT with systemd as PID 1 in the namespace; the console goes to LOG.
start_container() {
  local root=$1 netns=$2 log=$3
  # CAP_NET_ADMIN is not in nspawn's default set when it is handed a namespace; the service needs it (NFQUEUE,
  # nftables), and the namespace is the test's own.
  systemd-nspawn --keep-unit --register=no --quiet --console=passive -D "$root" --capability=CAP_NET_ADMIN \
    --network-namespace-path="/run/netns/$netns" -b > "$log" 2>&1 &
  nspawn_pid=$!
  local i child
  for i in $(seq 1 100); do
    # The container's init is nspawn's child whose own pid namespace numbers it 1.
    for child in $(ps -o pid= --ppid "$nspawn_pid" 2>/dev/null); do
      if awk '/^NSpid:/ { exit !($NF == 1) }' "/proc/$child/status" 2>/dev/null; then leader=$child; return 0; fi
    done
    sleep 0.1
  done
  echo "smoke: systemd-nspawn started no container: $(cat "$log")" >&2
  return 1
}

# Powers the container off (SIGRTMIN+4 asks systemd as PID 1 to), then waits; SIGKILL to nspawn's pid if it hangs.
stop_container() {
  if [ -z "$nspawn_pid" ]; then return 0; fi
  if [ -n "$leader" ]; then kill -s SIGRTMIN+4 "$leader" 2>/dev/null || true; fi
  local i
  for i in $(seq 1 150); do
    if ! kill -0 "$nspawn_pid" 2>/dev/null; then break; fi
    sleep 0.2
  done
  if kill -0 "$nspawn_pid" 2>/dev/null; then kill -9 "$nspawn_pid" 2>/dev/null || true; fi
  wait "$nspawn_pid" 2>/dev/null || true
  nspawn_pid=""
  leader=""
}

# Runs a command inside the container (its namespaces and root).
container() { nsenter --target "$leader" --all --root --wd -- "$@"; }

# How long after the container's systemd started UNIT became active (both monotonic, in microseconds).
since_boot() {
  local started active
  started=$(container systemctl show -p UserspaceTimestampMonotonic --value)
  active=$(container systemctl show -p ActiveEnterTimestampMonotonic --value "$1")
  awk -v a="$active" -v s="$started" 'BEGIN { printf "%.1f s", (a - s) / 1e6 }'
}

unit_is() { [ "$(container systemctl is-active "$2" 2>/dev/null)" = "$1" ]; }

# wait_for SECONDS COMMAND...: true once COMMAND succeeds.
wait_for() {
  local seconds=$1 i
  shift
  for i in $(seq 1 $((seconds * 2))); do
    if "$@"; then return 0; fi
    sleep 0.5
  done
  return 1
}

# The service runs as its own user with exactly CAP_NET_ADMIN, CAP_NET_BIND_SERVICE and CAP_NET_RAW (bits 12, 10, 13).
check_process_identity() {
  local pid status uid want_uid
  pid=$(container systemctl show -p MainPID --value appliance.service 2>/dev/null || echo 0)
  status=$(container cat "/proc/$pid/status" 2>/dev/null || true)
  uid=$(awk '/^Uid:/ { print $2 }' <<< "$status")
  want_uid=$(container id -u appliance 2>/dev/null || echo none)
  local eff amb
  eff=$(awk '/^CapEff:/ { print $2 }' <<< "$status")
  amb=$(awk '/^CapAmb:/ { print $2 }' <<< "$status")
  if [ "$pid" != 0 ] && [ "$uid" = "$want_uid" ] && [ "$eff" = 0000000000003400 ] && [ "$amb" = 0000000000003400 ]; then
    ok "the service runs as user appliance (uid $uid) with only CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_NET_RAW"
  else
    not_ok "the service runs as user appliance with only its three capabilities" "pid $pid uid '$uid' (appliance is '$want_uid') CapEff '$eff' CapAmb '$amb'"
  fi
}

# A name only the upstream knows comes back through the box's resolver; the DoH canary is answered by its policy.
check_dns() {
  local netns=$1 answer canary
  answer=$(ip netns exec "$netns" dig +short +time=3 +tries=2 @127.0.0.1 www.smoke.test A 2>&1 || true)
  if [ "$answer" = 192.0.2.10 ]; then
    ok "the resolver answers on port 53 (www.smoke.test A 192.0.2.10, forwarded to the DHCP-style upstream)"
  else
    not_ok "the resolver answers on port 53" "dig @127.0.0.1 www.smoke.test: '$answer'" "$(container journalctl -u appliance.service --no-pager -n 20 2>&1)"
  fi
  canary=$(ip netns exec "$netns" dig +time=3 +tries=2 @127.0.0.1 use-application-dns.net A 2>&1 || true)
  if grep -q "status: NXDOMAIN" <<< "$canary"; then
    ok "the resolver's policy answers the DoH canary use-application-dns.net with NXDOMAIN"
  else
    not_ok "the resolver's policy answers the DoH canary with NXDOMAIN" "$canary"
  fi
}

check_login_page() {
  local netns=$1 page
  page=$(ip netns exec "$netns" curl -fsS --max-time 10 http://127.0.0.1/login 2>&1 || true)
  if grep -q "<h1>Sign in" <<< "$page" && grep -q 'name="password"' <<< "$page"; then
    ok "the web UI serves its login page on port 80"
  else
    not_ok "the web UI serves its login page on port 80" "$(head -c 400 <<< "$page")"
  fi
}

# The code first boot showed (journal and console screen) makes the first technician through the real form.
check_setup_code() {
  local root=$1 netns=$2 code jar token page
  code=$(container journalctl -u appliance-firstboot.service --no-pager -o cat 2>/dev/null | grep -oE '[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}' | tail -1 || true)
  if [ -z "$code" ]; then
    not_ok "first boot shows a web UI setup code" "$(container journalctl -u appliance-firstboot.service --no-pager -n 20 2>&1)"
    return
  fi
  if grep -rqs "$code" "$root/etc/issue.d/" "$root/run/issue.d/" 2>/dev/null || container sh -c "cat /etc/issue.d/* /run/issue.d/* 2>/dev/null" | grep -q "$code"; then
    ok "first boot shows the setup code on the console login screen (issue.d)"
  else
    not_ok "first boot shows the setup code on the console login screen" "no issue.d file holds $code"
  fi
  jar=$(mktemp)
  token=$(ip netns exec "$netns" curl -fsS -c "$jar" -b "$jar" http://127.0.0.1/setup 2>/dev/null | grep -oE 'name="__af" value="[^"]+"' | head -1 | sed -E 's/.*value="([^"]+)"/\1/' || true)
  page=$(ip netns exec "$netns" curl -sS -L -c "$jar" -b "$jar" --data-urlencode "code=$code" --data-urlencode "name=tech" \
    --data-urlencode "password=$tech_password" --data-urlencode "__af=$token" http://127.0.0.1/setup 2>&1 || true)
  rm -f "$jar"
  if grep -q "<h1>Dashboard</h1>" <<< "$page"; then
    ok "first boot's setup code makes the first technician (the service kept it)"
  else
    not_ok "first boot's setup code makes the first technician" "$(grep -oE '<(h1|p class="error")[^<]*<[^>]*>[^<]*' <<< "$page" | head -5)"
  fi
}

# The arm64 binary under qemu-user: --version, then a command that opens SQLite through libe_sqlite3.so.
check_arm64() {
  local dir=$1 sysroot version code data
  sysroot=$(image-build/publish.sh --arch arm64 --sysroot-only | tail -1)
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  version=$(qemu-aarch64-static -L "$sysroot" "$dir/appliance" --version 2>&1 || true)
  if file "$dir/appliance" | grep -q "ARM aarch64" && grep -qE '^[0-9]+\.[0-9]+\.[0-9]+' <<< "$version"; then
    ok "the arm64 binary runs --version under qemu-user ($version)"
  else
    not_ok "the arm64 binary runs --version under qemu-user" "$(file "$dir/appliance")" "$version"
  fi
  data=$(mktemp -d)
  code=$(qemu-aarch64-static -L "$sysroot" "$dir/appliance" setup-code --data-dir "$data" 2>&1 || true)
  if grep -qE '^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$' <<< "$code" && [ -s "$data/webui.db" ]; then
    ok "the arm64 binary opens SQLite through its libe_sqlite3.so under qemu-user"
  else
    not_ok "the arm64 binary opens SQLite through its libe_sqlite3.so under qemu-user" "$code"
  fi
  rm -rf "$data"
}
