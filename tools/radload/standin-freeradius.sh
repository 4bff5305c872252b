#!/usr/bin/env bash
# tools/radload/standin-freeradius.sh — a second FreeRADIUS to stand in for the appliance in tools/radload/run.sh,
# to try the two-server flow (and to measure run-to-run spread: the same server on both sides) before the
# appliance's RADIUS section is wired into the host. Not a benchmark of the appliance.
#
#   tools/radload/run.sh --users N --seed S --pbkdf2-iterations I \
#       --appliance-cmd "tools/radload/standin-freeradius.sh --users N --seed S --pbkdf2-iterations I"
#
# It regenerates the users from the same seed (and checks they equal RADLOAD_USERS_CSV), writes the same private
# configuration run.sh uses, on RADLOAD_PORT with RADLOAD_SECRET and RADLOAD_CA's certificate directory, and execs
# `freeradius -f`, so that run.sh measures the FreeRADIUS process itself.
set -euo pipefail
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
users=1000 seed=radload iterations=100000
while [[ $# -gt 0 ]]; do
    case $1 in
        --users) users=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --pbkdf2-iterations) iterations=$2; shift 2 ;;
        *) echo "standin-freeradius: unknown option '$1'" >&2; exit 2 ;;
    esac
done
for v in RADLOAD_PORT RADLOAD_SECRET RADLOAD_CA RADLOAD_USERS_CSV RADLOAD_DIR; do
    [[ -n ${!v:-} ]] || { echo "standin-freeradius: $v is not set (run me from tools/radload/run.sh --appliance-cmd)" >&2; exit 2; }
done
python3 "$SCRIPT_DIR/gen_users.py" --users "$users" --iterations "$iterations" --seed "$seed" --out "$RADLOAD_DIR/users"
cmp -s "$RADLOAD_DIR/users/users.csv" "$RADLOAD_USERS_CSV" \
    || { echo "standin-freeradius: users differ from RADLOAD_USERS_CSV (same --users and --seed as run.sh?)" >&2; exit 2; }
# shellcheck source=lib/freeradius.sh
source "$SCRIPT_DIR/lib/freeradius.sh"
write_freeradius_conf "$RADLOAD_DIR/freeradius" "$RADLOAD_PORT" "$RADLOAD_DIR/users/fr-users-pbkdf2" "$RADLOAD_SECRET" "$(dirname "$RADLOAD_CA")"
exec freeradius -f -d "$RADLOAD_DIR/freeradius"
