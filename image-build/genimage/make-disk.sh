#!/usr/bin/env bash
# make-disk.sh: the x64 A/B disk image from a built root filesystem (called by ../build.sh; docs/image.md).
#
#   make-disk.sh --rootfs DIR --out DIR [--root-size SIZE] [--data-size SIZE] [--efi-size SIZE]
#
# Writes DIR/appliance-amd64.img: GPT with efi (vfat: GRUB EFI binary, grub.cfg, grubenv), root_a and root_b
# (the same ext4 image: the kernel and initrd are inside the slot, GRUB loads them from there), data (ext4:
# /var/lib/appliance, the persistent journal, RAUC's status). No loop devices or mounts: mkfs.vfat + mtools,
# mkfs.ext4 -d, debugfs, then genimage for the partition table. Sizes take mkfs/genimage suffixes (M, G);
# the slot size is fixed for the life of a device, since RAUC bundles must fit it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rootfs='' out='' root_size=1536M data_size=256M efi_size=128M

die() { echo "make-disk.sh: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --rootfs) rootfs=${2:?}; shift 2 ;;
        --out) out=${2:?}; shift 2 ;;
        --root-size) root_size=${2:?}; shift 2 ;;
        --data-size) data_size=${2:?}; shift 2 ;;
        --efi-size) efi_size=${2:?}; shift 2 ;;
        *) die "unknown option '$1'" ;;
    esac
done
[[ -d $rootfs/etc ]] || die "--rootfs '$rootfs' is not a root filesystem"
[[ -n $out ]] || die "--out DIR is required"
ls "$rootfs"/boot/vmlinuz-* >/dev/null 2>&1 || die "$rootfs has no kernel (built with --no-kernel?)"
[[ -e $rootfs/vmlinuz && -e $rootfs/initrd.img ]] || die "$rootfs lacks the /vmlinuz and /initrd.img links GRUB loads"
for tool in genimage grub-mkimage grub-editenv mkfs.vfat mmd mcopy mkfs.ext4 debugfs; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done

work="$out/disk-work"
rm -rf "$work"
mkdir -p "$work/tmp" "$work/empty" "$work/data"

# GRUB: one EFI binary with the modules grub.cfg uses built in; the prefix (no device) makes it read
# /EFI/BOOT/grub.cfg and /EFI/BOOT/grubenv from the partition it was loaded from. BOOTX64.EFI is the removable-
# media path every UEFI firmware tries, so no NVRAM boot entry is needed.
grub-mkimage -O x86_64-efi -p /EFI/BOOT -o "$work/BOOTX64.EFI" \
    part_gpt fat ext2 normal linux configfile search regexp loadenv test echo serial terminal gzio all_video \
    efi_gop sleep halt reboot
grub-editenv "$work/grubenv" create
# Both slots hold the same build, so both are good; A boots first.
grub-editenv "$work/grubenv" set ORDER="A B" A_OK=1 B_OK=1 A_TRY=0 B_TRY=0

rm -f "$work/efi.vfat"
truncate -s "$efi_size" "$work/efi.vfat"
mkfs.vfat -F 32 -n EFI "$work/efi.vfat" >/dev/null
mmd -i "$work/efi.vfat" ::/EFI ::/EFI/BOOT
mcopy -i "$work/efi.vfat" "$work/BOOTX64.EFI" "$here/grub.cfg" "$work/grubenv" ::/EFI/BOOT/

# The data partition starts with what the root has in the directories it will hide.
owner() { awk -F: -v n="$2" '$1 == n { print $3 }' "$rootfs/etc/$1"; }
install -d -m 0750 "$work/data/appliance" "$work/data/rauc"
install -d -m 2755 "$work/data/journal"
cp -a "$rootfs/var/lib/appliance/." "$work/data/appliance/" 2>/dev/null || true
if [[ -n $(owner passwd appliance) ]]; then
    chown -R "$(owner passwd appliance):$(owner group appliance)" "$work/data/appliance"
fi
chown "0:$(owner group systemd-journal)" "$work/data/journal"
mkfs.ext4 -q -F -L data -d "$work/data" "$work/data.ext4" "$data_size"

mkfs.ext4 -q -F -L rootfs -d "$rootfs" "$work/root.ext4" "$root_size"
# The disk's fstab = the root's + the partitions only this image has (fstab.data).
cat "$rootfs/etc/fstab" "$here/fstab.data" >"$work/fstab"
printf 'rm /etc/fstab\nwrite %s /etc/fstab\n' "$work/fstab" | debugfs -w -f - "$work/root.ext4" >/dev/null
debugfs -R 'cat /etc/fstab' "$work/root.ext4" 2>/dev/null | grep -q '^PARTLABEL=data' \
    || die "writing /etc/fstab into the root image failed"

sed "s/@ROOT_SIZE@/$root_size/" "$here/genimage.cfg" >"$work/genimage.cfg"
genimage --config "$work/genimage.cfg" --inputpath "$work" --outputpath "$out" --tmppath "$work/tmp" \
    --rootpath "$work/empty"
rm -rf "$work"
sfdisk --dump "$out/appliance-amd64.img"
