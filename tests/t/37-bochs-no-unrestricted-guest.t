#!/bin/sh
# VT-x without unrestricted guest (Bochs Nehalem): refused at boot, the reason named, status 2
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config bochs-lynnfield --suite tests/suite-refused --expect-status 2 --expect-line '^hv: error: vmx: no unrestricted guest \(guests start in protected mode with paging off'
