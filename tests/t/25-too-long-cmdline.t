#!/bin/sh
# a command line GRUB passes whole but pmuvisor cannot keep: refused, never cut, status 2
cd "$(dirname "$0")/../.." || exit 1
long=$(for i in $(seq 230); do printf 'vpmu=off '; done)
exec tests/run --config qemu-bios --no-suite --cmdline "$long" --expect-status 2 --expect-line "^hv: error: boot: bad multiboot2 information: command line does not fit in 2048 bytes\$"
