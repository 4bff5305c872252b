#!/usr/bin/env bash
# customize.sh: turn an mmdebstrap root into the appliance's root (called by ../build.sh).
#
#   customize.sh install ROOT --hostname NAME --netmode bridge|router [--deb FILE] [--ssh-key FILE]
#       mmdebstrap customize hook (chroot with /proc, /dev and the network): installs the .deb with its
#       dependencies, copies overlay/ and the first-boot files, enables units, sets up or disables SSH,
#       locks root and installs the network mode's files (the packet filter stays off until first boot
#       has seen two NICs).
#   customize.sh finalize ROOT --hostname NAME
#       after mmdebstrap returned: hostname, /etc/resolv.conf, an uninitialized machine id, no SSH host keys.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
firstboot="$here/../firstboot"

die() { echo "customize.sh: $*" >&2; exit 1; }

phase=${1:?phase (install or finalize) missing}
root=${2:?root directory missing}
shift 2
hostname=appliance netmode=bridge deb='' ssh_key=''
while [[ $# -gt 0 ]]; do
    case "$1" in
        --hostname) hostname=$2; shift 2 ;;
        --netmode) netmode=$2; shift 2 ;;
        --deb) deb=$2; shift 2 ;;
        --ssh-key) ssh_key=$2; shift 2 ;;
        *) die "unknown argument '$1'" ;;
    esac
done
[[ -d $root/etc ]] || die "$root does not look like a root filesystem"

in_root() { chroot "$root" "$@"; }

install_phase() {
    if [[ -n $deb ]]; then
        # systemd-resolved's postinst pointed /etc/resolv.conf at its stub, which does not run in a chroot:
        # apt needs the host's resolver to fetch the package's Depends (finalize sets the real link).
        rm -f "$root/etc/resolv.conf"
        cp -L /etc/resolv.conf "$root/etc/resolv.conf"
        cp "$deb" "$root/tmp/appliance.deb"
        # apt resolves the package's Depends from the mirror; policy-rc.d (set by mmdebstrap) keeps it from starting.
        in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/appliance.deb
        rm -f "$root/tmp/appliance.deb"
        in_root appliance --version
    fi

    cp -a --no-preserve=ownership "$here/overlay/." "$root/"
    install -d -m 0755 "$root/usr/lib/appliance-image"
    install -m 0755 "$firstboot/appliance-firstboot" "$root/usr/lib/appliance-image/"
    install -m 0755 "$firstboot/appliance-netmode" "$root/usr/sbin/"
    install -m 0755 "$firstboot/appliance-resolvers" "$root/usr/lib/appliance-image/"
    install -m 0644 "$firstboot/appliance-firstboot.service" "$firstboot/appliance-resolvers.path" \
        "$firstboot/appliance-resolvers.service" "$root/usr/lib/systemd/system/"

    "$firstboot/appliance-netmode" --root "$root" --no-filter "$netmode"

    local unit preset
    for unit in systemd-networkd.service systemd-resolved.service systemd-timesyncd.service nftables.service \
        appliance-firstboot.service appliance-resolvers.path unattended-upgrades.service; do
        in_root systemctl enable "$unit"
    done
    if [[ -e $root/lib/systemd/system/appliance.service || -e $root/usr/lib/systemd/system/appliance.service ]]; then
        in_root systemctl enable appliance.service
    fi

    # A/B updates (disk image only: rauc is installed with the kernel): slots, the /etc carry-over, mark-good.
    if [[ -x $root/usr/bin/rauc ]]; then
        install -d -m 0755 "$root/etc/rauc"
        install -m 0644 "$here/../rauc/system.conf" "$root/etc/rauc/"
        install -m 0755 "$here/../rauc/post-install" "$root/usr/lib/appliance-image/rauc-post-install"
        install -m 0644 "$here/../rauc/appliance-mark-good.service" "$here/../rauc/rauc.service" \
            "$root/usr/lib/systemd/system/"
        install -D -m 0644 "$here/../rauc/de.pengutronix.rauc.conf" "$root/etc/dbus-1/system.d/de.pengutronix.rauc.conf"
        in_root systemctl enable rauc.service appliance-mark-good.service
    fi

    # No passwords anywhere: root is locked and there is no other login user (console login is impossible;
    # administration is the web UI, or SSH with a key when the image was built with one).
    in_root passwd -l root
    if [[ -n $ssh_key ]]; then
        install -d -m 0700 "$root/root/.ssh"
        install -m 0600 "$ssh_key" "$root/root/.ssh/authorized_keys"
        install -d -m 0755 "$root/etc/ssh/sshd_config.d"
        cat >"$root/etc/ssh/sshd_config.d/appliance.conf" <<'SSHD'
# Key-only administration (build.sh --ssh-key): sshd_config(5).
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
SSHD
        install -m 0644 "$root/usr/share/appliance-image/nftables/ssh.nft" "$root/etc/nftables.d/ssh.nft"
        in_root systemctl enable ssh.service
        preset="enable ssh.service"
    else
        # Socket activation would start sshd on a connection to port 22 even with ssh.service disabled.
        in_root systemctl disable ssh.service ssh.socket
        rm -f "$root/etc/nftables.d/ssh.nft" "$root/root/.ssh/authorized_keys"
        preset="disable ssh.service"
    fi
    # On the first boot (machine id "uninitialized") systemd applies the presets to every unit
    # (systemd.preset(5)), and Debian's policy is "enable *": without this file SSH would come back on.
    install -d -m 0755 "$root/etc/systemd/system-preset"
    printf '# build.sh: SSH only when built with --ssh-key, never socket-activated.\n%s\ndisable ssh.socket\n' "$preset" \
        >"$root/etc/systemd/system-preset/10-appliance.preset"
}

finalize_phase() {
    echo "$hostname" >"$root/etc/hostname"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' "$hostname" >"$root/etc/hosts"
    # The resolvers DHCP gave (systemd-resolved's full list), not resolved's stub on 127.0.0.53, which is off.
    ln -sfn ../run/systemd/resolve/resolv.conf "$root/etc/resolv.conf"
    # machine-id(5): "uninitialized" makes systemd generate the id on the first boot and treat it as the first boot.
    echo uninitialized >"$root/etc/machine-id"
    rm -f "$root/var/lib/dbus/machine-id"
    ln -s /etc/machine-id "$root/var/lib/dbus/machine-id"
    # openssh-server's postinst made host keys at build time: every box would share them.
    rm -f "$root"/etc/ssh/ssh_host_*
    # Mount points of the disk image's data and EFI partitions (genimage/fstab.data); unused in a container.
    install -d -m 0755 "$root/data" "$root/boot/efi"
    in_root install -d -m 2755 -g systemd-journal /var/log/journal
}

case "$phase" in
    install) install_phase ;;
    finalize) finalize_phase ;;
    *) die "unknown phase '$phase' (install or finalize)" ;;
esac
