#!/bin/sh
# Bochs ryzen, AMD-V (a second AMD-V implementation): the unit-guest suite
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config bochs-ryzen
