#!/bin/bash -e
# pi-gen stage prologue: start from stage1's root filesystem.
if [ ! -d "${ROOTFS_DIR}" ]; then
    copy_previous
fi
