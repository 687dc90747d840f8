#!/bin/sh
# nested KVM (real counters), only when /dev/kvm can nest
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config kvm
