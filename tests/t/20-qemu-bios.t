#!/bin/sh
# QEMU TCG, AMD-V, BIOS through the GRUB2 ISO: the unit-guest suite
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config qemu-bios --expect-line '^hv: error: pmu-fewer-refused: vpmu: pmu_gp=2 refused: this AMD PMU has no PerfMonV2, so CPUID cannot show a guest fewer than its 4 general counters'
