#!/bin/sh
# the Debian kernel with perf under pmuvisor (QEMU/AMD-V) in each vPMU mode; SKIP until make linux
cd "$(dirname "$0")/../.." || exit 1
exec tests/linux/boot --vpmu off,emulated,mediated --timeout 300
