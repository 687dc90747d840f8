#!/bin/sh
# the PMU guests on an assumed Zen 1-3 PMU: six PerfCtrExtCore counters, no global control
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config qemu-bios --suite tests/suite-pmu --cmdline pmu_profile=amd-core --expect-line '^hv: pmu: assuming a host PMU of kind amd v1 with 6 counters' --expect-line '^hv: error: pmu-fewer-refused: vpmu: pmu_gp=2 refused: this AMD PMU has no PerfMonV2, so CPUID cannot show a guest fewer than its 6 general counters'
