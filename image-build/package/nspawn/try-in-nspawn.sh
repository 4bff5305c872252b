#!/usr/bin/env bash
# Proves the package on a clean Debian 12: builds a minimal bookworm root with mmdebstrap, installs the .deb there
# with `apt-get install ./appliance_*.deb` (which pulls its dependencies), boots the root in systemd-nspawn with a
# private network, and lets verify-appliance.sh check the running service (user, capabilities, DNS, the login page,
# kill -9 / exit 75 / exit 2 / stop, dpkg --remove and --install on the running system). Prints the checks' lines
# from the container's console; exits 0 only on "verify: RESULT PASS".
#
#   image-build/package/nspawn/try-in-nspawn.sh --deb FILE [--root DIR] [--bridge] [--keep]
#
# --root   where to build the root (default: a new directory under /var/tmp, removed afterwards unless --keep)
# --bridge also run the packet filter in bridge mode on a test bridge inside the container
# Needs root, mmdebstrap and systemd-container. systemd-nspawn runs with --keep-unit --register=no because PID 1 on
# the build machine is not systemd; --private-network keeps the container off the host's network.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HERE
readonly MIRROR="${APPLIANCE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

die() { echo "try-in-nspawn.sh: $*" >&2; exit 1; }

deb="" root="" keep=false verify_args="--reinstall"
while (($#)); do
    case "$1" in
        --deb) deb="${2:-}"; shift 2 ;;
        --root) root="${2:-}"; shift 2 ;;
        --bridge) verify_args+=" --bridge"; shift ;;
        --keep) keep=true; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
[[ -f "$deb" ]] || die "--deb FILE is required (a built appliance_<version>_<arch>.deb; arm64 runs under qemu-user)"
deb="$(realpath "$deb")"
arch="$(dpkg-deb --field "$deb" Architecture)"
command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed"
# A foreign package (arm64 on an x64 builder) runs under qemu-user: binfmt_misc must be mounted and qemu-aarch64
# enabled (nothing does it at boot here, PID 1 is not systemd); both steps are harmless when already done.
if [[ "$arch" != "$(dpkg --print-architecture)" ]]; then
    [[ -e /proc/sys/fs/binfmt_misc/status ]] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc \
        || die "cannot mount binfmt_misc: $arch programs cannot run here"
    [[ "$arch" != arm64 || -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]] || update-binfmts --enable qemu-aarch64 \
        || die "update-binfmts --enable qemu-aarch64 failed (is qemu-user-static installed?)"
fi
command -v systemd-nspawn >/dev/null || die "systemd-nspawn is not installed (package systemd-container)"
if [[ -z "$root" ]]; then
    root="$(mktemp -d /var/tmp/appliance-nspawn.XXXXXX)"
    [[ "$keep" == true ]] || trap 'rm -rf "$root"' EXIT
else
    [[ ! -e "$root" || -z "$(ls -A "$root")" ]] || die "--root $root is not empty"
fi

# The package is installed by apt as a user would (dependencies resolved from the mirror); mmdebstrap's own
# policy-rc.d keeps the service from starting inside the build chroot, as on an image build.
mmdebstrap --quiet --architectures="$arch" --variant=minbase --include=systemd,systemd-sysv,dbus,iproute2,dnsutils,curl \
    --customize-hook="mkdir -p \"\$1/var/cache/verify-appliance\"" \
    --customize-hook="copy-in $deb /var/cache/verify-appliance" \
    --customize-hook="chroot \"\$1\" apt-get install --yes --no-install-recommends /var/cache/verify-appliance/$(basename "$deb")" \
    --customize-hook="copy-in $HERE/verify-appliance.service $HERE/verify-network.service /etc/systemd/system" \
    --customize-hook="mkdir -p \"\$1/etc/systemd/system/appliance.service.d\"" \
    --customize-hook="copy-in $HERE/seccomp-kill.conf /etc/systemd/system/appliance.service.d" \
    --customize-hook="upload $HERE/verify-appliance.sh /usr/local/sbin/verify-appliance" \
    --customize-hook="chmod 0755 \"\$1/usr/local/sbin/verify-appliance\"" \
    --customize-hook="echo 'VERIFY_ARGS=$verify_args' > \"\$1/etc/default/verify-appliance\"" \
    --customize-hook="chroot \"\$1\" systemctl enable verify-appliance.service verify-network.service" \
    --customize-hook="chroot \"\$1\" systemctl is-enabled appliance.service" \
    bookworm "$root" "$MIRROR" || die "building the root or installing the package failed (see above)"

console="$(mktemp)"
trap 'rm -f "$console"; [[ "$keep" == true ]] || rm -rf "$root"' EXIT
# A machine name of our own: nspawn keeps per-name state in /run/systemd/nspawn, and two containers both called after
# their directory (e.g. "root") would collide.
timeout 900 systemd-nspawn --quiet --keep-unit --register=no --private-network --machine="appliance-try-$$" -D "$root" -b \
    | tee "$console" | grep -a --line-buffered -o 'verify: .*' || true
# The console prefixes each line with the unit's name ("verify-appliance[59]: verify: ..."), hence no ^ anchor.
# nspawn's own complaint at exit ("Attempted to remove disk file system under /run/systemd/nspawn/propagate/...")
# comes from /run not being a tmpfs on this machine and is harmless.
grep -a -q 'verify: RESULT PASS' "$console" || die "the checks did not pass (the full console: --keep, then read $root/var/log/journal)"
echo "try-in-nspawn.sh: PASS"
