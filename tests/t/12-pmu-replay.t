#!/usr/bin/env python3
# the PMU trace replay (tests/pmu_model/pmu_replay.c) on made-up traces: it must pass a
# sound one and fail each kind of wrong one, or the emulator runs' replays prove nothing
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from pmuvisor_test.tap import Tap, skip_all  # noqa: E402

REPLAY = os.path.join(ROOT, "build", "host", "pmu_replay")
if not os.access(REPLAY, os.X_OK):
    sys.exit(skip_all("build/host/pmu_replay is not built (make host-tests)"))

SKYLAKE = ("kind=intel version=4 gp=4 width=48 fixed=0x7 fixed_width=48 perf_caps=0x2000 "
           "amd_core=0 amd_v2=0")
EN_OS_INSTRUCTIONS = 0x4200C0


def trace(header, records):
    lines = [f"hv: pmutrace begin g {header}"]
    lines += [f"hv: pmutrace {i} {phase} {op} 0x{msr:x} 0x{value:x}"
              for i, (phase, op, msr, value) in enumerate(records)]
    return "\n".join(lines + [f"hv: pmutrace end g {len(records)}", ""])


def replay(text):
    r = subprocess.run([REPLAY], input=text, stdout=subprocess.PIPE, text=True)
    return r.returncode, r.stdout


# a load that finds the hardware idle, programs counter 0, one guest run, a put
SOUND = [("load", "r", 0x38F, 0), ("load", "r", 0x186, 0), ("load", "w", 0x186, EN_OS_INSTRUCTIONS),
         ("entry", "vmentry", 0x38F, 1), ("entry", "vmexit", 0x38F, 0),
         ("put", "r", 0x186, EN_OS_INSTRUCTIONS)]
CASES = [
    ("a sound trace on a PMU that holds values passes", SKYLAKE + " holds=1 counts=1", SOUND, 0, None),
    ("the same on a PMU that holds nothing fails: its reads must be 0",
     SKYLAKE + " holds=0 counts=0", SOUND, 1, "read 0x4200c0, the model has 0x0"),
    ("a read that differs from what was written fails", SKYLAKE + " holds=1 counts=1",
     SOUND[:-1] + [("put", "r", 0x186, 0x4200C1)], 1, "the model has 0x4200c0"),
    ("GLOBAL_CTRL read back nonzero after a VM exit fails (invariant 1)",
     SKYLAKE + " holds=1 counts=1", SOUND[:4] + [("entry", "vmexit", 0x38F, 1)], 1,
     "after a VM exit"),
    ("the load starts from what it found: a counter write while that counts fails",
     SKYLAKE + " holds=1 counts=1",
     [("load", "r", 0x38F, 1), ("load", "r", 0x186, EN_OS_INSTRUCTIONS), ("load", "w", 0xC1, 5)],
     1, "while counter 0 counts"),
]

tap = Tap("pmu replay: ")
for desc, header, records, status, message in CASES:
    code, out = replay(trace(header, records))
    tap.check(code == status and (message is None or message in out), desc)
    if code != status:
        tap.diag(out)
code, out = replay("hv: exit status=0\n")
tap.check(code == 0 and "SKIP" in out, "a log with no trace says so")
tap.plan()
sys.exit(tap.status())
