#!/bin/sh
# every fuzz target (libFuzzer, ASan/UBSan) for FUZZ_SECONDS each (default 10)
cd "$(dirname "$0")/../.." || exit 1
exec tests/fuzz/run
