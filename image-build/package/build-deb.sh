#!/usr/bin/env bash
# Builds the Debian package of the appliance from a publish directory (image-build/publish.sh).
#
#   image-build/package/build-deb.sh --arch amd64|arm64 --publish DIR --out DIR [--version-suffix SUFFIX]
#
# Writes DIR/appliance_<version>_<arch>.deb and prints its path. The version is <Version> in Directory.Build.props,
# plus SUFFIX when given (e.g. "+git$(git rev-parse --short HEAD)"). The package holds the binary, the hardened unit,
# sysusers.d/tmpfiles.d entries, a udev rule for the panel, the default configuration (a conffile) and the
# maintainer scripts; README.md beside this script describes it. Needs dpkg-deb and readelf (binutils).
set -euo pipefail
umask 022

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
readonly HERE REPO

die() { echo "build-deb.sh: $*" >&2; exit 1; }

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }

arch="" publish="" out="" suffix=""
while (($#)); do
    case "$1" in
        --arch) arch="${2:-}"; shift 2 ;;
        --publish) publish="${2:-}"; shift 2 ;;
        --out) out="${2:-}"; shift 2 ;;
        --version-suffix) suffix="${2:-}"; shift 2 ;;
        -h|--help) usage ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done

# The ELF machine each Debian architecture must have, so an x64 publish never ends up in an arm64 package.
case "$arch" in
    amd64) machine="Advanced Micro Devices X86-64" ;;
    arm64) machine="AArch64" ;;
    *) die "--arch must be amd64 or arm64 (got '${arch}')" ;;
esac
[[ -n "$publish" ]] || die "--publish DIR is required (the output of image-build/publish.sh)"
[[ -n "$out" ]] || die "--out DIR is required"
for file in appliance libe_sqlite3.so; do
    [[ -f "$publish/$file" ]] || die "$publish/$file is missing: run image-build/publish.sh first"
    actual="$(readelf -h "$publish/$file" | sed -n 's/^ *Machine: *//p')"
    [[ "$actual" == "$machine" ]] || die "$publish/$file is built for '$actual', not $arch"
done
command -v dpkg-deb >/dev/null || die "dpkg-deb is not installed"

version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$REPO/Directory.Build.props" | head -n1)"
[[ -n "$version" ]] || die "no <Version> in $REPO/Directory.Build.props"
version="$version$suffix"
# deb-version(7): the upstream part starts with a digit and holds only alphanumerics and . + ~ - (no epoch here).
[[ "$version" =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || die "'$version' is not a valid Debian version (check --version-suffix)"

# The oldest glibc the two ELF files need: the highest GLIBC_x.y version they reference (what dpkg-shlibdeps
# would compute from libc6's symbols file, without needing a debian/ source tree).
libc_dependency() {
    readelf -W --dyn-syms "$@" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1
}
glibc="$(libc_dependency "$publish/appliance" "$publish/libe_sqlite3.so")"
[[ -n "$glibc" ]] || die "found no GLIBC symbol versions in $publish: not a glibc build?"

mkdir -p "$out"
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root"

install -D -m 0755 "$publish/appliance" "$root/usr/lib/appliance/appliance"
install -D -m 0644 "$publish/libe_sqlite3.so" "$root/usr/lib/appliance/libe_sqlite3.so"
# The executable finds libe_sqlite3.so next to its real path (/proc/self/exe resolves the symlink).
install -d -m 0755 "$root/usr/bin"
ln -s ../lib/appliance/appliance "$root/usr/bin/appliance"
# /lib, not /usr/lib, for units and udev rules: Debian 12 keeps them there until the /usr-merge moratorium ends.
install -D -m 0644 "$REPO/image-build/systemd/appliance.service" "$root/lib/systemd/system/appliance.service"
install -D -m 0644 "$HERE/udev.rules" "$root/lib/udev/rules.d/60-appliance-panel.rules"
install -D -m 0644 "$HERE/sysusers.conf" "$root/usr/lib/sysusers.d/appliance.conf"
install -D -m 0644 "$HERE/tmpfiles.conf" "$root/usr/lib/tmpfiles.d/appliance.conf"
install -D -m 0644 "$HERE/appliance.json" "$root/etc/appliance/appliance.json"
install -D -m 0644 "$HERE/README.md" "$root/usr/share/doc/appliance/README.md"
install -D -m 0644 "$HERE/copyright" "$root/usr/share/doc/appliance/copyright"

install -d -m 0755 "$root/DEBIAN"
for script in postinst prerm postrm; do
    install -m 0755 "$HERE/debian/$script" "$root/DEBIAN/$script"
done
install -m 0644 "$HERE/debian/conffiles" "$root/DEBIAN/conffiles"
# deb-control(5): Installed-Size is in KiB.
installed_size="$(du -s -k --apparent-size --exclude=DEBIAN "$root" | cut -f1)"
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$installed_size/" \
    -e "s/@LIBC@/libc6 (>= $glibc)/" "$HERE/debian/control.in" > "$root/DEBIAN/control"
(cd "$root" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/md5sums"

deb="$out/appliance_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "$deb"
