#!/bin/sh
# a malformed guest image is refused and the next guest runs
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config qemu-bios --suite tests/suite-bad --expect-line 'garbage: bad guest image: bad ELF magic'
