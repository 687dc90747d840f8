#!/bin/sh
# host unit tests (cmocka, ASan/UBSan)
cd "$(dirname "$0")/../.." || exit 1
exec tests/host-tap
