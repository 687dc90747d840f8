#!/bin/sh
# the make-bench workloads on VT-x: each asserts its exact exit count per PMU operation
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config bochs-tigerlake --suite tests/suite-bench
