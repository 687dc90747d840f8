#!/bin/sh
# Bochs tigerlake, VT-x: guests sharing the CPU (group=) check their PMU stays theirs; traces replayed
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config bochs-tigerlake --suite tests/suite-sched
