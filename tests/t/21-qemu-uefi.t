#!/bin/sh
# QEMU TCG, AMD-V, UEFI (OVMF) from the ESP layout: the unit-guest suite
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config qemu-uefi
