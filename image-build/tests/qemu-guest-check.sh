#!/usr/bin/env bash
# qemu-guest-check.sh: runs INSIDE the booted disk image during qemu-boot.sh (injected into a copy of the image
# only; the built image never contains it). Prints one "QEMU-CHECK <name> PASS|FAIL <detail>" line per check on
# the serial console, then "QEMU-CHECK-END" and powers the guest off. No arguments.
set -uo pipefail

# A leading newline: the serial getty's "login:" prompt may be waiting on the same line.
report() { printf '\nQEMU-CHECK %s %s %s\n' "$1" "$2" "${3:-}" >/dev/ttyS0; echo "QEMU-CHECK $1 $2 ${3:-}"; }
check() {
    local name=$1 detail
    shift
    if detail=$("$@" 2>&1); then report "$name" PASS "$(tr '\n' ' ' <<<"$detail")"; else report "$name" FAIL "$(tr '\n' ' ' <<<"$detail")"; fi
}

service_active() { systemctl is-active appliance.service; }
firstboot_done() { systemctl is-active appliance-firstboot.service && cat /etc/appliance-image/firstboot.done; }
mode=$(appliance-netmode show)
# The management address: br0's in bridge mode, wan0's in router mode (slirp's DHCP answers inside qemu).
mgmt=$([[ $mode == router ]] && echo wan0 || echo br0)

nic_names() { ls -d /sys/class/net/wan0 /sys/class/net/lan0; }
network_mode() {
    echo "mode $mode;"
    if [[ $mode == router ]]; then
        ip -4 -br addr show lan0 && [[ $(cat /proc/sys/net/ipv4/ip_forward) == 1 ]] &&
            ip -4 -br addr show lan0 | grep -q ' 192\.168\.50\.1/24' && nft list table inet appliance_router >/dev/null
    else
        local ports
        ports=(/sys/class/net/br0/brif/*)
        ports=("${ports[@]##*/}")
        echo "br0 ports: ${ports[*]}"
        [[ ${ports[*]} == "lan0 wan0" ]]
    fi
}
dhcp_address() {
    for _ in $(seq 30); do
        ip -4 -br addr show "$mgmt" | grep -q ' [0-9]' && break
        sleep 1
    done
    ip -4 -br addr show "$mgmt" | grep ' [0-9]'
}
packet_filter_mode() {
    # The package's appliance.json starts with // comment lines, which jq cannot read.
    local section
    section=$(sed '/^[[:space:]]*\/\//d' /etc/appliance/appliance.json | jq -c .packetFilter)
    echo "$section"
    [[ $(jq -r .mode <<<"$section") == "$mode" ]]
}
setup_code() { grep -v '^$' /etc/issue.d/appliance-setup.issue; }
identity() {
    ls /var/lib/appliance/identity/device.key /var/lib/appliance/identity/device.csr >/dev/null &&
        openssl x509 -in /var/lib/appliance/identity/device.crt -noout -subject
}
dns_answers() {
    # A query for example.com/A (id 0x1234) over UDP to 127.0.0.1:53; any response with that id and QR=1 is an
    # answer (upstreams are unreachable under restrict=on, so SERVFAIL is fine). The image has no dig.
    local reply
    reply=$(timeout 10 bash -c 'exec 3<>/dev/udp/127.0.0.1/53
        printf "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01" >&3
        head -c 4 <&3 | od -An -tx1' | tr -d ' \n')
    echo "reply header $reply"
    [[ $reply == 1234* && $(( 0x${reply:4:2} & 0x80 )) -ne 0 ]]
}
web_login() {
    local status
    status=$(timeout 10 bash -c 'exec 3<>/dev/tcp/127.0.0.1/80
        printf "GET / HTTP/1.0\r\nHost: appliance\r\n\r\n" >&3; head -n 1 <&3')
    echo "$status"
    [[ $status == HTTP/1.?" "[23]* ]]
}
firewall() { nft list tables | tr '\n' ' '; nft list tables | grep -q 'inet appliance_host'; }
root_locked() { passwd -S root; [[ $(passwd -S root | cut -d' ' -f2) == L ]]; }
ssh_off() { ! systemctl -q is-enabled ssh.service && ! ls /etc/ssh/ssh_host_*key 2>/dev/null; }
journal_on_data() { findmnt -n -o SOURCE,TARGET /var/log/journal && findmnt -n /var/lib/appliance >/dev/null; }
slot_marked_good() {
    systemctl is-active appliance-mark-good.service && grub-editenv /boot/efi/EFI/BOOT/grubenv list | tr '\n' ' ' &&
        grub-editenv /boot/efi/EFI/BOOT/grubenv list | grep -qx 'A_TRY=0'
}
# Informational (not a pass/fail check): the DHCP-given resolvers the appliance forwards to when dns.upstreams
# is unset. slirp with restrict=on hands out no router and no DNS server, so here there are none and the
# appliance falls back to 127.0.0.1:53, i.e. itself (reported to the lead; DESIGN §6).
resolvers() {
    grep '^nameserver' /etc/resolv.conf || echo "no nameserver in /etc/resolv.conf"
    grep -h -E '^(ADDRESS|ROUTER|DNS)=' /run/systemd/netif/leases/* 2>/dev/null
}
no_failed_units() { local failed; failed=$(systemctl --failed --no-legend --plain | cut -d' ' -f1); echo "${failed:-none}"; [[ -z $failed ]]; }

check service-active service_active
check firstboot firstboot_done
check nic-names nic_names
check network-mode network_mode
check dhcp-address dhcp_address
check packet-filter-mode packet_filter_mode
check setup-code setup_code
check identity identity
check dns-answer dns_answers
check web-login web_login
check firewall firewall
check root-locked root_locked
check ssh-off ssh_off
check data-partition journal_on_data
check slot-marked-good slot_marked_good
report resolvers INFO "$(resolvers | tr '\n' ' ')"
check no-failed-units no_failed_units
journalctl -b -u appliance-firstboot -u appliance -u appliance-mark-good -u rauc --no-pager -o cat | tail -n 40 | sed 's/^/GUEST-LOG /' >/dev/ttyS0
report END PASS
printf '\nQEMU-CHECK-END\n' >/dev/ttyS0
systemctl poweroff
