#!/bin/sh
# Bochs ryzen, AMD-V (a second AMD-V implementation): the unit-guest suite
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config bochs-ryzen --expect-line '^hv: error: pmu-fewer-refused: vpmu: pmu_gp=2 refused: this AMD PMU has no PerfMonV2, so CPUID cannot show a guest fewer than its 6 general counters'
