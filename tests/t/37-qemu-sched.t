#!/bin/sh
# QEMU/AMD-V: guests sharing the CPU (group=) check their PMU stays theirs; one trace per group, replayed
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config qemu-bios --suite tests/suite-sched
