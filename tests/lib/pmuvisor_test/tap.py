"""One TAP writer for prove: numbered results with directives, diagnostics, other
TAP streams renumbered into this one, the plan, and the closing summary."""
import re

# a result line: "ok 3 - what # SKIP why", "not ok - what", "ok"
RESULT = re.compile(r"^(not ok|ok)\b\s*(\d+)?\s*-?\s*(.*)$")
PLAN = re.compile(r"^1\.\.(\d+)(?:\s*#\s*(.*))?$")


def skip_all(reason):
    """The whole test file cannot run here."""
    print(f"1..0 # SKIP {reason}", flush=True)
    return 0


class Tap:
    def __init__(self, prefix=""):
        self.prefix, self.n, self.failed, self.skipped = prefix, 0, 0, 0

    def check(self, ok, desc, directive=""):
        self.n += 1
        self.failed += not ok
        self.skipped += directive.upper().startswith("SKIP")
        suffix = f" # {directive}" if directive else ""
        print(f"{'ok' if ok else 'not ok'} {self.n} - {self.prefix}{desc}{suffix}", flush=True)
        return ok

    def diag(self, text):
        for line in str(text).splitlines():
            print(f"# {line}", flush=True)

    def subtest(self, lines, prefix="", other=lambda line: line or None):
        """Another TAP stream's results as results of this one, renumbered, with prefix
        before each description (a result must have its number, or it is another
        line); its plans are dropped, and each other line is printed
        as other(line) returns it (None: not at all; default: as it is, blank lines
        dropped). A stream that skipped whole becomes one skipped result. Returns how
        many results it had."""
        results = 0
        for line in lines:
            r, p = RESULT.match(line), PLAN.match(line)
            if r and r.group(2):
                desc, _, directive = r.group(3).partition(" # ")
                self.check(r.group(1) == "ok", prefix + desc, directive)
                results += 1
            elif p:
                if p.group(1) == "0" and (p.group(2) or "").upper().startswith("SKIP"):
                    self.check(True, prefix + "skipped whole", p.group(2))
            else:
                text = other(line)
                if text is not None:
                    print(text, flush=True)
        return results

    def plan(self):
        print(f"1..{self.n}", flush=True)

    def summary(self, label):
        """The closing lines: the counts and one verdict."""
        self.diag(f"{label}: {self.n} checks, {self.n - self.failed} ok ({self.skipped} of them "
                  f"skipped), {self.failed} not ok")
        self.diag(f"verdict: {'FAIL' if self.failed else 'PASS'}")

    def status(self):
        """The exit status for the script: 1 if any check failed."""
        return 1 if self.failed else 0

