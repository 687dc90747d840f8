#!/bin/sh
# Bochs/VT-x with an assumed Sapphire Rapids PMU (PERF_METRICS, full-width writes): the PMU guests, traced
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config bochs-tigerlake --suite tests/suite-pmu --cmdline pmu_profile=intel-v5-metrics --expect-line 'pmu mode=mediated vendor=intel-arch gp=8 fixed=0xf metrics=yes'
