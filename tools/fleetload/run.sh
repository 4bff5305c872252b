#!/usr/bin/env bash
# Fleet load: fill an outbox with realistic DNS records, then drain it to a real Mosquitto on loopback.
#   tools/fleetload/run.sh [RECORDS] [ingest|broker]
# "broker": nobody subscribed — how fast the box's link gets PUBACKs (the issue's target: >= 50k records/s).
# "ingest": the LA's ingest stores every record (SQLite, synchronous=FULL) and acknowledges end to end.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build tools/fleetload -c Release -nologo -v quiet >/dev/null
echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) fleetload ${*:-200000 ingest} on $(nproc) cores"
exec dotnet tools/fleetload/bin/Release/net10.0/FleetLoad.dll "$@"
