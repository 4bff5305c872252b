#!/usr/bin/env bash
# tools/radload/appliance.sh — the appliance as tools/radload/run.sh's --appliance-cmd: imports the generated users
# (PBKDF2 at the store's default cost, 100,000 iterations, and the NT hash) into a private data directory once, writes
# a configuration with the radius section on RADLOAD_PORT with RADLOAD_SECRET and RADLOAD's certificate, and execs the
# appliance (the Release build), so run.sh measures the appliance process itself.
#
#   dotnet build appliance/Appliance.Host -c Release
#   tools/radload/run.sh --appliance-port 18120 --appliance-cmd tools/radload/appliance.sh
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd)
APPLIANCE=${APPLIANCE:-$REPO_ROOT/appliance/Appliance.Host/bin/Release/net10.0/appliance}
for v in RADLOAD_PORT RADLOAD_SECRET RADLOAD_CERT_ONLY RADLOAD_CA RADLOAD_KEY RADLOAD_USERS_CSV RADLOAD_DIR; do
    [[ -n ${!v:-} ]] || { echo "radload/appliance: $v is not set (run me from tools/radload/run.sh --appliance-cmd)" >&2; exit 2; }
done
[[ -x $APPLIANCE ]] || { echo "radload/appliance: $APPLIANCE not built (dotnet build appliance/Appliance.Host -c Release)" >&2; exit 2; }

data=$RADLOAD_DIR/appliance-data
if [[ ! -f $data/users.db ]]; then
    "$APPLIANCE" users import "$RADLOAD_USERS_CSV" --kind pupil --by radload --data-dir "$data" >"$RADLOAD_DIR/appliance-import.log"
fi

cat >"$RADLOAD_DIR/appliance.json" <<JSON
{
  "radius": {
    "enabled": true,
    "listen": "127.0.0.1",
    "authPort": $RADLOAD_PORT,
    "accountingPort": $((RADLOAD_PORT + 1)),
    "serverName": "radius.bench.test",
    "certificateFile": "$RADLOAD_CERT_ONLY",
    "chainFile": "$RADLOAD_CA",
    "keyFile": "$RADLOAD_KEY",
    "clients": [ { "name": "radload", "address": "127.0.0.1", "secret": "$RADLOAD_SECRET" } ]
  }
}
JSON
# Logging at Warning: the per-login Information lines would be measured as server work FreeRADIUS (not -X) does not do.
exec env Logging__LogLevel__Default=Warning "$APPLIANCE" run --config "$RADLOAD_DIR/appliance.json" --data-dir "$data" \
    --dns-listen 127.0.0.1:0 --web-listen 127.0.0.1:0
