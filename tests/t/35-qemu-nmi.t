#!/bin/sh
# A host NMI (QEMU monitor "nmi") while a guest runs under AMD-V: counted, not injected, no panic
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config qemu-bios --suite tests/suite-nmi --nmi-on '^\[nmi\] # waiting for a host NMI' --expect-line '^hv: summary: host NMIs taken: 1 '
