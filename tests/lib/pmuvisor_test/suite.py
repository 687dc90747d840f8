"""Suite files (tests/suite*), pmuvisor's command line and modules for them, and
the serial lines a boot is read by."""
import os
import re
import sys

from . import BUILD, ROOT

GUEST_LINE = re.compile(r"^\[([^\]]+)\] (.*)$")
GUEST_END = re.compile(r"^hv: guest (\S+) status=(-?\d+) reason=(.*)$")
EXIT_LINE = re.compile(r"^hv: exit status=(\d+)$")
KERNEL_RESULT = re.compile(r"^(PASS|FAIL|SKIP): (.*)$")


def load_suite(path):
    """NAME | IMAGE | KEYS | ARGS | status=N or reason=WORD [| skip=TAG,...: why]
    (TAG: a configuration or a platform tag, configs.platform_tags)"""
    guests = []
    for raw in open(path):
        if not raw.split("#", 1)[0].strip() or raw.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in raw.split("|")]
        if len(fields) not in (5, 6):
            sys.exit(f"run: {path}: expected 5 or 6 fields separated by |: {raw.strip()}")
        name, image, keys, args, expect = fields[:5]
        skip_on, why = set(), ""
        if len(fields) == 6:
            spec, _, why = fields[5].partition(":")
            if not spec.startswith("skip="):
                sys.exit(f"run: {path}: sixth field must be skip=CONFIG,...: why")
            skip_on = set(spec[5:].split(","))
        key, _, value = expect.partition("=")
        if key not in ("status", "reason"):
            sys.exit(f"run: {path}: expected end must be status=N or reason=WORD: {raw.strip()}")
        guests.append(dict(name=name, image=image, keys=keys, args=args, expect=(key, value),
                           skip_on=skip_on, why=why.strip()))
    return guests


def hv_expect(g):
    """The suite's expected end as pmuvisor's expect= key (a reason's first word)."""
    key, value = g.get("expect", ("status", "0"))
    return f"expect={value.split()[0]}"


FACT_WORD = re.compile(r"^([^=]+)=@(\w*)$")


def with_facts(words, facts):
    """Each KEY=@FACT in words (KEY=@: the fact named KEY) becomes KEY=value from
    the platform's facts (configs.platform_facts), or goes when the runner does
    not know it."""
    out = []
    for w in words.split():
        m = FACT_WORD.match(w)
        fact = m and (m.group(2) or m.group(1))
        if not m:
            out.append(w)
        elif fact in (facts or {}):
            out.append(f"{m.group(1)}={facts[fact]}")
    return out


def hv_cmdline(extra, guests, facts=None):
    parts = ["log=info", extra] + [
        " ".join([f"guest={g['name']}", hv_expect(g)] + with_facts(g["keys"], facts))
        for g in guests]
    return " ".join(p for p in parts if p)


def modules(guests, facts=None):
    """(image path, module string) for each guest name, once, its KEY=@ arguments
    filled in (with_facts)."""
    seen, mods = set(), []
    for g in guests:
        if g["name"] in seen:
            continue
        seen.add(g["name"])
        # a bare name is a unit guest; a path (with a slash) is relative to the tree
        image = os.path.join(ROOT if "/" in g["image"] else os.path.join(BUILD, "guests"),
                             g["image"] + ".elf")
        mods.append((image, " ".join([g["name"]] + with_facts(g["args"], facts))))
    return mods


def guest_lines(lines, name):
    """What guest NAME printed itself: the bodies of its [NAME] lines."""
    return [m.group(2) for m in map(GUEST_LINE.match, lines) if m and m.group(1) == name]


def guest_status(lines, name):
    """The exit status pmuvisor reported for guest NAME last, or None."""
    ends = [m for m in map(GUEST_END.match, lines) if m and m.group(1) == name]
    return int(ends[-1].group(2)) if ends else None
