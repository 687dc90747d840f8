#!/bin/sh
# Bochs tigerlake, VT-x: the unit-guest suite
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config bochs-tigerlake
