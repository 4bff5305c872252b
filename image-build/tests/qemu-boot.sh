#!/usr/bin/env bash
# qemu-boot.sh: the long boot test of the x64 disk image (not in CI by default; a few minutes under TCG).
#
#   qemu-boot.sh --image appliance-amd64.img [--work DIR] [--timeout SECONDS] [--keep]
#
# Boots a COPY of the image with qemu-system-x86_64 -accel tcg (KVM does not work on the build machine), UEFI
# firmware (OVMF), -nographic, and two virtio NICs on `-netdev user,restrict=on`, so no guest traffic leaves
# qemu. Before booting, qemu-guest-check.sh and a oneshot unit that runs it are written into the copy's root_a
# (debugfs on the extracted partition; the built image is never changed). The guest prints "QEMU-CHECK name
# PASS|FAIL detail" lines on the serial console and powers off; this script parses the serial log and fails
# naming every check that failed or never reported. The copy also gets br0 a DNS server address (10.0.2.3, the
# address slirp would use), as a school's DHCP server would give one. The serial log is kept in WORK/serial.log.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
image='' work='' timeout=600 keep=no

die() { echo "qemu-boot.sh: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --image) image=${2:?}; shift 2 ;;
        --work) work=${2:?}; shift 2 ;;
        --timeout) timeout=${2:?}; shift 2 ;;
        --keep) keep=yes; shift ;;
        *) die "unknown option '$1'" ;;
    esac
done
[[ -f $image ]] || die "--image '$image' is not a file (build it with image-build/build.sh --arch amd64)"
ovmf=/usr/share/OVMF/OVMF_CODE.fd
[[ -f $ovmf ]] || die "$ovmf is missing (apt-get install ovmf)"
for tool in qemu-system-x86_64 sfdisk jq debugfs; do
    command -v "$tool" >/dev/null || die "$tool is not installed"
done
work=${work:-$(mktemp -d /tmp/qemu-boot.XXXXXX)}
mkdir -p "$work"
[[ $keep == yes ]] || trap 'rm -f "$work/disk.img" "$work/root_a.ext4" "$work/vars.fd"' EXIT

start=$SECONDS
cp --sparse=always "$image" "$work/disk.img"
cp /usr/share/OVMF/OVMF_VARS.fd "$work/vars.fd"

# root_a's place in the image, from the partition table (sectors of 512 bytes).
read -r part_start part_size < <(sfdisk --json "$work/disk.img" |
    jq -r '.partitiontable.partitions[] | select(.name == "root_a") | "\(.start) \(.size)"')
[[ -n $part_start ]] || die "$image has no partition named root_a"
dd if="$work/disk.img" of="$work/root_a.ext4" bs=1M iflag=skip_bytes,count_bytes conv=sparse status=none \
    skip=$((part_start * 512)) count=$((part_size * 512))

cat >"$work/appliance-qemu-check.service" <<'UNIT'
[Unit]
Description=qemu-boot.sh guest checks (test only)
After=appliance.service appliance-mark-good.service appliance-firstboot.service network-online.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/qemu-guest-check.sh
StandardOutput=journal
UNIT
# slirp with restrict=on hands out an address but no DNS server; a school's DHCP server gives one. This stands in
# for it (the appliance refuses to start with no resolver but itself), without any traffic leaving qemu.
# (br0 in bridge mode, wan0 in router mode.)
printf '[Network]\nDNS=10.0.2.3\n' >"$work/qemu-dns.conf"
debugfs -w -f - "$work/root_a.ext4" >/dev/null <<CMDS
mkdir /etc/systemd/network/30-br0.network.d
write $work/qemu-dns.conf /etc/systemd/network/30-br0.network.d/qemu-test-dns.conf
mkdir /etc/systemd/network/20-wan0.network.d
write $work/qemu-dns.conf /etc/systemd/network/20-wan0.network.d/qemu-test-dns.conf
cd /usr/local/sbin
write $here/qemu-guest-check.sh qemu-guest-check.sh
sif qemu-guest-check.sh mode 0100755
cd /etc/systemd/system
write $work/appliance-qemu-check.service appliance-qemu-check.service
cd /etc/systemd/system/multi-user.target.wants
symlink appliance-qemu-check.service /etc/systemd/system/appliance-qemu-check.service
CMDS
debugfs -R 'stat /usr/local/sbin/qemu-guest-check.sh' "$work/root_a.ext4" 2>/dev/null | grep -q 'Mode:  0755' \
    || die "injecting the guest check into root_a failed"
dd if="$work/root_a.ext4" of="$work/disk.img" bs=1M oflag=seek_bytes conv=notrunc,sparse status=none \
    seek=$((part_start * 512))
echo "qemu-boot.sh: image copied and check injected in $((SECONDS - start)) s; booting (timeout ${timeout} s)"

boot_start=$SECONDS
set +e
timeout "$timeout" qemu-system-x86_64 -machine q35 -accel tcg,thread=multi -smp 2 -m 1024 -nographic \
    -drive if=pflash,format=raw,readonly=on,file="$ovmf" \
    -drive if=pflash,format=raw,file="$work/vars.fd" \
    -drive file="$work/disk.img",format=raw,if=virtio \
    -netdev user,id=wan,restrict=on -device virtio-net-pci,netdev=wan,mac=52:54:00:00:00:01 \
    -netdev user,id=lan,restrict=on -device virtio-net-pci,netdev=lan,mac=52:54:00:00:00:02 \
    </dev/null >"$work/serial.log" 2>&1
qemu_rc=$?
set -e
tr -d '\r' <"$work/serial.log" >"$work/serial.txt"
echo "qemu-boot.sh: qemu exited $qemu_rc after $((SECONDS - boot_start)) s (total $((SECONDS - start)) s); serial log $work/serial.log"

expected=(service-active firstboot nic-names network-mode dhcp-address packet-filter-mode setup-code identity dns-answer
    web-login firewall root-locked ssh-off data-partition slot-marked-good no-failed-units)
problems=()
[[ $qemu_rc -eq 124 ]] && problems+=("qemu did not power off within ${timeout} s")
grep -a -q 'QEMU-CHECK-END' "$work/serial.txt" || problems+=("the guest never finished its checks")
for name in "${expected[@]}"; do
    line=$(grep -a -o -m1 "QEMU-CHECK $name .*" "$work/serial.txt" || true)
    echo "${line:-QEMU-CHECK $name MISSING}"
    case "$line" in
        "QEMU-CHECK $name PASS"*) ;;
        "") problems+=("$name: not reported") ;;
        *) problems+=("$name: ${line#QEMU-CHECK "$name" }") ;;
    esac
done
grep -a -o -m1 'QEMU-CHECK resolvers INFO.*' "$work/serial.txt" || true
if [[ ${#problems[@]} -gt 0 ]]; then
    printf 'qemu-boot.sh: FAILED: %s\n' "${problems[@]}" >&2
    exit 1
fi
echo "qemu-boot.sh: all ${#expected[@]} checks passed"
