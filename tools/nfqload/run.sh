#!/usr/bin/env bash
# Packet-filter load: the NFQUEUE verdict loop against the kernel's queue, in a network namespace it creates and deletes.
#   tools/nfqload/run.sh loop    [SECONDS]   UDP packets queued and accepted: the bare loop's packets/s and bytes/packet
#   tools/nfqload/run.sh inspect [SECONDS]   crafted SYN + ClientHello pairs through the flow inspector and the policy
#   tools/nfqload/run.sh flows   [SECONDS]   real TCP connections sending ClientHellos: new flows decided per second
# Needs root (namespaces, iptables, netlink). The sender runs on the same machine, so the figures are a floor.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build tools/nfqload -c Release -nologo -v quiet >/dev/null
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) nfqload ${*:-loop} on $(nproc) cores"
exec dotnet tools/nfqload/bin/Release/net10.0/NfqLoad.dll "$@"
