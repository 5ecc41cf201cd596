"""The real `oncall-tui` in a real pseudo-terminal, for the tests of how it leaves: a
pty it can be started in and read back from byte by byte, a dashboard on the demo with
HOME and XDG_CONFIG_HOME in a temporary directory (so no user config is read), and
what a restored terminal looks like."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from waiting import WaitTimeout, wait_until

EXIT_BOUND = 2.0
"""The contract: gone within 2 s of being told to go, or of the terminal going away."""

TITLE = "terminal-exit test"

CONFIG = f"""
title = "{TITLE}"
refresh = "200ms"

[sources.demo]
plugin = "demo"
services = 4
rules = 4
dependencies = 2
"""

# A plugin that shows whether the engine closed it, registered in-process the way a
# third party's is found, then the real command line. `--app-only` runs the app
# without the command line's launch check, as any other entry point might.
LAUNCHER = """
import asyncio, sys
from pathlib import Path
from oncall_tui.core.sources.contract import Plugin, PluginConfig
from oncall_tui.core.sources.registry import default_registry

class MarkerConfig(PluginConfig):
    marker: str
    stubborn: bool = False

class MarkerPlugin(Plugin[MarkerConfig]):
    Config = MarkerConfig

    def kinds(self):
        return frozenset({"health"})

    async def collect(self):
        return []

    async def aclose(self):
        await asyncio.sleep(0.1)  # a close that takes a moment: the plugin's work
        Path(self.config.marker).write_text("closed")
        while self.config.stubborn:
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                pass

default_registry.register("marker", MarkerPlugin)
if sys.argv[1] == "--app-only":
    from oncall_tui.core.config.loader import load_config
    from oncall_tui.core.engine import Engine
    from oncall_tui.ui.app import OncallApp

    app = OncallApp(Engine(load_config(Path(sys.argv[2]))))
    app.run()
    sys.exit(app.return_code or 0)
from oncall_tui.cli import main
sys.exit(main(sys.argv[1:]))
"""

# What a shell expects of the terminal after any full-screen program: mode -> last
# setting. Mouse: 1000 clicks, 1003 any motion, 1006 SGR, 1015 urxvt, 1016 pixels.
SHELL_MODES = {
    1049: "l",  # main screen, not the alternate one
    25: "h",  # cursor visible
    7: "h",  # autowrap
    1000: "l",
    1003: "l",
    1006: "l",
    1015: "l",
    1016: "l",
    1004: "l",  # focus reports
    2004: "l",  # bracketed paste
    2026: "l",  # synchronized output ended: a terminal left in it stops showing updates
}

PRIVATE_MODE = re.compile(rb"\x1b\[\?([0-9;]+)([hl])")


def set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _take_terminal() -> None:
    """In the child, after setsid: make the pty on fd 0 its controlling terminal, so
    the kernel sends SIGWINCH on resize and SIGHUP on hang-up, as a login's does."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Pty:
    """One pseudo-terminal; a thread keeps reading what the program writes to it, as
    a terminal emulator does (a full pty buffer would block the program)."""

    def __init__(self, rows: int = 40, cols: int = 120) -> None:
        self.master, self.slave = os.openpty()
        set_size(self.master, rows, cols)
        self._output = bytearray()
        self.first_output_at: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reading = threading.Event()
        self._reading.set()
        self._pause_at: tuple[re.Pattern[bytes], int] | None = None
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            if not self._reading.wait(0.05):
                continue
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                chunk = os.read(self.master, 65536) if ready else None
            except OSError:  # EIO: every slave side is closed and all was read
                return
            if chunk == b"":
                return
            if chunk:
                with self._lock:
                    self._output += chunk
                    if self.first_output_at is None:
                        self.first_output_at = time.monotonic()
                    if self._pause_at and self._pause_at[0].search(self._output, self._pause_at[1]):
                        self._pause_at = None
                        self._reading.clear()

    def pause_on(self, pattern: re.Pattern[bytes]) -> None:
        """Stop reading once `pattern` shows in what comes from now on, as a terminal
        on a slow link falls behind: the program's writes then block (a pty holds a
        few KB) until `resume`."""
        with self._lock:
            self._pause_at = (pattern, len(self._output))

    @property
    def paused(self) -> bool:
        return not self._reading.is_set()

    def resume(self) -> None:
        self._reading.set()

    @property
    def output(self) -> bytes:
        """What was read so far, while the program runs."""
        with self._lock:
            return bytes(self._output)

    def final_output(self) -> bytes:
        """Everything the program wrote, once it is gone: read up to the end (the
        reader stops when the last slave side closes)."""
        self.close_slave()
        self._reader.join(10)
        return self.output

    def close_slave(self) -> None:
        if self.slave >= 0:
            os.close(self.slave)
            self.slave = -1

    def hang_up(self) -> None:
        """Close the master side: what sshd does when the client is gone."""
        self._stop_reading()
        if self.master >= 0:
            os.close(self.master)
            self.master = -1

    def _stop_reading(self) -> None:
        # Before the descriptor is closed, so the reader never sees its number reused.
        self._stop.set()
        self._reader.join(5)

    def close(self) -> None:
        self.close_slave()
        self.hang_up()


@pytest.fixture(name="home")
def temporary_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(name, str(tmp_path))
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def config_file(home: Path, extra: str = "", config: str = CONFIG) -> Path:
    path = home / "config.toml"
    path.write_text(config + extra)
    return path


def marker_config(home: Path, *, stubborn: bool = False, config: str = CONFIG) -> tuple[Path, Path]:
    """`config` and a plugin that writes "closed" to the returned file when the
    engine closes it (see LAUNCHER)."""
    marker = home / "closed.txt"
    extra = (
        f'\n[sources.mark]\nplugin = "marker"\nmarker = "{marker}"\n'
        f"stubborn = {'true' if stubborn else 'false'}\n"
    )
    return config_file(home, extra, config), marker


def launcher_command(home: Path) -> list[str]:
    path = home / "launch.py"
    path.write_text(LAUNCHER)
    return [sys.executable, str(path)]


class Dashboard:
    """The real dashboard in a pty of its own, stdin included unless given another."""

    def __init__(
        self, command: list[str], *, stdin: int | None = None, ignore_sighup: bool = False
    ) -> None:
        self.pty = Pty()

        def prepare() -> None:
            if stdin is None:
                _take_terminal()
            # As a terminal's shell starts it: a suite run in the background (`&`
            # without job control) ignores SIGINT, one run under `nohup` SIGHUP, and
            # the board would inherit that.
            for signum in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
                signal.signal(signum, signal.SIG_DFL)
            if ignore_sighup:
                signal.signal(signal.SIGHUP, signal.SIG_IGN)

        self.process = subprocess.Popen(
            command,
            stdin=self.pty.slave if stdin is None else stdin,
            stdout=self.pty.slave,
            stderr=self.pty.slave,
            start_new_session=True,
            preexec_fn=prepare,
        )
        self.pty.close_slave()

    def wait_drawn(self, timeout: float = 30, title: str = TITLE) -> None:
        """Until the board shows its title, and has drawn twice more after that (the
        next collections, 200 ms apart: the app is running, not just starting)."""

        def written(size: int = 0) -> int:
            if self.process.poll() is not None:
                pytest.fail(f"the board never drew (exit {self.process.poll()}): {self.tail()}")
            output = self.pty.output
            return len(output) if title.encode() in output and len(output) > size else 0

        drawn = wait_until(written, timeout, what=f"the board to draw: {self.tail()}")
        for _ in range(2):
            drawn = wait_until(lambda n=drawn: written(n), timeout, what="the board to draw again")

    def wait_gone(self, since: float, timeout: float = 10) -> float:
        """Seconds from `since` to the process exiting (waits longer than the bound, so
        a failure says by how much)."""
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {timeout:g} s later: {self.tail()}")
        return time.monotonic() - since

    def tail(self) -> str:
        return repr(self.pty.output[-600:])

    def close(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.pty.close()


@pytest.fixture(name="dashboards")
def started_dashboards() -> Iterator[list[Dashboard]]:
    started: list[Dashboard] = []
    yield started
    for dashboard in started:
        dashboard.close()


def start_dashboard(
    dashboards: list[Dashboard],
    command: list[str],
    stdin: int | None = None,
    ignore_sighup: bool = False,
) -> Dashboard:
    dashboard = Dashboard(command, stdin=stdin, ignore_sighup=ignore_sighup)
    dashboards.append(dashboard)
    return dashboard


def assert_terminal_restored(output: bytes) -> None:
    """Every mode is left the way a shell expects, and nothing is drawn after the
    program left the alternate screen but mode settings (and, optionally, one line
    of text)."""
    assert b"\x1b[?1049h" in output, "never entered the alternate screen"
    last: dict[int, str] = {}
    for match in PRIVATE_MODE.finditer(output):
        for number in match.group(1).split(b";"):
            last[int(number)] = match.group(2).decode()
    wrong = {mode: last[mode] for mode, want in SHELL_MODES.items() if last.get(mode, want) != want}
    assert not wrong, f"modes left switched: {wrong}; tail {output[-300:]!r}"
    for mode in (1049, 25, 7, 1000, 1003, 1006):
        assert mode in last, f"mode {mode} never restored explicitly"
    after = PRIVATE_MODE.sub(b"", output[output.rindex(b"\x1b[?1049l") :])
    assert b"\x1b" not in after, f"drawn after leaving the alternate screen: {after!r}"
    assert after.strip().count(b"\n") == 0, f"more than one line after leaving: {after!r}"


def assert_no_traceback(output: bytes) -> None:
    assert b"Traceback" not in output, output[-2000:]


def exit_message(output: bytes) -> str:
    """The plain text written after the terminal was handed back."""
    tail = output[output.rindex(b"\x1b[?1049l") :]
    return PRIVATE_MODE.sub(b"", tail).decode().strip()


def wait_with_cpu(process: subprocess.Popen[bytes], timeout: float = 30) -> tuple[int, float]:
    """Exit code and CPU seconds (user + system) of a finished child."""

    def ended() -> tuple[int, os.struct_rusage] | None:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        return (status, usage) if pid else None

    try:
        status, usage = wait_until(ended, timeout, what="the app to exit")
    except WaitTimeout:
        process.kill()
        raise
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_utime + usage.ru_stime
