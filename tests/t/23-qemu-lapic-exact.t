#!/bin/sh
# QEMU/AMD-V under -icount: the virtual LAPIC's timer modes fire within 20 us + 1%
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config qemu-icount --suite tests/suite-lapic-exact
