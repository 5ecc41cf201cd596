"""The real `oncall-tui` in real pseudo-terminals: how it leaves, and what it leaves behind.

Started with stdin at end of file, Textual's input thread span at 100% CPU
forever; SIGTERM and SIGHUP left the terminal in the alternate screen with mouse
tracking on and the cursor hidden. Each test runs the dashboard on the demo (HOME and
XDG_CONFIG_HOME in a temporary directory, so no user config is read), does to it what
a user's terminal would, and reads back every byte it wrote. The one time bound
asserted is the contract's: gone within 2 s (measured: 0.1-0.3 s, see
bench/terminal_exit.py).
"""

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

from oncall_cli import run_oncall, serving
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
}
PRIVATE_MODE = re.compile(rb"\x1b\[\?([0-9;]+)([hl])")


def _set_size(fd: int, rows: int, cols: int) -> None:
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
        _set_size(self.master, rows, cols)
        self._output = bytearray()
        self.first_output_at: float | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._stop.is_set():
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


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(name, str(tmp_path))
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def _config(home: Path, extra: str = "") -> Path:
    path = home / "config.toml"
    path.write_text(CONFIG + extra)
    return path


def _marker_config(home: Path, *, stubborn: bool = False) -> tuple[Path, Path]:
    marker = home / "closed.txt"
    extra = (
        f'\n[sources.mark]\nplugin = "marker"\nmarker = "{marker}"\n'
        f"stubborn = {'true' if stubborn else 'false'}\n"
    )
    return _config(home, extra), marker


def _launcher(home: Path) -> list[str]:
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

    def wait_drawn(self, timeout: float = 30) -> None:
        """Until the board shows its title, and has drawn twice more after that (the
        next collections, 200 ms apart: the app is running, not just starting)."""

        def written(size: int = 0) -> int:
            if self.process.poll() is not None:
                pytest.fail(f"the board never drew (exit {self.process.poll()}): {self.tail()}")
            output = self.pty.output
            return len(output) if TITLE.encode() in output and len(output) > size else 0

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


@pytest.fixture
def dashboards() -> Iterator[list[Dashboard]]:
    started: list[Dashboard] = []
    yield started
    for dashboard in started:
        dashboard.close()


def _start(
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


def _exit_message(output: bytes) -> str:
    """The plain text written after the terminal was handed back."""
    tail = output[output.rindex(b"\x1b[?1049l") :]
    return PRIVATE_MODE.sub(b"", tail).decode().strip()


# -- no terminal at launch -------------------------------------------------------------


@pytest.mark.parametrize("where", ["stdin /dev/null", "stdin closed pipe", "stdout piped"])
def test_without_a_terminal_the_dashboard_says_so_and_exits_2(home: Path, where: str) -> None:
    config = _config(home)
    pty = Pty()
    read_end, write_end = os.pipe()
    try:
        stdin: int = pty.slave
        stdout: int = pty.slave
        if where == "stdin /dev/null":
            stdin = subprocess.DEVNULL
        elif where == "stdin closed pipe":
            os.close(write_end)
            write_end = -1
            stdin = read_end
        else:
            stdout = write_end
        process = subprocess.Popen(
            [sys.executable, "-m", "oncall_tui", "--config", str(config)],
            stdin=stdin,
            stdout=stdout,
            stderr=subprocess.PIPE,
        )
        code, cpu = _wait_with_cpu(process)
        assert process.stderr is not None
        message = process.stderr.read().decode()
    finally:
        pty.close()
        for fd in (read_end, write_end):
            if fd >= 0:
                os.close(fd)
    stream = where.split()[0]
    assert code == 2
    assert message.count("\n") == 1, message
    assert f"needs a terminal, but {stream} is not one" in message
    assert "oncall-tui check" in message
    assert "Traceback" not in message and "\x1b" not in message
    # Its own CPU time, not the wall clock: from launch, the wall clock on a shared
    # machine measures the neighbours (bench/terminal_exit.py has the wall figures).
    assert cpu < EXIT_BOUND, f"used {cpu:.2f} s of CPU"


def _wait_with_cpu(process: subprocess.Popen[bytes], timeout: float = 30) -> tuple[int, float]:
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


def test_headless_commands_run_with_stdin_at_eof(home: Path) -> None:
    config = _config(home)
    for args, codes in ((["check", "--format", "json"], {0, 1, 2, 3}), (["validate"], {0})):
        result = run_oncall(*args, "--config", str(config), stdin=subprocess.DEVNULL)
        assert result.returncode in codes, result.stderr
        assert "needs a terminal" not in result.stderr
        assert result.stdout.strip(), args
    plugins = run_oncall("plugins", stdin=subprocess.DEVNULL)
    assert plugins.returncode == 0 and "demo" in plugins.stdout


def test_serve_does_not_read_stdin(home: Path) -> None:
    """`serve` started with stdin at end of file answers, idle: it never touches stdin
    (a spinning reader would show as ~100% of a core)."""
    import psutil

    config = _config(home)
    with serving(config, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as served:
        assert served.page.status_code == 200
        server = psutil.Process(served.process.pid)
        before, began = sum(server.cpu_times()[:2]), time.monotonic()
        time.sleep(1.0)  # CPU used over an idle second: time passing is the measurement
        share = (sum(server.cpu_times()[:2]) - before) / (time.monotonic() - began)
        assert share < 0.5, f"serve used {share:.0%} of a core while idle"
        assert served.process.poll() is None


# -- the terminal goes away --------------------------------------------------------------


def test_app_started_with_stdin_at_eof_leaves_instead_of_spinning(
    home: Path, dashboards: list[Dashboard]
) -> None:
    """Not through the command line's launch check: the driver itself ends the app
    (Textual's own input thread spins on this forever)."""
    config, marker = _marker_config(home)
    dashboard = _start(
        dashboards, [*_launcher(home), "--app-only", str(config)], stdin=subprocess.DEVNULL
    )
    dashboard.wait_gone(time.monotonic(), timeout=30)
    gone = time.monotonic()
    output = dashboard.pty.final_output()
    assert dashboard.process.returncode == 129
    assert_terminal_restored(output)
    assert_no_traceback(output)
    assert "the terminal went away (stdin reached end of file)" in _exit_message(output)
    assert marker.read_text() == "closed", "the engine did not close its plugins"
    # From the moment it took the terminal (its first byte) to gone.
    assert dashboard.pty.first_output_at is not None
    elapsed = gone - dashboard.pty.first_output_at
    assert elapsed < EXIT_BOUND, f"took {elapsed:.2f} s"


def test_hang_up_without_sighup_ends_the_app(home: Path, dashboards: list[Dashboard]) -> None:
    """stdin is a terminal that hangs up (the SSH client left) while SIGHUP never
    reaches the process (ignored as `nohup` does, and not its controlling terminal):
    the input loop sees the end of file and leaves. Output goes to a second terminal,
    which stays, so it can be read."""
    config, marker = _marker_config(home)
    keyboard = Pty()
    try:
        dashboard = _start(
            dashboards,
            [*_launcher(home), "--config", str(config)],
            stdin=keyboard.slave,
            ignore_sighup=True,
        )
        keyboard.close_slave()
        dashboard.wait_drawn()
        began = time.monotonic()
        keyboard.hang_up()
        elapsed = dashboard.wait_gone(began)
    finally:
        keyboard.close()
    output = dashboard.pty.final_output()
    assert elapsed < EXIT_BOUND, f"took {elapsed:.2f} s"
    assert dashboard.process.returncode == 129
    assert_terminal_restored(output)
    assert_no_traceback(output)
    assert _exit_message(output) == (
        "oncall-tui: the terminal went away (stdin reached end of file); exiting"
    )
    assert marker.read_text() == "closed"


def test_controlling_terminal_closing_ends_the_app(home: Path, dashboards: list[Dashboard]) -> None:
    """The whole terminal goes: SIGHUP from the kernel, every write fails with EIO."""
    config, marker = _marker_config(home)
    dashboard = _start(dashboards, [*_launcher(home), "--config", str(config)])
    dashboard.wait_drawn()
    began = time.monotonic()
    dashboard.pty.hang_up()
    elapsed = dashboard.wait_gone(began)
    assert elapsed < EXIT_BOUND, f"took {elapsed:.2f} s"
    assert dashboard.process.returncode == 129
    assert marker.read_text() == "closed"


# -- told to stop ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)]
)
def test_signal_restores_the_terminal_and_closes_the_engine(
    home: Path, dashboards: list[Dashboard], signum: int, code: int
) -> None:
    config, marker = _marker_config(home)
    dashboard = _start(dashboards, [*_launcher(home), "--config", str(config)])
    dashboard.wait_drawn()
    began = time.monotonic()
    dashboard.process.send_signal(signum)
    elapsed = dashboard.wait_gone(began)
    output = dashboard.pty.final_output()
    assert elapsed < EXIT_BOUND, f"took {elapsed:.2f} s"
    assert dashboard.process.returncode == code
    assert_terminal_restored(output)
    assert_no_traceback(output)
    assert _exit_message(output) == ""
    assert marker.read_text() == "closed", "the engine did not close its plugins"


def test_a_plugin_that_will_not_close_does_not_hold_up_sigterm(
    home: Path, dashboards: list[Dashboard]
) -> None:
    config, marker = _marker_config(home, stubborn=True)
    dashboard = _start(dashboards, [*_launcher(home), "--config", str(config)])
    dashboard.wait_drawn()
    began = time.monotonic()
    dashboard.process.send_signal(signal.SIGTERM)
    elapsed = dashboard.wait_gone(began)
    output = dashboard.pty.final_output()
    assert elapsed < EXIT_BOUND, f"took {elapsed:.2f} s"
    assert dashboard.process.returncode == 143
    assert marker.read_text() == "closed"  # aclose was called, then cut short
    assert_terminal_restored(output)
    assert_no_traceback(output)


def test_second_signal_leaves_at_once(home: Path, dashboards: list[Dashboard]) -> None:
    """The first one asks, the second insists: no waiting for the stubborn plugin.
    Told apart by the exit code: the deadline of the first would exit with 143."""
    config, _ = _marker_config(home, stubborn=True)
    dashboard = _start(dashboards, [*_launcher(home), "--config", str(config)])
    dashboard.wait_drawn()
    dashboard.process.send_signal(signal.SIGTERM)

    def leaving() -> bool:  # the orderly way is under way
        assert dashboard.process.poll() is None, dashboard.tail()
        return b"\x1b[?1049l" in dashboard.pty.output

    wait_until(leaving, what="the alternate screen to be left")
    began = time.monotonic()
    dashboard.process.send_signal(signal.SIGINT)
    elapsed = dashboard.wait_gone(began)
    assert elapsed < EXIT_BOUND, f"took {elapsed:.2f} s"
    assert dashboard.process.returncode == 130
    assert_terminal_restored(dashboard.pty.final_output())


# -- resized like a tiling window manager gone mad ---------------------------------------


def test_resize_storm_leaves_the_board_alive_and_responsive(
    home: Path, dashboards: list[Dashboard]
) -> None:
    config = _config(home)
    dashboard = _start(dashboards, [sys.executable, "-m", "oncall_tui", "--config", str(config)])
    dashboard.wait_drawn()
    master = dashboard.pty.master
    for _ in range(150):
        for rows, cols in ((1, 1), (200, 400), (2, 3), (24, 80)):
            _set_size(master, rows, cols)  # the kernel sends SIGWINCH to the board
            time.sleep(0.002)  # the storm's pace: time passing is the scenario
    _set_size(master, 30, 100)
    time.sleep(1.0)  # the storm's aftermath: the board gets a second to choke on it
    assert dashboard.process.poll() is None, dashboard.tail()
    # Responsive: a resize after the storm is drawn, then ctrl+q quits cleanly.
    before = len(dashboard.pty.output)
    _set_size(master, 40, 120)
    wait_until(lambda: len(dashboard.pty.output) > before, what="a repaint after the storm")
    time.sleep(0.3)  # the repaint under way completes: ctrl+q mid-frame is another test
    began = time.monotonic()
    os.write(master, b"\x11")  # ctrl+q
    elapsed = dashboard.wait_gone(began)
    output = dashboard.pty.final_output()
    assert elapsed < EXIT_BOUND, f"took {elapsed:.2f} s"
    assert dashboard.process.returncode == 0
    assert_terminal_restored(output)
    assert_no_traceback(output)
