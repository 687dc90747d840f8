"""The Linux guest of make linux (build/linux/): its files and one boot of it under
pmuvisor, for tests/linux/boot and tests/bench."""
import os

from . import BUILD, emulator

KERNEL, INITRD = os.path.join(BUILD, "linux", "vmlinuz"), os.path.join(BUILD, "linux", "initrd.cpio.gz")
ARGS = "console=ttyS0 nokaslr"
MEM_MIB = 256  # the kernel's pref_address + init_size (67 MiB) + the initramfs unpacked
NAME = "vmlinuz"  # the guest's name in pmuvisor's lines


def missing():
    """Why the Linux guest cannot boot (not built), or None."""
    if os.path.exists(KERNEL) and os.path.exists(INITRD):
        return None
    return "no build/linux/vmlinuz and initrd.cpio.gz (make linux builds them)"


def boot(config, mode, timeout):
    """The kernel and initramfs as pmuvisor's one guest in vPMU mode `mode`.
    Returns (serial lines, seconds, timed out, serial log path)."""
    cmdline = (f"log=info guest={NAME} initrd=initrd mem={MEM_MIB} vpmu={mode} "
               f"timeout={int(timeout * 800)}")  # pmuvisor's watchdog ends it first
    work, serial, cmd = emulator.prepare(config, cmdline, [(KERNEL, f"{NAME} {ARGS}"), (INITRD, "initrd")])
    _, lines, _, total, timed_out = emulator.boot(cmd, serial, timeout, work)
    return lines, total, timed_out, serial
