#!/bin/sh
# a broken VMCB: the failed VMRUN is reported as that guest's failure
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config qemu-bios --suite tests/suite-break --expect-line 'broken: vm entry failed: invalid guest state'
