"""Work directories and boot media: a GRUB2 ISO (tests/mkiso) or an ESP directory
(boot/efi/mkesp) holding pmuvisor, its command line and its guest modules."""
import hashlib
import os
import shutil
import subprocess

from . import BUILD, ROOT


def workdir(config, cmdline, mods):
    """build/tests/CONFIG-HASH/, emptied: one per boot's inputs."""
    digest = hashlib.sha1(repr((config, cmdline, mods)).encode()).hexdigest()[:10]
    path = os.path.join(BUILD, "tests", f"{config}-{digest}")
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def make_iso(work, cmdline, mods):
    iso = os.path.join(work, "pmuvisor.iso")
    cmd = [os.path.join(ROOT, "tests", "mkiso"), "-o", iso, "--cmdline", cmdline,
           "--elf", os.path.join(BUILD, "pmuvisor.elf")]
    for path, string in mods:
        cmd += ["--module", f"{path}:{string}"]
    subprocess.run(cmd, check=True)
    return iso


def make_esp(work, cmdline, mods):
    esp = os.path.join(work, "esp")
    cmd = [os.path.join(ROOT, "boot", "efi", "mkesp"), esp, cmdline]
    cmd += [f"{path}:{string}" for path, string in mods]
    subprocess.run(cmd, check=True)
    return esp


MAKERS = {"iso": make_iso, "esp": make_esp}
