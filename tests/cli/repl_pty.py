# SPDX-License-Identifier: GPL-2.0-or-later
"""Drives the interactive REPL through a real pseudo-terminal (tests/cli/repl.sh).

Completion of a nested field, Ctrl-C stopping a poll while the session goes
on, Ctrl-C at the prompt dropping the line, Ctrl-D leaving, the history file.
Every wait has a generous deadline so that it holds under valgrind.
"""
import os
import pty
import re
import select
import signal
import sys
import time

BIN = os.environ["BIN"]
DEADLINE = 60.0


class Term:
    def __init__(self, argv):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvp(argv[0], argv)
        self.buf = b""

    def send(self, text):
        os.write(self.fd, text.encode())

    def expect(self, pattern, what):
        """Reads until pattern (a regex on the raw bytes) appears after what was consumed."""
        rx = re.compile(pattern.encode())
        end = time.monotonic() + DEADLINE
        while True:
            m = rx.search(self.buf)
            if m:
                self.buf = self.buf[m.end():]
                return m
            left = end - time.monotonic()
            if left <= 0:
                fail(f"{what}: no {pattern!r} in {self.buf[-400:]!r}")
            r, _, _ = select.select([self.fd], [], [], left)
            if r:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:
                    data = b""
                if not data:
                    fail(f"{what}: the program ended; last output {self.buf[-400:]!r}")
                self.buf += data

    def wait(self):
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            try:
                if select.select([self.fd], [], [], 0.1)[0]:
                    os.read(self.fd, 4096)
            except OSError:
                pass
        os.kill(self.pid, signal.SIGKILL)
        fail("the program did not exit")


def fail(msg):
    print(f"repl_pty: {msg}")
    sys.exit(1)


PROMPT = r"iodbg> "
t = Term([BIN, "-q"])
t.expect(PROMPT, "first prompt")
t.send("load cli\r")
t.expect(PROMPT, "load")
t.send("attach sim:256\r")
t.expect(PROMPT, "attach")
t.send("view r = struct regs @ sim0\r")
t.expect(PROMPT, "view")
t.send("r.cmdq[1].tail = 7\r")
t.expect(PROMPT, "assignment")

# Tab completes a field two levels down, after an index
t.send("p r.cmdq[1].ta\t")
t.expect(r"r\.cmdq\[1\]\.tail", "completion of a nested field")
t.send("\r")
t.expect(r"r\.cmdq\[1\]\.tail = 0x7\r\n", "the completed line runs")
t.expect(PROMPT, "prompt after print")

# Tab on a command name
t.send("expl\t")
t.expect(r"explain ", "completion of a command")
t.send("r.magic\r")
t.expect(r"R32 sim0\+0x0\r\n", "explain output")
t.expect(PROMPT, "prompt after explain")

# Ctrl-C stops a poll, not the session
t.send("poll r.magic == 1 timeout 600s\r")
time.sleep(0.5)
t.send("\x03")
t.expect(r"error: interrupted", "Ctrl-C during poll")
t.expect(PROMPT, "prompt after the interrupted poll")
t.send("p 20 + 22\r")
t.expect(r"20\+22 = 42 \(0x2a\)", "the session goes on")
t.expect(PROMPT, "prompt after print")

# Ctrl-C at the prompt drops the line
t.send("p 999")
t.expect(r"p 999", "echo of the typed line")
t.send("\x03")
t.expect(PROMPT, "a new prompt after Ctrl-C")
t.send("p 5\r")
t.expect(r"[\r\n]5 = 5 \(0x5\)", "the dropped line did not run")
t.expect(PROMPT, "prompt")

t.send("quit\r")
status = t.wait()
if status != 1:
    fail(f"exit status {status}: the interrupted poll failed, so 1 is due")

hist = os.path.join(os.environ["XDG_STATE_HOME"], "iodbg", "history")
st = os.stat(hist)
if st.st_mode & 0o777 != 0o600:
    fail(f"history mode {oct(st.st_mode & 0o777)}")
lines = open(hist).read().splitlines()
if "p 20 + 22" not in lines or "p 999" in lines:
    fail(f"history holds {lines}")

# Ctrl-D leaves with 0 when nothing failed; the history is read back
t = Term([BIN, "-q"])
t.expect(PROMPT, "second prompt")
t.send("\x1b[A")
t.expect(r"quit", "history recalled with the up arrow")
t.send("\x15")          # Ctrl-U: clear the recalled line
t.send("\x04")
status = t.wait()
if status != 0:
    fail(f"Ctrl-D exit status {status}")
# The demo, as the tour starts it, typed with Tab: a nested field of the
# device's memory completes, the firmware answers while the prompt waits.
t = Term([BIN, "-q", "demo"])
t.expect(PROMPT, "demo prompt")
t.send("views\r")
t.expect(r"gsp = struct gsp_demo @ sim0\+0x0", "views in the demo")
t.expect(PROMPT, "prompt after views")
t.send("p gsp.cmdq[3].he\t")
t.expect(r"gsp\.cmdq\[3\]\.head", "completion of a field of the demo's memory")
t.send("\r")
t.expect(r"gsp\.cmdq\[3\]\.head = 0x0", "the completed line runs")
t.expect(PROMPT, "prompt")
t.send("gsp.cmdq[3].head = 2\r")
t.expect(PROMPT, "prompt after queueing")
# nothing typed: the idle prompt lets the firmware consume both commands
time.sleep(0.5)
t.send("p gsp.cmdq[3].tail\r")
t.expect(r"gsp\.cmdq\[3\]\.tail = 0x2", "the firmware worked while the prompt waited")
t.expect(PROMPT, "prompt")
t.send("quit\r")
if t.wait() != 0:
    fail("demo exit status")
print("repl_pty: ok")
