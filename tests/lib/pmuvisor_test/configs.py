"""The platforms a test boots on, as data, and why one cannot run on this machine."""
import os
import re
import shutil

from . import BUILD

# kind: the emulator; media: iso (GRUB2), esp (UEFI, OVMF) or kernel (a multiboot1
# kernel given to QEMU's -kernel, no pmuvisor); mem: the machine's memory.
# pmu_gp: the general counters the emulated CPU's PMU has, as measured with a
# probe kernel (tests/README.md), so a guest can check pmuvisor against a
# number it did not derive itself (suite argument host_gp=@). counts: whether
# the platform's PMU counts events (no emulator here does; KVM's does), so a
# guest can check pmuvisor's own probe of it (suite argument counts=@).
# fewer_gp: whether the CPU's CPUID can show a guest fewer general counters
# than it has (Intel's leaf 0xA, AMD's PerfMonV2 leaf 0x80000022); AMD's
# legacy and PerfCtrExtCore layouts imply all of them, and pmuvisor refuses
# pmu_gp= below that count.
CONFIGS = {
    "qemu-bios": dict(kind="qemu", media="iso", cpu="max,+svm", accel="tcg", pmu_gp=4,
                      counts=False, fewer_gp=False),
    # one TSC tick per instruction, deterministic (make bench)
    "qemu-icount": dict(kind="qemu", media="iso", cpu="max,+svm", accel="tcg", pmu_gp=4,
                        counts=False, fewer_gp=False, extra=["-icount", "shift=0,sleep=off"]),
    "qemu-uefi": dict(kind="qemu", media="esp", cpu="max,+svm", accel="tcg", pmu_gp=4,
                      counts=False, fewer_gp=False),
    "bochs-sandy": dict(kind="bochs", media="iso", model="corei7_sandy_bridge_2600k",
                        pmu_gp=8, counts=False, fewer_gp=True),
    "bochs-tigerlake": dict(kind="bochs", media="iso", model="tigerlake", pmu_gp=8,
                            counts=False, fewer_gp=True),
    "bochs-ryzen": dict(kind="bochs", media="iso", model="ryzen", pmu_gp=6, counts=False,
                        fewer_gp=False),
    # VT-x with EPT and VPID but no unrestricted guest (Nehalem): pmuvisor refuses it
    "bochs-lynnfield": dict(kind="bochs", media="iso", model="corei5_lynnfield_750",
                            counts=False),
    "kvm": dict(kind="qemu", media="iso", cpu="host", accel="kvm", counts=True),
    # tests/run --guest K --direct: the kernel alone, with what pmuvisor gives a guest
    # by default (mem=)
    "qemu-direct": dict(kind="qemu", media="kernel", cpu="max", accel="tcg", mem="16M"),
}

# pmuvisor's pmu_profile= PMUs, which replace the emulator's (pmu/pmu_profiles.c).
# (general counters, fewer_gp as above)
PROFILES = {"intel-v4": (4, True), "intel-v5-metrics": (8, True), "amd-legacy": (4, False),
            "amd-core-v2": (6, True), "amd-core": (6, False)}

# What a guest given fewer general counters uses where the platform can show it.
FEWER_GP = 2


def _pmu(config, cmdline):
    """(general counters, fewer_gp) of the platform's PMU under pmuvisor's keys
    (pmu_profile= replaces it); None where the runner cannot know (a real CPU)."""
    cfg = CONFIGS[config]
    profiles = [k.split("=", 1)[1] for k in cmdline.split() if k.startswith("pmu_profile=")]
    if profiles:
        return PROFILES.get(profiles[-1], (None, None))
    return cfg.get("pmu_gp"), cfg.get("fewer_gp")


def platform_facts(config, cmdline):
    """What the runner knows of the platform's PMU, for KEY=@ in the guests' keys
    and arguments: host_gp (general counters), counts (1 or 0) and fewer_gp (a
    count below host_gp, only where CPUID can show it). A fact the runner cannot
    know (a real CPU), or that does not exist, is left out."""
    cfg, facts = CONFIGS[config], {}
    gp, fewer = _pmu(config, cmdline)
    if gp:
        facts["host_gp"] = gp
    if fewer:
        facts["fewer_gp"] = FEWER_GP
    if "counts" in cfg:
        facts["counts"] = int(cfg["counts"])
    return facts


def platform_tags(config, cmdline):
    """What a suite line's skip= can name: the configuration, and gp-shown or
    gp-implied (whether CPUID can show a guest fewer general counters). Where
    the runner cannot know, both: a line that depends on it does not run."""
    fewer = _pmu(config, cmdline)[1]
    tags = {config}
    if fewer is not False:
        tags.add("gp-shown")
    if fewer is not True:
        tags.add("gp-implied")
    return tags


# The configurations that boot pmuvisor (tests/run --config).
HYPERVISOR_CONFIGS = sorted(c for c, cfg in CONFIGS.items() if cfg["media"] != "kernel")

TOOLS = {"qemu": "qemu-system-x86_64", "bochs": "bochs"}


def skip_reason(config):
    """Why a configuration cannot run on this machine, or None."""
    cfg = CONFIGS[config]
    if not shutil.which(TOOLS[cfg["kind"]]):
        return f"{TOOLS[cfg['kind']]} is not installed"
    if cfg["media"] == "esp" and not os.path.exists(os.path.join(BUILD, "pmuvisor.efi")):
        return "no UEFI image (build/pmuvisor.efi) is built yet"
    if cfg.get("accel") == "kvm":
        if not os.access("/dev/kvm", os.R_OK | os.W_OK):
            return "no usable /dev/kvm"
        flags = open("/proc/cpuinfo").read()
        if not re.search(r"^flags\s*:.*\b(vmx|svm)\b", flags, re.M):
            return "/dev/kvm exists but the host CPU offers no VT-x/AMD-V to nest"
    return None
