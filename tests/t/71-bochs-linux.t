#!/bin/sh
# the Debian kernel with perf under pmuvisor on Bochs tigerlake (VT-x), vpmu=mediated (make test builds it first: make linux)
cd "$(dirname "$0")/../.." || exit 1
exec tests/linux/boot --config bochs-tigerlake --vpmu mediated --timeout 900
