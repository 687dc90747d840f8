"""Emulator command lines (QEMU, Bochs), the QEMU monitor, and the boot loop that
runs one boot and reads its serial line."""
import os
import re
import shutil
import signal
import socket
import subprocess
import time

from . import ROOT, configs, media, suite

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"


def qemu_command(cfg, work, boot_media, serial, cmdline=""):
    cmd = ["qemu-system-x86_64", "-accel", cfg["accel"], "-cpu", cfg["cpu"],
           "-m", cfg.get("mem", "512M"), "-display", "none", "-monitor", "none", "-no-reboot",
           "-serial", f"file:{serial}", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    cmd += cfg.get("extra", [])
    if cfg["media"] == "kernel":
        return cmd + ["-kernel", boot_media, "-append", cmdline]
    if cfg["media"] == "iso":
        return cmd + ["-cdrom", boot_media]
    vars_copy = os.path.join(work, "OVMF_VARS.fd")
    shutil.copy(OVMF_VARS, vars_copy)
    return cmd + ["-machine", "q35",
                  "-drive", f"if=pflash,format=raw,readonly=on,file={OVMF_CODE}",
                  "-drive", f"if=pflash,format=raw,file={vars_copy}",
                  "-drive", f"format=raw,file=fat:rw:{boot_media}"]


def bochs_command(cfg, work, iso, serial):
    template = open(os.path.join(ROOT, "tests", "bochs", "bochsrc.in")).read()
    conf = os.path.join(work, "bochsrc")
    with open(conf, "w") as f:
        f.write(template.replace("@MODEL@", cfg["model"]).replace("@ISO@", iso)
                .replace("@SERIAL@", serial).replace("@LOG@", os.path.join(work, "bochs.log")))
    rc = os.path.join(work, "bochs.rc")
    with open(rc, "w") as f:
        f.write("c\nquit\n")  # Debian's Bochs starts in its debugger: continue, then quit
    return ["bochs", "-q", "-f", conf, "-rc", rc]


def prepare(config, cmdline, mods):
    """A fresh work directory, its serial log's path and the emulator command for one boot.
    With pmuvisor, cmdline and mods are its command line and guest modules; for the
    qemu-direct configuration, mods holds the one kernel and cmdline is its command line."""
    cfg = configs.CONFIGS[config]
    work = media.workdir(config, cmdline, mods)
    serial = os.path.join(work, "serial.txt")
    if cfg["media"] == "kernel":
        return work, serial, qemu_command(cfg, work, mods[0][0], serial, cmdline)
    boot_media = media.MAKERS[cfg["media"]](work, cmdline, mods)
    if cfg["kind"] == "bochs":
        return work, serial, bochs_command(cfg, work, boot_media, serial)
    return work, serial, qemu_command(cfg, work, boot_media, serial)


def monitor_socket(work):
    return os.path.join(work, "monitor.sock")


def with_monitor(cmd, work):
    """QEMU with its monitor on a socket in work/, for send_monitor()."""
    i = cmd.index("-monitor")
    return cmd[:i + 1] + [f"unix:{monitor_socket(work)},server,nowait"] + cmd[i + 2:]


def send_monitor(work, command):
    """One monitor command; returns once QEMU has run it (its next prompt came)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(monitor_socket(work))
        s.settimeout(30)
        s.sendall(command.encode() + b"\n")
        seen = b""
        while seen.count(b"(qemu) ") < 2:  # the banner's prompt, then the one after the command
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError(f"QEMU's monitor closed before it ran {command!r}")
            seen += chunk


def read_serial(serial):
    return open(serial, errors="replace").read() if os.path.exists(serial) else ""


def boot(cmd, serial, timeout, work, on_line=None):
    """Runs the emulator until it exits or the serial line says the run ended.
    on_line: (regex, action): action() runs once, when a serial line first matches.
    Returns (exit code, serial lines, seconds to the first hv: line or None,
    seconds in all, whether it timed out)."""
    start = time.monotonic()
    log = open(os.path.join(work, "emulator.out"), "w")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    first_line, ended_at, timed_out = None, None, False
    while proc.poll() is None:
        time.sleep(0.05)
        now = time.monotonic()
        text = read_serial(serial)
        if first_line is None and "hv:" in text:
            first_line = now - start
        if on_line and re.search(on_line[0], text, re.M):
            on_line[1]()
            on_line = None
        if ended_at is None and re.search(r"^hv: exit status=\d+", text, re.M):
            ended_at = now
        if ended_at is not None and now - ended_at > 5:  # the platform did not quit by itself
            break
        if now - start > timeout:
            timed_out = True
            break
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    lines = [l.rstrip("\r") for l in read_serial(serial).split("\n")]
    return proc.returncode, lines, first_line, time.monotonic() - start, timed_out


def boot_kernel(path, kargs, config, extra="", timeout=600):
    """One multiboot1 kernel with its PASS:/FAIL:/SKIP: lines, directly on QEMU
    (qemu-direct) or as pmuvisor's one guest (extra: more pmuvisor keys). Returns a
    dict: results (its result lines), status (its exit status or None), lines, total
    (seconds), timed_out, serial."""
    name = os.path.splitext(os.path.basename(path))[0]
    direct = configs.CONFIGS[config]["media"] == "kernel"
    if direct:
        work, serial, cmd = prepare(config, kargs, [(path, name)])
    else:
        cmdline = suite.hv_cmdline(extra, [dict(name=name, keys="")])
        work, serial, cmd = prepare(config, cmdline, [(path, f"{name} {kargs}".strip())])
    rc, lines, _, total, timed_out = boot(cmd, serial, timeout, work)
    if direct:  # isa-debug-exit: QEMU exits with (status << 1) | 1
        status = (rc >> 1) if rc is not None and rc & 1 else None
        own = [l for l in lines if l]
    else:
        status = suite.guest_status(lines, name)
        own = suite.guest_lines(lines, name)
    return dict(name=name, results=[l for l in own if suite.KERNEL_RESULT.match(l)],
                status=status, lines=lines, total=total, timed_out=timed_out, serial=serial)
