#!/bin/sh
# QEMU/AMD-V with an assumed Zen 4 PMU (PerfCtrExtCore, PerfMonV2): the PMU guests, traced
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config qemu-bios --suite tests/suite-pmu --cmdline pmu_profile=amd-core-v2 --expect-line '^hv: pmu: assuming a host PMU of kind amd v2 with 6 counters'
