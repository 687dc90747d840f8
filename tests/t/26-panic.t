#!/bin/sh
# a deliberate hypervisor exception: a PANIC block naming it, status 3
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config qemu-bios --no-suite --cmdline crash=ud --expect-status 3 --expect-line '^PANIC: exception 6 \(#UD invalid opcode\)' --expect-line '^PANIC: rip=0x'
