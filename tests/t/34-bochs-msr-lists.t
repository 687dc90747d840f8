#!/bin/sh
# Bochs/VT-x switching PERF_GLOBAL_CTRL with the VM-entry/exit MSR-load lists: the PMU guests
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config bochs-sandy --suite tests/suite-pmu --cmdline pmu_switch=msr-lists --expect-line '^hv: vmx: PERF_GLOBAL_CTRL switch: VM-entry/VM-exit MSR-load lists'
