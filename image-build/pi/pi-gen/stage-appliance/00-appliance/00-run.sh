#!/bin/bash -e
# pi-gen sub-stage, run on the build host (pi-gen README "How the build process works": NN-run.sh runs outside
# the chroot with ROOTFS_DIR set; on_chroot runs commands inside it). Installs the same package list, the same
# .deb and the same rootfs overlay and first-boot unit as image-build/build.sh, through the same customize.sh.
#   APPLIANCE_SRC  the repository checkout          APPLIANCE_DEB  the arm64 .deb (image-build/package/build-deb.sh)
#   APPLIANCE_SSH_KEY  optional: key-only SSH for root, as build.sh --ssh-key
: "${APPLIANCE_SRC:?set APPLIANCE_SRC}" "${APPLIANCE_DEB:?set APPLIANCE_DEB to the arm64 .deb}"

packages=$(sed -e 's/#.*//' "${APPLIANCE_SRC}/image-build/rootfs/packages.txt" | xargs)
on_chroot <<CHROOT
apt-get install -y --no-install-recommends ${packages}
# One network stack: systemd-networkd (the bridge and router files). Whatever stage1 brought is removed.
apt-get purge -y --auto-remove network-manager dhcpcd dhcpcd5 ifupdown || true
CHROOT

ssh_args=()
if [ -n "${APPLIANCE_SSH_KEY:-}" ]; then
    ssh_args=(--ssh-key "${APPLIANCE_SSH_KEY}")
fi
"${APPLIANCE_SRC}/image-build/rootfs/customize.sh" install "${ROOTFS_DIR}" --hostname "${TARGET_HOSTNAME}" \
    --netmode bridge --deb "${APPLIANCE_DEB}" "${ssh_args[@]}"
"${APPLIANCE_SRC}/image-build/rootfs/customize.sh" finalize "${ROOTFS_DIR}" --hostname "${TARGET_HOSTNAME}"

# No login user besides the locked root: the first user pi-gen made gets no password and no shell.
on_chroot <<CHROOT
usermod --lock --shell /usr/sbin/nologin "${FIRST_USER_NAME}"
CHROOT
