"""pmuvisor's test harness: what tests/run, tests/bench, tests/differential,
tests/host-tap, tests/fuzz/run, tests/stress and tests/t/*.t share.

  configs   the platforms a test boots on (CONFIGS) and why one cannot run here
  suite     suite files, pmuvisor's command line and modules, the serial lines
  media     work directories and boot media (GRUB2 ISO, ESP directory)
  emulator  emulator command lines, the QEMU monitor and the boot loop
  linux     the Linux guest of make linux: its files and one boot under pmuvisor
  linux_bench  its perf workloads between bench marks as figures (make bench)
  tap       one TAP writer: plan, results with directives, diagnostics,
            renumbered subtests and the closing summary

A script finds it with sys.path.insert(0, <tests/lib relative to the script>).
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BUILD = os.path.join(ROOT, "build")
