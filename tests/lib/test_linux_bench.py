"""Unit tests of make bench's Linux figures (pmuvisor_test/linux_bench.py) on made-up
serial lines in the formats pmuvisor (core/exit_report.c) and tests/linux/init print.
  python3 -m unittest test_linux_bench     (from tests/lib; tests/t/13 runs them as TAP)"""
import argparse
import unittest

from pmuvisor_test import linux_bench as lb

TSC_HZ = 1_000_000_000


def mark(i, tsc, hv, exits, io, msr_write=0, hlt_tsc=0, pmu=1):
    reasons = f"msr_write={msr_write} io={io}" if msr_write else f"io={io}"
    return (f"hv: guest vmlinuz mark {i} tsc={tsc} hv_tsc={hv} hlt_tsc={hlt_tsc} "
            f"pmu_accesses={pmu} exits={exits} {reasons}")


def bench(name, a, b, ops, op="run"):
    return f"[vmlinuz] [    3.227193] LINUX: bench {name} from={a} to={b} ops={ops} op={op}"


# the control loop: 100 exits in 250 ms; perf record: 1,100 exits, 400 samples in 500 ms
LOG = [
    "cap: tsc hz=1000000000 source=pit",
    mark(1, 1_000_000_000, 10_000, 1000, 10),
    mark(2, 1_250_000_000, 60_000, 1100, 11),
    bench("loop", 1, 2, 1),
    mark(3, 2_000_000_000, 70_000, 1200, 20),
    mark(4, 2_500_000_000, 770_000, 2300, 21, msr_write=800, hlt_tsc=9, pmu=5),
    "[vmlinuz] [    6.953038] LINUX: record_samples= Samples: 400  of event 'cpu-clock:ppp'",
    bench("record", 3, 4, 400, "sample"),
]


def params(**kw):
    p = dict(exit_cycles=1000.0, ipc=1.0, freq_ghz=3.0, sample_rate=1000.0)
    p.update(kw)
    return argparse.Namespace(**p)


class Parse(unittest.TestCase):
    def test_marks_and_workloads(self):
        marks, workloads = lb.parse(LOG)
        self.assertEqual(sorted(marks), [1, 2, 3, 4])
        self.assertEqual(marks[4], dict(tsc=2_500_000_000, hv_tsc=770_000, hlt_tsc=9, pmu_accesses=5,
                                        exits=2300, reasons=dict(msr_write=800, io=21)))
        self.assertEqual(workloads[1], {"name": "record", "from": 3, "to": 4, "ops": 400, "op": "sample"})

    def test_a_workload_without_operations_has_none(self):
        _, workloads = lb.parse([bench("record", 3, 4, "")])  # perf report found no samples
        self.assertEqual(workloads[0]["ops"], 0)

    def test_sound_marks_have_no_problems(self):
        self.assertEqual(lb.problems(*lb.parse(LOG)), [])

    def test_a_missing_mark_is_a_problem(self):
        log = [l for l in LOG if " mark 4 " not in l]
        self.assertEqual(lb.problems(*lb.parse(log)), ["record: mark 4 missing"])

    def test_counts_going_backwards_are_a_problem(self):
        log = LOG[:5] + [mark(4, 2_500_000_000, 770_000, 1100, 21)] + LOG[6:]
        self.assertIn("goes backwards", " ".join(lb.problems(*lb.parse(log))))

    def test_an_interval_without_the_marks_own_io_exit_is_a_problem(self):
        log = LOG[:5] + [mark(4, 2_500_000_000, 770_000, 2300, 20)] + LOG[6:]
        self.assertIn("no I/O exit", " ".join(lb.problems(*lb.parse(log))))


class Figures(unittest.TestCase):
    def figures(self, mux=(False, None), log=LOG):
        marks, workloads = lb.parse(log)
        return lb.figures(marks, workloads, TSC_HZ, mux)

    def test_per_operation_and_per_second(self):
        f = self.figures()["record"]
        self.assertEqual(f["exits"], 1100)
        self.assertAlmostEqual(f["guest_ms"], 500.0)
        self.assertAlmostEqual(f["exits_per_s"], 2200.0)
        self.assertAlmostEqual(f["exits_per_op"], 1100 / 400)
        self.assertAlmostEqual(f["hv_ticks_per_op"], 700_000 / 400)
        self.assertAlmostEqual(f["hv_ticks_per_exit"], 700_000 / 1100)
        self.assertAlmostEqual(f["pmu_accesses_per_op"], 4 / 400)
        self.assertEqual(f["exits_by_reason"], {"msr_write": 800, "io": 1})

    def test_above_the_control_loop(self):
        fig = self.figures()
        self.assertAlmostEqual(fig["record"]["exits_above_control_per_op"], (1100 - 100) / 400)
        self.assertAlmostEqual(fig["record"]["hv_ticks_above_control_per_op"], (700_000 - 50_000) / 400)
        self.assertIsNone(fig["loop"]["exits_above_control_per_op"])

    def test_rotations_only_when_perf_multiplexed(self):
        log = LOG + [mark(5, 3_000_000_000, 800_000, 2400, 30), mark(6, 3_100_000_000, 810_000, 2450, 31),
                     bench("mux", 5, 6, 1)]
        f = self.figures((True, 4), log)["mux"]
        self.assertAlmostEqual(f["rotations_estimate"], 25.0)  # 100 ms / 4 ms
        self.assertAlmostEqual(f["exits_per_rotation"], 2.0)
        f = self.figures((False, None), log)["mux"]
        self.assertEqual(f["rotations_estimate"], 0)
        self.assertIsNone(f["exits_per_rotation"])

    def test_modeled_overhead(self):
        f = self.figures()["record"]
        per_exit = 1000 + 700_000 / 1100
        self.assertAlmostEqual(lb.modeled_overhead_pct(f, params()), 2.5 * 1000 * per_exit / 3e9 * 100)
        self.assertIsNone(lb.modeled_overhead_pct(self.figures()["loop"], params()))


class Multiplexing(unittest.TestCase):
    def test_unsupported_events_do_not_count(self):
        log = ["[vmlinuz] [ 3.8] LINUX: mux <not supported>,,cycles,0,100.00,,",
               "[vmlinuz] [ 3.8] LINUX: mux_interval_ms=none"]
        self.assertEqual(lb.multiplexing(log), (False, None))

    def test_an_event_counted_part_of_the_time_multiplexed(self):
        log = ["[vmlinuz] [ 3.8] LINUX: mux 1234,,cycles,500,100.00,,",
               "[vmlinuz] [ 3.8] LINUX: mux 99,,instructions,200,40.00,,",
               "[vmlinuz] [ 3.8] LINUX: mux_interval_ms=4"]
        self.assertEqual(lb.multiplexing(log), (True, 4))


class Markdown(unittest.TestCase):
    def test_each_workload_side_by_side_per_mode(self):
        marks, workloads = lb.parse(LOG)
        fig = lb.figures(marks, workloads, TSC_HZ, (False, None))
        mode = dict(figures=fig, pmu_line="PMU not available", multiplexed=False, seconds_per_boot=70)
        linux = dict(platform="QEMU", modes=dict(off=mode, mediated=mode, emulated=dict(error="timed out")))
        md = lb.markdown(linux, params(), {"emulated": (33.62, 79.32), "mediated": (4.24, 7.34)})
        rows = [l for l in md.splitlines() if l.startswith("| record |")]
        self.assertEqual([r.split(" | ")[2] for r in rows], ["off", "mediated"])
        self.assertIn("| 2.75 | 2.50 |", rows[0])
        self.assertIn("vpmu=emulated: timed out", md)
        self.assertIn("33.62%", md)


if __name__ == "__main__":
    unittest.main()
