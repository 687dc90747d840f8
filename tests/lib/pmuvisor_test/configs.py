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
CONFIGS = {
    "qemu-bios": dict(kind="qemu", media="iso", cpu="max,+svm", accel="tcg", pmu_gp=4,
                      counts=False),
    # one TSC tick per instruction, deterministic (make bench)
    "qemu-icount": dict(kind="qemu", media="iso", cpu="max,+svm", accel="tcg", pmu_gp=4,
                        counts=False, extra=["-icount", "shift=0,sleep=off"]),
    "qemu-uefi": dict(kind="qemu", media="esp", cpu="max,+svm", accel="tcg", pmu_gp=4,
                      counts=False),
    "bochs-sandy": dict(kind="bochs", media="iso", model="corei7_sandy_bridge_2600k",
                        pmu_gp=8, counts=False),
    "bochs-tigerlake": dict(kind="bochs", media="iso", model="tigerlake", pmu_gp=8,
                            counts=False),
    "bochs-ryzen": dict(kind="bochs", media="iso", model="ryzen", pmu_gp=6, counts=False),
    # VT-x with EPT and VPID but no unrestricted guest (Nehalem): pmuvisor refuses it
    "bochs-lynnfield": dict(kind="bochs", media="iso", model="corei5_lynnfield_750",
                            counts=False),
    "kvm": dict(kind="qemu", media="iso", cpu="host", accel="kvm", counts=True),
    # tests/run --guest K --direct: the kernel alone, with what pmuvisor gives a guest
    # by default (mem=)
    "qemu-direct": dict(kind="qemu", media="kernel", cpu="max", accel="tcg", mem="16M"),
}

# pmuvisor's pmu_profile= PMUs, which replace the emulator's (pmu/pmu_profiles.c).
PROFILE_GP = {"intel-v4": 4, "intel-v5-metrics": 8, "amd-legacy": 4, "amd-core-v2": 6,
              "amd-core": 6}


def platform_facts(config, cmdline):
    """What the runner knows of the platform's PMU, for the guests' KEY=@ arguments:
    host_gp (general counters, under pmuvisor's keys: pmu_profile= replaces the PMU)
    and counts (1 or 0). A fact the runner cannot know (a real CPU) is left out."""
    cfg, facts = CONFIGS[config], {}
    profiles = [k.split("=", 1)[1] for k in cmdline.split() if k.startswith("pmu_profile=")]
    gp = PROFILE_GP.get(profiles[-1]) if profiles else cfg.get("pmu_gp")
    if gp:
        facts["host_gp"] = gp
    if "counts" in cfg:
        facts["counts"] = int(cfg["counts"])
    return facts


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
