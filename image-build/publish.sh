#!/usr/bin/env bash
# Publishes the appliance service (appliance/Appliance.Host) as a Native AOT binary for one Linux architecture.
#
#   image-build/publish.sh --arch x64|arm64 --out DIR [--sysroot-only]
#
# DIR receives exactly what the package ships: `appliance` and `libe_sqlite3.so`. The separated debug symbols
# (StripSymbols) go to DIR/debug/appliance.dbg, which the package leaves out; keep them to read a crash's stack.
# The publish fails if the build prints any warning: the service must stay trim- and AOT-clean (issue 10).
#
# arm64 is cross-compiled from x64 with clang + lld against an arm64 Debian sysroot (dotnet/docs
# native-aot/cross-compile.md). The sysroot is made with mmdebstrap and cached in $APPLIANCE_BUILD_CACHE
# (default /var/cache/appliance-build) under a key of its recipe, so changing the recipe builds a new one.
# --sysroot-only makes (or finds) that sysroot, prints its path and stops.
#
# Needs: dotnet, clang, lld, llvm-objcopy; for arm64 also mmdebstrap and qemu-user-static with binfmt (root).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly REPO
readonly PROJECT="$REPO/appliance/Appliance.Host"
readonly CACHE="${APPLIANCE_BUILD_CACHE:-/var/cache/appliance-build}"
readonly MIRROR="${APPLIANCE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

# The sysroot recipe. Everything in it goes into the cache key: change a line and the next build makes a new
# sysroot. libc6-dev/libgcc-12-dev/libstdc++-12-dev carry the crt objects and libraries the AOT linker needs.
readonly SYSROOT_SUITE=bookworm
readonly SYSROOT_PACKAGES=libc6-dev,libgcc-12-dev,libstdc++-12-dev
readonly SYSROOT_RECIPE="v1 mmdebstrap --architectures=arm64 --variant=minbase --include=$SYSROOT_PACKAGES $SYSROOT_SUITE; symlinks made relative"

die() { echo "publish.sh: $*" >&2; exit 1; }

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2; exit 2; }

arch="" out="" sysroot_only=false
while (($#)); do
    case "$1" in
        --arch) arch="${2:-}"; shift 2 ;;
        --out) out="${2:-}"; shift 2 ;;
        --sysroot-only) sysroot_only=true; shift ;;
        -h|--help) usage ;;
        *) die "unknown argument '$1' (see --help)" ;;
    esac
done
case "$arch" in
    x64|arm64) ;;
    *) die "--arch must be x64 or arm64 (got '${arch}')" ;;
esac
[[ -n "$out" || "$sysroot_only" == true ]] || die "--out DIR is required"

# qemu-user runs the arm64 maintainer scripts inside mmdebstrap (and the arm64 binary in tests). Without systemd as
# PID 1 nothing mounts binfmt_misc, so do it here; both steps are harmless when already done.
enable_binfmt() {
    if [[ ! -e /proc/sys/fs/binfmt_misc/status ]]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null \
            || die "cannot mount binfmt_misc (needs root): arm64 programs cannot run under qemu-user"
    fi
    if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
        update-binfmts --enable qemu-aarch64 || die "update-binfmts --enable qemu-aarch64 failed (is qemu-user-static installed?)"
    fi
}

# Absolute symlinks (libm.so -> /lib/aarch64-linux-gnu/libm.so.6) would resolve on the HOST, where that file does not
# exist; lld then silently takes libm.a, the binary loses NEEDED libm.so.6 and libe_sqlite3.so fails at run time with
# "undefined symbol: trunc" (reference note, "Traps"). Point every absolute link at the same path inside the sysroot.
relativize_symlinks() {
    local root="$1" link target
    while IFS= read -r -d '' link; do
        target="$(readlink "$link")"
        [[ "$target" == /* ]] || continue
        ln -sfn "$(realpath -s -m --relative-to="$(dirname "$link")" "$root$target")" "$link"
    done < <(find "$root" -type l -print0)
}

# Prints the path of a ready arm64 sysroot, building it first if the cache has none for this recipe.
arm64_sysroot() {
    local key dir tmp
    key="$(printf '%s' "$SYSROOT_RECIPE" | sha256sum | cut -c1-16)"
    dir="$CACHE/sysroot-arm64-$SYSROOT_SUITE-$key"
    if [[ -f "$dir/.complete" ]]; then
        echo "$dir"
        return
    fi
    command -v mmdebstrap >/dev/null || die "mmdebstrap is not installed (needed for the arm64 sysroot)"
    enable_binfmt
    mkdir -p "$CACHE"
    tmp="$(mktemp -d "$CACHE/.sysroot-arm64.XXXXXX")"
    echo "publish.sh: building the arm64 sysroot in $dir (recipe: $SYSROOT_RECIPE)" >&2
    mmdebstrap --quiet --architectures=arm64 --variant=minbase --include="$SYSROOT_PACKAGES" \
        "$SYSROOT_SUITE" "$tmp" "$MIRROR" >&2 || { rm -rf "$tmp"; die "mmdebstrap failed to build the arm64 sysroot"; }
    relativize_symlinks "$tmp"
    [[ -e "$tmp/usr/lib/aarch64-linux-gnu/libm.so" ]] || { rm -rf "$tmp"; die "the sysroot has no usable libm.so after relinking"; }
    printf '%s\n' "$SYSROOT_RECIPE" > "$tmp/.complete"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    echo "$dir"
}

if [[ "$sysroot_only" == true ]]; then
    [[ "$arch" == arm64 ]] || die "--sysroot-only applies to --arch arm64"
    arm64_sysroot
    exit 0
fi

command -v dotnet >/dev/null || die "dotnet is not installed"
command -v clang >/dev/null || die "clang is not installed (Native AOT links with it)"

publish_args=(publish "$PROJECT" -c Release -r "linux-$arch" -nologo -v minimal -clp:NoSummary)
if [[ "$arch" == arm64 ]]; then
    command -v ld.lld >/dev/null || die "lld is not installed (needed to cross-link arm64)"
    sysroot="$(arm64_sysroot)"
    # Without LinkerFlavor=lld the SDK passes -fuse-ld=bfd, and the host's bfd cannot link arm64 objects.
    publish_args+=("-p:SysRoot=$sysroot" -p:LinkerFlavor=lld)
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)"
staging="$(mktemp -d)"
log="$staging.log"
trap 'rm -rf "$staging" "$log"' EXIT
publish_args+=(-o "$staging")

echo "publish.sh: dotnet ${publish_args[*]}" >&2
if ! dotnet "${publish_args[@]}" > "$log" 2>&1; then
    cat "$log" >&2
    die "dotnet publish failed for linux-$arch"
fi
# TreatWarningsAsErrors covers the compiler and the analyzers ("file(l,c): warning IL2057: ..."); ILC's whole-program
# trim (IL2xxx) and AOT (IL3xxx) analysis, which also sees the packages' code, prints "file(l): Trim analysis warning
# IL2057: ..." or "AOT analysis warning IL3050: ..." and does not fail the build, so match both forms (checked with a
# throw-away project calling Type.GetType on a string read at run time).
if grep -E '\bwarning [A-Z]{2,}[0-9]+' "$log" >&2; then
    die "the publish printed the warnings above; the service must stay trim- and AOT-clean"
fi

for file in appliance libe_sqlite3.so; do
    [[ -f "$staging/$file" ]] || die "the publish did not produce $file (contents: $(ls "$staging"))"
done
rm -rf "$out/debug"
install -m 0755 "$staging/appliance" "$out/appliance"
install -m 0644 "$staging/libe_sqlite3.so" "$out/libe_sqlite3.so"
if [[ -f "$staging/appliance.dbg" ]]; then
    install -D -m 0644 "$staging/appliance.dbg" "$out/debug/appliance.dbg"
fi
# The publish also leaves each project's *.pdb and *.xml (IL-level symbols and docs: nothing reads them in an AOT
# binary) and an empty appliance.staticwebassets.endpoints.json (the web UI's assets are embedded). Anything else is
# new and needs a decision (ship it or not), so it is named.
extra="$(cd "$staging" && find . -type f ! -name appliance ! -name libe_sqlite3.so ! -name appliance.dbg \
    ! -name '*.pdb' ! -name '*.xml' ! -name appliance.staticwebassets.endpoints.json -printf '%P ')"
[[ -z "$extra" ]] || echo "publish.sh: WARNING: not shipped, decide whether it is needed at run time: $extra" >&2
echo "publish.sh: linux-$arch -> $out: $(stat -c '%n %s B' "$out/appliance" "$out/libe_sqlite3.so" | paste -sd, -)" >&2
