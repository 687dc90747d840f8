#!/bin/sh
# the make-bench workloads on AMD-V: each asserts its exact exit count per PMU operation
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config qemu-bios --suite tests/suite-bench
