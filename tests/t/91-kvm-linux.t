#!/bin/sh
# the Debian kernel with perf under pmuvisor on nested KVM, whose counters count, in each vPMU mode
# (SKIP without a usable /dev/kvm; make test builds the kernel first: make linux)
cd "$(dirname "$0")/../.." || exit 1
exec tests/linux/boot --config kvm --vpmu off,emulated,mediated --timeout 600
