#!/bin/sh
# the Debian kernel with perf under pmuvisor (QEMU/AMD-V) in each vPMU mode (make test builds it first: make linux)
cd "$(dirname "$0")/../.." || exit 1
exec tests/linux/boot --vpmu off,emulated,mediated --timeout 300
