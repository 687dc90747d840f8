#!/bin/sh
# QEMU TCG, AMD-V, BIOS through the GRUB2 ISO: the unit-guest suite
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config qemu-bios
