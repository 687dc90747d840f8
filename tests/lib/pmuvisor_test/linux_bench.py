"""make bench's Linux workloads: the init of make linux runs each perf workload
between two bench marks (tests/linux/hvport.c: a write to pmuvisor's bench mark
port, core/abi.h), pmuvisor prints the vCPU's exit counts at each, and the init
names each interval after it ("LINUX: bench NAME from=A to=B ops=N op=WHAT").
This module turns those lines into per-workload figures.

Exact (counted by pmuvisor, for this one run): exits and exits by reason, the
hypervisor's PMU MSR accesses, and under QEMU -icount the hypervisor's
instructions (hv_tsc: its TSC ticks on exits other than HLT, whose ticks are
the guest's idle time). Not exact, and marked so: multiplex rotations (the
interval's length over perf's rotation interval, when perf multiplexed), the
figures above the control (the same loop without perf, another interval), and
the modeled overhead."""
import re

MARK = re.compile(r"^hv: guest (\S+) mark (\d+) (.*)$")
WORKLOAD = re.compile(r"LINUX: bench (\S+) (.*)$")
MUX = re.compile(r"LINUX: mux (.*)$")
MUX_INTERVAL = re.compile(r"LINUX: mux_interval_ms=(\S+)")
TOTALS = ("tsc", "hv_tsc", "hlt_tsc", "pmu_accesses", "exits")
CONTROL = "loop"


def parse(lines):
    """(marks: {id: {tsc, hv_tsc, hlt_tsc, pmu_accesses, exits, reasons: {reason: n}}},
    workloads: [{name, from, to, ops, op}]) from a boot's serial lines."""
    marks, workloads = {}, []
    for line in lines:
        m = MARK.match(line)
        if m:
            fields = dict(kv.split("=", 1) for kv in m.group(3).split() if "=" in kv)
            marks[int(m.group(2))] = dict({k: int(fields.pop(k)) for k in TOTALS},
                                          reasons={k: int(v) for k, v in fields.items()})
            continue
        w = WORKLOAD.search(line)
        if w:
            f = dict(kv.split("=", 1) for kv in w.group(2).split())
            workloads.append(dict(name=w.group(1), ops=int(f["ops"]) if f["ops"].isdigit() else 0,
                                  op=f["op"], **{k: int(f[k]) for k in ("from", "to")}))
    return marks, workloads


def multiplexing(lines):
    """(multiplexed, rotation interval in ms or None) of the ten-event perf stat: perf
    multiplexed when an event it counted ran for less than 100% of the time (CSV
    field 5); Linux's cpu PMU gives the interval (none without a hardware PMU)."""
    pcts = []
    for line in lines:
        m = MUX.search(line)
        if m:
            f = m.group(1).split(",")
            if len(f) > 4 and not f[0].startswith("<"):
                pcts.append(float(f[4]))
    interval = next((m.group(1) for m in map(MUX_INTERVAL.search, lines) if m), "none")
    return any(p < 100.0 for p in pcts), (int(interval) if interval.isdigit() else None)


def problems(marks, workloads):
    """What makes the marks unusable: an interval without both marks, time or counts
    going backwards, an interval without its own mark exit (an I/O exit)."""
    out = []
    for w in workloads:
        a, b = marks.get(w["from"]), marks.get(w["to"])
        if not (a and b):
            out.append(f"{w['name']}: mark {w['from'] if not a else w['to']} missing")
            continue
        if any(b[k] < a[k] for k in TOTALS):
            out.append(f"{w['name']}: a count goes backwards between marks {w['from']} and {w['to']}")
        if b["reasons"].get("io", 0) - a["reasons"].get("io", 0) < 1:
            out.append(f"{w['name']}: no I/O exit between its marks, not even the mark's own")
    return out


def delta(a, b):
    d = {k: b[k] - a[k] for k in TOTALS}
    d["reasons"] = {r: b["reasons"].get(r, 0) - a["reasons"].get(r, 0)
                    for r in set(a["reasons"]) | set(b["reasons"])}
    d["reasons"] = {r: n for r, n in sorted(d["reasons"].items(), key=lambda x: -x[1]) if n}
    return d


def per(x, n):
    return x / n if n else None


def figures(marks, workloads, tsc_hz, mux):
    """Per workload: its interval's exits, rate, exits and hypervisor ticks per operation,
    the same above the control loop, and per multiplex rotation. mux: multiplexing()."""
    multiplexed, interval_ms = mux
    deltas = {w["name"]: delta(marks[w["from"]], marks[w["to"]]) for w in workloads}
    control = deltas.get(CONTROL)
    out = {}
    for w in workloads:
        d, ops = deltas[w["name"]], w["ops"]
        seconds = d["tsc"] / tsc_hz
        rotations = None
        if w["name"] == "mux":
            rotations = seconds * 1000 / interval_ms if multiplexed and interval_ms else 0
        above = control and w["name"] != CONTROL
        out[w["name"]] = {
            "op": w["op"], "ops": ops, "guest_ms": seconds * 1000, "exits": d["exits"],
            "exits_by_reason": d["reasons"], "exits_per_s": per(d["exits"], seconds),
            "exits_per_op": per(d["exits"], ops), "hv_ticks_per_op": per(d["hv_tsc"], ops),
            "hv_ticks_per_exit": per(d["hv_tsc"], d["exits"]),
            "pmu_accesses_per_op": per(d["pmu_accesses"], ops),
            "exits_above_control_per_op": per(d["exits"] - control["exits"], ops) if above else None,
            "hv_ticks_above_control_per_op": per(d["hv_tsc"] - control["hv_tsc"], ops) if above else None,
            "rotations_estimate": rotations,
            "exits_per_rotation": per(d["exits"], rotations) if rotations is not None else None,
        }
    return out


def modeled_overhead_pct(f, p):
    """perf record's cost at the reference rate (p.sample_rate samples a second): its exits
    per sample above the control, each at the assumed cost of an exit (p.exit_cycles plus
    the hypervisor's instructions per exit over p.ipc) on a p.freq_ghz clock. perf's own
    start and end are in those exits, spread over the run's samples."""
    if f["exits_above_control_per_op"] is None or f["hv_ticks_per_exit"] is None:
        return None
    cycles = p.exit_cycles + f["hv_ticks_per_exit"] / p.ipc
    return f["exits_above_control_per_op"] * p.sample_rate * cycles / (p.freq_ghz * 1e9) * 100


def fmt(v, f="{:.2f}"):
    return "-" if v is None else f.format(v)


def markdown(linux, p, reference):
    """The Linux rows: each workload side by side in each mode."""
    out = [f"## Linux perf workloads ({linux['platform']})", "",
           "Debian's kernel with perf (make linux) as pmuvisor's guest, one boot per vPMU mode; "
           "each workload between two bench marks. Exact for this run: exits, hypervisor "
           "instructions (-icount; HLT's idle time left out), PMU accesses. Estimates (~): the "
           "figures above the control loop (the same loop without perf), rotations, the model.", ""]
    modes = linux["modes"]
    for mode, m in modes.items():
        if m.get("error"):
            out.append(f"- vpmu={mode}: {m['error']}")
        else:
            out.append(f"- vpmu={mode}: {m['pmu_line'] or 'no Performance Events line'}; perf "
                       f"{'multiplexed' if m['multiplexed'] else 'did not multiplex (no rotation)'}; "
                       f"{m['seconds_per_boot']:.0f} s")
    out += ["", "| workload | per | mode | guest ms | exits | exits/s | exits per op "
            "| ~ above control | hv instructions per op | ~ above control | hv PMU accesses per op "
            "| ~ exits per rotation | main exit reasons |", "|" + "---|" * 13]
    names = []
    for m in modes.values():
        names += [n for n in m.get("figures", {}) if n not in names]
    for name in names:
        for mode, m in modes.items():
            f = m.get("figures", {}).get(name)
            if not f:
                continue
            reasons = ", ".join(f"{r} {n}" for r, n in list(f["exits_by_reason"].items())[:3])
            out.append(f"| {name} | {f['op']} ({f['ops']}) | {mode} | {f['guest_ms']:.0f} | {f['exits']} "
                       f"| {fmt(f['exits_per_s'], '{:.0f}')} | {fmt(f['exits_per_op'])} "
                       f"| {fmt(f['exits_above_control_per_op'])} | {fmt(f['hv_ticks_per_op'], '{:.0f}')} "
                       f"| {fmt(f['hv_ticks_above_control_per_op'], '{:.0f}')} "
                       f"| {fmt(f['pmu_accesses_per_op'], '{:.2f}')} "
                       f"| {fmt(f['exits_per_rotation']) if f['rotations_estimate'] else ('-' if f['rotations_estimate'] is None else 'no rotation')} "
                       f"| {reasons} |")
    out += ["", "perf record -F 1000, modeled from its exits per sample above the control at "
            "the assumed exit cost (the parameters below), next to KVM's measured guest overhead "
            "(docs/design.md, 'Reference costs'; basic sampling):", "",
            "| mode | ~ modeled overhead | KVM emulated | KVM mediated |", "|---|---|---|---|"]
    for mode, m in modes.items():
        f = m.get("figures", {}).get("record")
        if f:
            out.append(f"| {mode} | {fmt(modeled_overhead_pct(f, p), '{:.3f}%')} "
                       f"| {reference['emulated'][0]}% | {reference['mediated'][0]}% |")
    return "\n".join(out) + "\n"
