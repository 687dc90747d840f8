#!/bin/sh
# Bochs tigerlake, VT-x, on an assumed Sapphire Rapids PMU (PERF_METRICS): guests sharing the CPU (group=)
# check their PMU stays theirs; one trace per group, replayed on the model
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config bochs-tigerlake --suite tests/suite-sched --cmdline pmu_profile=intel-v5-metrics
