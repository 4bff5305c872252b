#!/usr/bin/env bash
# The second set-up command of the README: install what the tests need, build, and run every test.
# Prints a closing "N passed, N failed" line and exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-test-deps.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# The browser tests use Debian's Chromium; Playwright must never fetch a browser of its own (there is no internet).
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
dotnet build Appliance.sln -c Release -nologo -v quiet
# The benchmarks are not tests, but they must keep compiling (docs/performance.md tells people to run them).
dotnet build tests/Appliance.Benchmarks -c Release -nologo -v quiet

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# Test projects run one after another: integration tests start real processes and must not compete for the
# two cores with the fuzz and allocation tests.
dotnet test Appliance.sln -c Release --no-build -nologo -m:1 -- RunConfiguration.TestSessionTimeout=1200000 2>&1 | tee "$log" || status=$?

# The image smoke tests (issue 10): publish, package, build the root filesystem, boot it in systemd-nspawn, run the
# arm64 binary under qemu-user. They need root; 6 minutes with warm caches (measured), plus the arm64 sysroot (2.5 min) on a fresh machine; APPLIANCE_IMAGE_TESTS=0 leaves them out
# (say so when you do). Their own time budget, so a hung boot cannot eat CI's 90 minutes.
if [ "${APPLIANCE_IMAGE_TESTS:-1}" != 0 ]; then
  timeout --kill-after=60 45m tests/image/smoke.sh 2>&1 | tee -a "$log" || status=$?
else
  echo "image smoke tests left out (APPLIANCE_IMAGE_TESTS=0)"
fi

passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -oE 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  exit 1
fi
