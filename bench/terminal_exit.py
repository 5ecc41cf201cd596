"""How the dashboard leaves when its terminal goes away or it is told to stop.

Runs the real `python -m oncall_tui` on a small demo config (HOME and XDG_CONFIG_HOME
pointed at a temporary directory) and prints one row per scenario:

  devnull     started with stdin at end of file (`</dev/null`), output on a terminal
  pipe        started with stdin a pipe whose writer has already left
  hangup      stdin is a terminal that hangs up once the board is drawn (an SSH client
              that left without SIGHUP reaching the process); output on a second one
  sigterm     SIGTERM once the board is drawn
  sighup      SIGHUP once the board is drawn
  ctrl+q      the normal way out, for comparison

Columns: seconds until the process exited, from launch for devnull and pipe, from the
hang-up, signal or key for the others (`>N`: still running after the window, killed),
CPU of the process over that time (% of one core, and of its busiest thread; startup
included for devnull and pipe), exit code, the terminal modes its output left switched the wrong
way (alternate screen, mouse tracking, hidden cursor, autowrap off, bracketed paste...),
and the last line of plain text it wrote (a message at exit).

Usage: python bench/terminal_exit.py [--window 5] [--only devnull,sigterm]
       [--app dashboard|bare]

`--app bare` runs a minimal Textual clock instead, to show what stock Textual does.
Prints figures; it never passes or fails on them (machines differ).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

CONFIG = """
title = "terminal-exit bench"
refresh = "250ms"

[sources.demo]
plugin = "demo"
"""

BARE_APP = """
from datetime import datetime
from textual.app import App, ComposeResult
from textual.widgets import Static

class Clock(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static("terminal-exit bench", id="clock")

    def on_mount(self) -> None:
        self.set_interval(1, self.tick)

    def tick(self) -> None:
        self.query_one("#clock", Static).update(datetime.now().strftime("%H:%M:%S"))

Clock().run()
"""

# DEC private modes as a shell prompt expects them after any full-screen program.
EXPECTED = {
    1049: ("l", "alternate screen"),
    25: ("h", "cursor shown"),
    7: ("h", "autowrap"),
    1000: ("l", "mouse 1000"),
    1003: ("l", "mouse 1003"),
    1006: ("l", "mouse SGR 1006"),
    1015: ("l", "mouse 1015"),
    1016: ("l", "mouse pixels 1016"),
    1004: ("l", "focus events"),
    2004: ("l", "bracketed paste"),
}
MODE = re.compile(rb"\x1b\[\?([0-9;]+)([hl])")
READY = b"terminal-exit bench"
ESCAPE = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[0-~])")


def modes_left_wrong(output: bytes) -> list[str]:
    """Modes whose last setting in `output` differs from what a shell expects."""
    last: dict[int, str] = {}
    for match in MODE.finditer(output):
        for number in match.group(1).split(b";"):
            if number:
                last[int(number)] = match.group(2).decode()
    return [name for mode, (want, name) in EXPECTED.items() if mode in last and last[mode] != want]


def last_text_line(output: bytes) -> str:
    """The last line of plain text written outside the alternate screen (a message at
    exit), escape sequences removed; empty if the program never left that screen."""
    entered, _, _ = output.partition(b"\x1b[?1049h")
    _, left, after = output.rpartition(b"\x1b[?1049l")
    text = ESCAPE.sub(b"", after if left else entered).decode(errors="replace")
    lines = [line.strip() for line in text.replace("\r", "\n").splitlines() if line.strip()]
    return lines[-1][:100] if lines else ""


@dataclass
class Row:
    scenario: str
    exit_s: float | None = None
    cpu: tuple[float, float] | None = None
    code: int | None = None
    wrong: list[str] = field(default_factory=list)
    stderr: str = ""


def set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def drain(fds: list[int], sink: dict[int, bytearray], timeout: float) -> None:
    ready, _, _ = select.select(fds, [], [], timeout)
    for fd in ready:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            chunk = b""
        sink[fd] += chunk


class Sampler:
    """CPU of a process and of its busiest thread between two samples."""

    def __init__(self, pid: int) -> None:
        self.proc = psutil.Process(pid)
        self.start = time.monotonic()
        self.first = self._times()
        self.last = self.first
        self.end = self.start

    def _times(self) -> tuple[float, dict[int, float]]:
        times = self.proc.cpu_times()
        threads = {t.id: t.user_time + t.system_time for t in self.proc.threads()}
        return times.user + times.system, threads

    def sample(self) -> None:
        try:
            self.last = self._times()
            self.end = time.monotonic()
        except psutil.Error:
            pass

    def figures(self) -> tuple[float, float] | None:
        wall = self.end - self.start
        if wall < 0.2:
            return None  # too short a window for a meaningful share
        total = 100 * (self.last[0] - self.first[0]) / wall
        busiest = max(
            (t - self.first[1].get(tid, 0.0) for tid, t in self.last[1].items()), default=0.0
        )
        return total, 100 * busiest / wall


def run(scenario: str, command: list[str], env: dict[str, str], window: float) -> Row:
    row = Row(scenario)
    out_master, out_slave = os.openpty()
    set_size(out_master, 40, 120)
    in_master = in_slave = -1
    stdin: int
    pipe_read = -1
    if scenario == "devnull":
        stdin = subprocess.DEVNULL
    elif scenario == "pipe":
        pipe_read, pipe_write = os.pipe()
        os.close(pipe_write)
        stdin = pipe_read
    elif scenario == "hangup":
        in_master, in_slave = os.openpty()
        set_size(in_master, 40, 120)
        stdin = in_slave
    else:
        stdin = out_slave
    outputs: dict[int, bytearray] = {out_master: bytearray()}
    began = time.monotonic()
    process = subprocess.Popen(
        command, stdin=stdin, stdout=out_slave, stderr=out_slave, env=env, start_new_session=True
    )
    for fd in (out_slave, in_slave, pipe_read):
        if fd >= 0:
            os.close(fd)
    sampler = Sampler(process.pid)
    fds = list(outputs)

    def pump_until(deadline: float, done: Callable[[], bool]) -> None:
        while time.monotonic() < deadline and not done():
            drain(fds, outputs, 0.05)
            sampler.sample()

    if scenario not in ("devnull", "pipe"):
        pump_until(began + 15, lambda: READY in outputs[out_master])
        pump_until(time.monotonic() + 1.0, lambda: process.poll() is not None)
        sampler = Sampler(process.pid)
        acted = time.monotonic()
        if scenario == "hangup":
            os.close(in_master)
            in_master = -1
        elif scenario == "sigterm":
            process.send_signal(signal.SIGTERM)
        elif scenario == "sighup":
            process.send_signal(signal.SIGHUP)
        elif scenario == "ctrl+q":
            os.write(out_master, b"\x11")
    else:
        acted = began
    pump_until(acted + window, lambda: process.poll() is not None)
    if process.poll() is None:
        row.exit_s = None
        os.killpg(process.pid, signal.SIGKILL)
    else:
        row.exit_s = time.monotonic() - acted
    row.code = process.wait(10)
    drain(fds, outputs, 0.2)
    row.cpu = sampler.figures()
    output = bytes(outputs[out_master])
    row.wrong = modes_left_wrong(output)
    row.stderr = last_text_line(output)
    for fd in (out_master, in_master):
        if fd >= 0:
            os.close(fd)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=5.0, help="seconds to wait for exit")
    parser.add_argument("--only", help="comma-separated scenarios")
    parser.add_argument("--app", choices=("dashboard", "bare"), default="dashboard")
    args = parser.parse_args()
    scenarios = ["devnull", "pipe", "hangup", "sigterm", "sighup", "ctrl+q"]
    if args.only:
        scenarios = [s for s in scenarios if s in args.only.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp, "config.toml")
        config.write_text(CONFIG)
        env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=tmp, TERM="xterm-256color")
        env.pop("TEXTUAL_DRIVER", None)
        if args.app == "bare":
            command = [sys.executable, "-c", BARE_APP]
        else:
            command = [sys.executable, "-m", "oncall_tui", "--config", str(config)]
        print(f"{args.app}: window {args.window:g} s, 120x40, TERM=xterm-256color")
        print(
            f"{'scenario':<9} {'exit s':>7} {'cpu %':>6} {'thread %':>8} {'code':>5}  "
            "modes left wrong / last text"
        )
        for scenario in scenarios:
            if args.app == "bare" and scenario == "ctrl+q":
                continue
            row = run(scenario, command, env, args.window)
            exit_s = f"{row.exit_s:.2f}" if row.exit_s is not None else f">{args.window:g}"
            wrong = ", ".join(row.wrong) or "none"
            tail = f" / {row.stderr!r}" if row.stderr else ""
            cpu, thread = (f"{x:.1f}" for x in row.cpu) if row.cpu else ("-", "-")
            print(
                f"{row.scenario:<9} {exit_s:>7} {cpu:>6} {thread:>8} {row.code!s:>5}  {wrong}{tail}"
            )


if __name__ == "__main__":
    main()
