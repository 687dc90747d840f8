#!/usr/bin/env python3
# the QEMU-style kernels (fw_cfg, xAPIC MMIO, timer, IPIs, NMIs, single-step, string I/O,
# real mode) under pmuvisor on Bochs VT-x
import glob
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from pmuvisor_test.configs import skip_reason  # noqa: E402
from pmuvisor_test.tap import Tap, skip_all  # noqa: E402

CONFIG = "bochs-sandy"
if skip_reason(CONFIG):
    sys.exit(skip_all(f"{CONFIG}: {skip_reason(CONFIG)}"))
tap = Tap()
for kernel in sorted(glob.glob(os.path.join(ROOT, "build/guests/qemu/qk_*.elf"))):
    r = subprocess.run([os.path.join(ROOT, "tests", "run"), "--guest", kernel,
                        "--config", CONFIG], stdout=subprocess.PIPE, text=True)
    failed = tap.failed
    tap.subtest(r.stdout.splitlines())
    if r.returncode and tap.failed == failed:  # it failed without a "not ok" line
        tap.check(False, f"{os.path.basename(kernel)}: tests/run exited {r.returncode}")
tap.plan()
sys.exit(tap.status())
