#!/bin/sh
# Bochs corei7_sandy_bridge_2600k, VT-x: the unit-guest suite
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config bochs-sandy
