#!/usr/bin/env python3
# make bench's Linux figures (tests/lib/pmuvisor_test/linux_bench.py): parsing pmuvisor's
# bench marks and the init's workload lines, and the arithmetic, on made-up lines
import os
import sys
import unittest

LIB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lib")
sys.path.insert(0, LIB)
from pmuvisor_test.tap import Tap  # noqa: E402


def cases(suite):
    for t in suite:
        yield from cases(t) if isinstance(t, unittest.TestSuite) else [t]


tap = Tap("linux_bench: ")
for case in cases(unittest.defaultTestLoader.loadTestsFromName("test_linux_bench")):
    result = unittest.TestResult()
    case.run(result)
    if tap.check(result.wasSuccessful(), case.id().split(".", 1)[1]):
        continue
    for _, trace in result.failures + result.errors:
        tap.diag(trace)
tap.plan()
sys.exit(tap.status())
