#!/usr/bin/env bash
# Installs every Debian package the tests and load scripts use. Idempotent; safe to run again.
# Packages whose services Debian would start on install (nsd, unbound) are kept from starting: the tests
# start their own instances on spare loopback ports and must not find port 53 taken or the machine changed.
set -euo pipefail

packages=(
  dnsutils        # dig
  knot-dnsutils   # kdig
  nsd             # a real authoritative upstream for the resolver tests
  unbound         # the peer resolver in the load script
  dnsperf         # the load generator
  iproute2        # ip netns for packet-path tests
  openssl         # the DNS-over-TLS test makes a throw-away CA and server certificate
  curl            # health checks in the README and the load script
  tzdata          # schedules are local school time (Europe/London and the rest of the IANA zones)
  mosquitto       # the MQTT broker the fleet tests start on a loopback port (the LA's broker)
  mosquitto-clients # mosquitto_passwd is in mosquitto; sub/pub for diagnosing a failed fleet test
  postgresql-15   # la-fleet ingest's PostgreSQL store: the tests run their own server (initdb) on a loopback port
  libpcap0.8      # the panel's evidence capture (SharpPcap) of recent DNS and TLS ClientHello packets
  iptables        # the packet filter's ruleset (NFQUEUE through nft compat) in the tests' network namespaces
  nftables        # nft: to read back and check the installed ruleset
  freeradius-utils # radclient: the real RADIUS client the RADIUS server's tests talk to
  eapoltest       # eapol_test (hostapd): the real 802.1X supplicant for PEAP/TTLS logins against the RADIUS server, MPPE keys checked
  libplist-utils  # plistutil: reads back the Apple .mobileconfig the RADIUS certificates page offers
  hostapd         # a real NAS (wired 802.1X, RADIUS DAS on 3799) for the Disconnect-Request tests, and their EAP-MD5 RADIUS server
  wpasupplicant   # the wired 802.1X client those tests authenticate through hostapd
  coreutils       # stdbuf: line-buffered hostapd/wpa_supplicant logs in those tests
  python3         # the packet-path tests' listeners, socket probes and stand-in verdict loop (standard library only)
  chromium        # the web UI's browser tests: Playwright drives Debian's headless Chromium (it downloads no browser of its own)
  fonts-liberation # a metric-compatible sans serif for Chromium, so pages and screenshots render the same on every machine
  mmdebstrap      # the image smoke test builds the box's bookworm root filesystem (and the arm64 sysroot) with it
  systemd-container # systemd-nspawn boots that root for the smoke test
  qemu-user-static # the arm64 sysroot's maintainer scripts and the arm64 binary run under qemu-user
  binfmt-support  # update-binfmts: registers qemu-aarch64 so mmdebstrap can build an arm64 root
  arch-test       # mmdebstrap checks with it that the host can run arm64 binaries
  clang           # Native AOT links with clang; the arm64 cross-compile needs it and lld
  lld             # the linker for the arm64 cross-compile (LinkerFlavor=lld)
  llvm            # llvm-objcopy: the AOT publish splits the debug symbols off the arm64 binary with it
  file            # the smoke test checks the arm64 binary's ELF machine
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

created_policy=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  # invoke-rc.d honours policy-rc.d: exit 101 = "do not start services" during this install only.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() { if [ -n "$created_policy" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi; }
trap cleanup EXIT

echo "install-test-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-test-deps: done"
