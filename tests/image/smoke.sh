#!/usr/bin/env bash
# The image smoke tests (issue 10), run by tools/test-all.sh after the .NET tests and on their own:
#
#   tests/image/smoke.sh [--keep]
#
# 1. Publishes the service for linux-x64 (Native AOT) and packages it (image-build/publish.sh, package/build-deb.sh);
#    the unit's `systemd-analyze security` exposure must be at most 2.5 (package/check-unit.sh).
# 2. Builds the box's root filesystem with the package (image-build/build.sh --rootfs-only --no-kernel: mmdebstrap
#    bookworm, the image's overlay and first-boot unit) and checks the package is installed.
# 3. Boots that root in systemd-nspawn, inside a network namespace this script makes (nothing reaches the host's
#    network), with a real upstream (NSD in a second namespace behind a veth pair) standing in for the resolver DHCP
#    would give:
#    first boot runs, the service goes active as its own user with only its three capabilities, answers DNS (a name
#    from the upstream, the DoH canary from its policy) and serves the login page, and the setup code first boot
#    showed on the console makes the first technician.
# 4. Publishes for linux-arm64 (cross-compiled) and runs the binary under qemu-user: --version, and a command that
#    opens SQLite through libe_sqlite3.so.
#
# Prints one "ok"/"not ok" line per check and a closing "Image smoke tests - Failed: N, Passed: N" line (the form
# tools/test-all.sh counts). Needs root (nspawn, netns, binfmt_misc). Exits 1 if any check failed.
# Work files go to $APPLIANCE_IMAGE_WORK (default /var/tmp/appliance-image-smoke), removed at the end unless --keep
# or a check failed (then the logs are there to read).
set -euo pipefail
cd "$(dirname "$0")/../.."

keep=""
[ "${1:-}" = "--keep" ] && keep=1

work=${APPLIANCE_IMAGE_WORK:-/var/tmp/appliance-image-smoke}
passed=0
failed=0
ns=""
upstream_ns=""
nspawn_pid=""
nsd_pid=""

ok() { passed=$((passed + 1)); echo "ok $((passed + failed)) - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok $((passed + failed)) - $1"; shift; for line in "$@"; do echo "#   $line"; done; }
step() { echo "# $(date -u +%H:%M:%S) $*"; }

finish() {
  local status=$?
  stop_container
  if [ -n "$nsd_pid" ]; then kill "$nsd_pid" 2>/dev/null || true; fi
  if [ -n "$ns" ]; then ip netns delete "$ns" 2>/dev/null || true; fi
  if [ -n "$upstream_ns" ]; then ip netns delete "$upstream_ns" 2>/dev/null || true; fi
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then not_ok "the smoke script itself failed (exit $status); logs in $work"; fi
  echo "Image smoke tests - Failed: ${failed}, Passed: ${passed}"
  if [ "$failed" -eq 0 ] && [ -z "$keep" ]; then rm -rf "$work"; fi
  [ "$failed" -eq 0 ]
}
trap finish EXIT

if [ "$(id -u)" -ne 0 ]; then
  echo "smoke.sh: needs root (systemd-nspawn, ip netns, binfmt_misc)" >&2
  exit 1
fi

rm -rf "$work"
mkdir -p "$work"
source tests/image/lib.sh

# --- 1. publish and package (x64) -------------------------------------------------------------------------------
step "publish linux-x64"
image-build/publish.sh --arch x64 --out "$work/publish-x64" > "$work/publish-x64.log" 2>&1 \
  || { not_ok "linux-x64 Native AOT publish" "see $work/publish-x64.log"; exit 1; }
ok "linux-x64 Native AOT publish without warnings ($(du -h "$work/publish-x64/appliance" | cut -f1) binary)"

step "package amd64"
image-build/package/build-deb.sh --arch amd64 --publish "$work/publish-x64" --out "$work/deb" > "$work/deb.log" 2>&1 \
  || { not_ok "Debian package (amd64)" "see $work/deb.log"; exit 1; }
deb=$(ls "$work"/deb/appliance_*_amd64.deb)
ok "Debian package $(basename "$deb")"

if score=$(image-build/package/check-unit.sh 2>&1); then
  ok "systemd-analyze security: ${score##*$'\n'}"
else
  not_ok "systemd-analyze security exposure at most 2.5" "$score"
fi

# --- 2. the root filesystem ---------------------------------------------------------------------------------------
step "root filesystem (mmdebstrap, no kernel)"
image-build/build.sh --arch amd64 --deb "$deb" --out "$work/os" --rootfs-only --no-kernel > "$work/build.log" 2>&1 \
  || { not_ok "image-build/build.sh --rootfs-only" "see $work/build.log"; exit 1; }
root=$(rootfs_of "$work/os")
# shellcheck disable=SC2016 # dpkg-query's own ${field} syntax
if chroot "$root" dpkg-query -W -f='${Status} ${Version}' appliance 2>/dev/null | grep -q "install ok installed"; then
  # shellcheck disable=SC2016
  ok "the package installs into the mmdebstrap root ($(chroot "$root" dpkg-query -W -f='${Version}' appliance))"
else
  not_ok "the package installs into the mmdebstrap root" "dpkg-query in $root does not list appliance as installed"
fi

# --- 3. boot it -------------------------------------------------------------------------------------------------
step "boot in systemd-nspawn"
ns=appliance-smoke-$$
ip netns add "$ns"
ip -n "$ns" link set lo up
start_upstream "$work/nsd" "$ns"
# What DHCP would give the box: networkd hands resolved the lease's DNS servers; here resolved is told directly.
mkdir -p "$root/etc/systemd/resolved.conf.d"
printf '[Resolve]\nDNS=192.0.2.53\n' > "$root/etc/systemd/resolved.conf.d/90-smoke-test.conf"
start_container "$root" "$ns" "$work/console.log"

if wait_for 120 unit_is active appliance.service; then
  ok "appliance.service active after boot ($(since_boot appliance.service) after systemd started in the container)"
else
  not_ok "appliance.service active after boot" "state: $(container systemctl is-active appliance.service || true)" \
    "$(container journalctl -u appliance.service --no-pager -n 30 2>&1 | tail -30)"
fi

if [ "$(container systemctl show -p Result --value appliance-firstboot.service 2>/dev/null)" = "success" ]; then
  ok "first boot ran ($(container journalctl -u appliance-firstboot.service --no-pager -o cat 2>/dev/null | grep -c .) log lines)"
else
  not_ok "first boot ran" "$(container journalctl -u appliance-firstboot.service --no-pager -n 30 2>&1 | tail -30)"
fi

check_process_identity
check_dns "$ns"
check_setup_code "$root" "$ns"
check_login_page "$ns"   # after setup: with no account yet, /login sends the browser to /setup
stop_container

# --- 4. arm64 ----------------------------------------------------------------------------------------------------
step "publish linux-arm64 (cross-compiled)"
if image-build/publish.sh --arch arm64 --out "$work/publish-arm64" > "$work/publish-arm64.log" 2>&1; then
  ok "linux-arm64 Native AOT cross-compile without warnings"
  check_arm64 "$work/publish-arm64"
else
  not_ok "linux-arm64 Native AOT cross-compile" "see $work/publish-arm64.log"
fi
