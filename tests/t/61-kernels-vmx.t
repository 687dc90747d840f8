#!/bin/sh
# the QEMU-style kernels (fw_cfg, xAPIC MMIO, timer, IPIs) under pmuvisor on Bochs VT-x
cd "$(dirname "$0")/../.." || exit 1
for k in build/guests/qemu/qk_*.elf; do
	tests/run --guest "$k" --config bochs-sandy | sed "s/^1\.\.[0-9]*$//;/^$/d"
done | awk '/^(ok|not ok)/ { n++; sub(/^(ok|not ok) [0-9]+/, ($1 == "ok" ? "ok " : "not ok ") n) } { print } END { print "1.." n }'
