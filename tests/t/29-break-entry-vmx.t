#!/bin/sh
# a broken VMCS field: the VM-entry failure is decoded and names the field
cd "$(dirname "$0")/../.." || exit 1
exec tests/run --config bochs-tigerlake --suite tests/suite-break --expect-line 'vmx: exit reason 33 \(VM entry failure: invalid guest state\)' --expect-line 'vmx: invalid guest state: GUEST_CS_AR=0xc19b: reserved bits'
