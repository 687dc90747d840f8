#!/bin/sh
# transparency: the QEMU-style kernels directly on QEMU and under pmuvisor, line by line
cd "$(dirname "$0")/../.." || exit 1
exec tests/differential
