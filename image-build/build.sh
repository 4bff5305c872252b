#!/usr/bin/env bash
# build.sh: build the appliance's OS (docs/image.md): a Debian bookworm root filesystem with the appliance
# package, then an x64 A/B disk image (genimage) or an arm64 root filesystem tarball.
#
#   build.sh --arch amd64|arm64 --out DIR [--deb FILE | --no-deb] [--rootfs-only] [--no-kernel | --kernel]
#            [--ssh-key FILE] [--hostname NAME] [--netmode bridge|router] [--mirror URL] [--security-mirror URL]
#
#   --arch          amd64 (default) or arm64 (built under qemu-user through binfmt_misc).
#   --out DIR       output directory: DIR/rootfs-ARCH/ (the root), DIR/appliance-amd64.img (disk image),
#                   DIR/rootfs-arm64.tar.zst (arm64), DIR/build-ARCH.times (stage times).
#   --deb FILE      the appliance package for ARCH. Without it, image-build/publish.sh and
#                   image-build/package/build-deb.sh build one into DIR/deb/ (minutes: a Native AOT publish).
#   --no-deb        a root without the appliance (only to test the OS part, e.g. arm64 before its .deb exists).
#   --rootfs-only   stop after the root filesystem (what CI's nspawn smoke test boots).
#   --no-kernel     no linux-image/initramfs (nspawn needs none). Default for arm64: the Pi's kernel comes
#                   from the Raspberry Pi archive (image-build/pi/); --kernel adds Debian's arm64 kernel.
#   --ssh-key FILE  enable SSH, key-only, with FILE as root's authorized_keys. Without it SSH is off.
#   --hostname NAME (default appliance)   --netmode bridge|router (default bridge; first boot can override).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

arch=amd64 out='' deb='' no_deb=no rootfs_only=no kernel='' ssh_key='' hostname=appliance netmode=bridge
mirror=http://deb.debian.org/debian
security_mirror=http://deb.debian.org/debian-security

die() { echo "build.sh: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --arch) arch=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --deb) deb=${2:?}; shift 2 ;;
        --no-deb) no_deb=yes; shift ;;
        --rootfs-only) rootfs_only=yes; shift ;;
        --no-kernel) kernel=no; shift ;;
        --kernel) kernel=yes; shift ;;
        --ssh-key) ssh_key=${2:?}; shift 2 ;;
        --hostname) hostname=${2:?}; shift 2 ;;
        --netmode) netmode=${2:?}; shift 2 ;;
        --mirror) mirror=${2:?}; shift 2 ;;
        --security-mirror) security_mirror=${2:?}; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done

[[ $arch == amd64 || $arch == arm64 ]] || die "--arch must be amd64 or arm64, not '$arch'"
[[ -n $out ]] || die "--out DIR is required"
[[ $netmode == bridge || $netmode == router ]] || die "--netmode must be bridge or router, not '$netmode'"
[[ $hostname =~ ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$ ]] || die "--hostname '$hostname' is not a valid host name (RFC 1123)"
[[ -z $ssh_key || -s $ssh_key ]] || die "--ssh-key $ssh_key is missing or empty"
[[ $(id -u) -eq 0 ]] || die "must run as root (mmdebstrap root mode, chroot, file ownership in the images)"
if [[ -z $kernel ]]; then
    if [[ $arch == arm64 ]]; then kernel=no; else kernel=yes; fi
fi
if [[ $arch == amd64 && $rootfs_only == no && $kernel == no ]]; then
    die "the disk image needs a kernel: add --rootfs-only or drop --no-kernel"
fi
for tool in mmdebstrap dpkg-deb; do
    command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install $tool)"
done

mkdir -p "$out"
out=$(cd "$out" && pwd)
times="$out/build-$arch.times"
: >"$times"
stage_start=$SECONDS
stage_done() {
    local line
    line="$(date -u +%FT%TZ) $1: $((SECONDS - stage_start)) s"
    echo "build.sh: $line"
    echo "$line" >>"$times"
    stage_start=$SECONDS
}

# arm64 under qemu-user: binfmt_misc must be mounted and the qemu-aarch64 handler enabled (reference §1b).
# Both are idempotent; nothing here runs on a machine that is already set up.
if [[ $arch == arm64 && $(dpkg --print-architecture) != arm64 ]]; then
    [[ -e /proc/sys/fs/binfmt_misc/status ]] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
    update-binfmts --enable qemu-aarch64 2>/dev/null || true
    arch-test arm64 >/dev/null || die "arm64 binaries do not run here: install qemu-user-static and binfmt-support"
fi

# The appliance package: given, built with helper scripts, or left out on purpose.
if [[ $no_deb == no && -z $deb ]]; then
    [[ -x $here/publish.sh && -x $here/package/build-deb.sh ]] \
        || die "no --deb given and image-build/publish.sh or package/build-deb.sh is missing (or use --no-deb)"
    publish_arch=$([[ $arch == amd64 ]] && echo x64 || echo arm64)
    "$here/publish.sh" --arch "$publish_arch" --out "$out/publish-$arch"
    "$here/package/build-deb.sh" --arch "$arch" --publish "$out/publish-$arch" --out "$out/deb"
    debs=("$out"/deb/appliance_*_"$arch".deb)
    deb=${debs[-1]}
    stage_done "publish + package"
fi
if [[ -n $deb ]]; then
    [[ -f $deb ]] || die "--deb $deb does not exist"
    deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
    deb_arch=$(dpkg-deb -f "$deb" Architecture)
    [[ $deb_arch == "$arch" ]] || die "--deb $deb is for $deb_arch, not $arch"
fi

mapfile -t packages < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/rootfs/packages.txt")
if [[ $kernel == yes ]]; then
    # rauc + grub-common (grub-editenv) mark a booted slot good (image-build/rauc/); only the disk image boots GRUB.
    packages+=("linux-image-$arch" initramfs-tools)
    [[ $arch == amd64 ]] && packages+=(rauc grub-common)
fi
include=$(IFS=,; echo "${packages[*]}")

rootfs="$out/rootfs-$arch"
rm -rf "$rootfs"
hook_args=(--hostname "$hostname" --netmode "$netmode")
[[ -n $deb ]] && hook_args+=(--deb "$deb")
[[ -n $ssh_key ]] && hook_args+=(--ssh-key "$(cd "$(dirname "$ssh_key")" && pwd)/$(basename "$ssh_key")")
# mmdebstrap runs a hook with sh -c, the root directory as "$1" (mmdebstrap(1), HOOKS).
printf -v quoted_args '%q ' "${hook_args[@]}"
hook_cmd="$(printf %q "$here/rootfs/customize.sh") install \"\$1\" $quoted_args"
mm_args=(--variant=minbase --architectures="$arch" --include="$include" --customize-hook="$hook_cmd")
# Downloaded .debs are kept between builds (mmdebstrap(1), EXAMPLES: the apt cache is synced in and out), so a
# rebuild only fetches what changed. APPLIANCE_BUILD_CACHE is shared with publish.sh; "none" turns it off.
cache_root=${APPLIANCE_BUILD_CACHE:-/var/cache/appliance-build}
if [[ $cache_root != none ]]; then
    apt_cache="$cache_root/apt-$arch"
    mkdir -p "$apt_cache"
    # shellcheck disable=SC2016 # "$1" is for the hook's shell, not this one
    mm_args+=(--skip=download/empty --skip=essential/unlink
        --setup-hook='mkdir -p "$1"/var/cache/apt/archives/'
        --setup-hook="sync-in $(printf %q "$apt_cache") /var/cache/apt/archives/"
        --customize-hook="sync-out /var/cache/apt/archives $(printf %q "$apt_cache")")
fi
if [[ $kernel == yes ]]; then
    # initramfs-tools settings must be in place before linux-image's postinst builds the first initrd.
    # shellcheck disable=SC2016 # "$1" is for the hook's shell, not this one
    printf -v essential 'mkdir -p "$1/etc/initramfs-tools" && cp -r %q/. "$1/etc/initramfs-tools/"' "$here/rootfs/initramfs-tools"
    mm_args+=(--essential-hook="$essential")
fi
mmdebstrap "${mm_args[@]}" bookworm "$rootfs" \
    "deb $mirror bookworm main" \
    "deb $mirror bookworm-updates main" \
    "deb $security_mirror bookworm-security main"
"$here/rootfs/customize.sh" finalize "$rootfs" --hostname "$hostname"
stage_done "rootfs ($arch, kernel=$kernel, deb=${deb:-none}) $(du -sh "$rootfs" | cut -f1)"

if [[ $rootfs_only == yes ]]; then
    echo "build.sh: root filesystem in $rootfs"
    exit 0
fi

if [[ $arch == amd64 ]]; then
    "$here/genimage/make-disk.sh" --rootfs "$rootfs" --out "$out"
    stage_done "disk image $(du -h --apparent-size "$out/appliance-amd64.img" | cut -f1)"
else
    tarball="$out/rootfs-arm64.tar.zst"
    tar -C "$rootfs" --numeric-owner --xattrs --acls -cpf - . | zstd -q -T0 -o "$tarball" -f
    stage_done "rootfs tarball $(du -h "$tarball" | cut -f1)"
fi
echo "build.sh: done; stage times in $times"
