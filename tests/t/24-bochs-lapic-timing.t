#!/bin/sh
# Bochs VT-x, whose clock counts instructions: the virtual LAPIC's timer modes fire within 20 us + 1%
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config bochs-tigerlake --suite tests/suite-lapic-bochs
