#!/usr/bin/env bash
# Scores the service unit's hardening with `systemd-analyze security` and fails when the overall exposure is above
# 2.5 (issue 10). Offline: the unit file is read as it is, no systemd needs to run here (systemd >= 252).
#
#   image-build/package/check-unit.sh [UNIT_FILE] [MAX_EXPOSURE]
#
# UNIT_FILE defaults to image-build/systemd/appliance.service, MAX_EXPOSURE to 2.5 (systemd's scale, 0.0 to 10.0).
# Prints the score; with --verbose also systemd's table of every check.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE

verbose=false
if [[ "${1:-}" == --verbose ]]; then
    verbose=true
    shift
fi
unit="${1:-$HERE/../systemd/appliance.service}"
max="${2:-2.5}"

command -v systemd-analyze >/dev/null || { echo "check-unit.sh: systemd-analyze is not installed" >&2; exit 1; }
[[ -f "$unit" ]] || { echo "check-unit.sh: no unit file at $unit" >&2; exit 1; }
[[ "$max" =~ ^[0-9]+(\.[0-9])?$ ]] || { echo "check-unit.sh: MAX_EXPOSURE must look like 2.5 (got '$max')" >&2; exit 1; }

# --threshold counts in tenths of the printed score (systemd-analyze(1): the overall exposure is 0..100 internally).
threshold="$(awk -v m="$max" 'BEGIN { printf "%d", m * 10 + 0.5 }')"
set +e
report="$(systemd-analyze security --offline=true --threshold="$threshold" --no-pager "$unit" 2>&1)"
status=$?
set -e

score="$(sed -n 's/^→ Overall exposure level for .*: \([0-9.]*\).*/\1/p' <<< "$report")"
if [[ -z "$score" ]]; then
    echo "$report" >&2
    echo "check-unit.sh: systemd-analyze printed no overall exposure for $unit" >&2
    exit 1
fi
if [[ "$verbose" == true || $status -ne 0 ]]; then
    echo "$report"
fi
if ((status != 0)); then
    echo "check-unit.sh: $(basename "$unit") exposure $score is above $max: harden it (the ✗ lines above) or explain why not" >&2
    exit 1
fi
echo "check-unit.sh: $(basename "$unit") exposure $score (at most $max allowed)"
