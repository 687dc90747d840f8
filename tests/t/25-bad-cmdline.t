#!/bin/sh
# an unknown command-line key: a clear error naming it, status 2
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config qemu-bios --no-suite --cmdline nosuchkey=1 --expect-status 2 --expect-line "^hv: error: command line: unknown key 'nosuchkey'\$"
