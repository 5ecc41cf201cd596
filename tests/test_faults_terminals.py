"""Odd terminals, through the real `oncall-tui` in a real pseudo-terminal.

A terminal that cannot move its cursor, a process stopped and continued behind the
app's back, a terminal that goes away before the last byte is flushed: each is run as a
user's terminal would run it, and every byte written is read back. The bounds asserted
are the contract's (gone within 2 s of being told to go), CPU time (not wall time:
the machine is shared) and raw bytes written.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from pty_app import PtyApp
from terminal_exit_support import CONFIG, TITLE
from waiting import wait_until

KITTY_PUSH = b"\x1b[>"
KITTY_POP = b"\x1b[<u"
STOP_CONTINUE_EXIT = 4.0
"""ctrl+q to gone after two stop/continue cycles: 0.24-0.79 s measured at load 6 on 2
cores, 5x the worst. The contract's 2 s (`EXIT_BOUND`) is held at rest by
tests/test_terminal_exit.py; what this test guards (a second key reader, so that one
ctrl+q did nothing) fails on the exit code, not on the time."""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    environ.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path), TERM="xterm-256color")
    environ.pop("TEXTUAL_DRIVER", None)
    environ.pop("NO_COLOR", None)
    (tmp_path / "config.toml").write_text(CONFIG)
    return environ


def _dashboard(pty_apps: list[PtyApp], env: dict[str, str], *args: str) -> PtyApp:
    config = Path(env["HOME"]) / "config.toml"
    app = PtyApp([sys.executable, "-m", "oncall_tui", "--config", str(config), *args], env)
    pty_apps.append(app)
    return app


def _cpu_seconds(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


@pytest.mark.parametrize("term", ["dumb", "unknown"])
def test_a_dumb_terminal_is_refused_with_a_message_and_exit_2(
    pty_apps: list[PtyApp], env: dict[str, str], term: str
) -> None:
    """Before: the board spun a core at 100% and wrote 117-492 KB/s forever, deaf to
    ctrl+q. A terminal that cannot address its cursor cannot hold a board: one line,
    exit 2, and nothing drawn."""
    env["TERM"] = term
    app = _dashboard(pty_apps, env)
    code = app.wait_exit(30)
    assert code == 2, f"still running or wrong code ({code}): {app.raw[-400:]!r}"
    raw = app.raw
    text = raw.decode(errors="replace")
    assert f"TERM={term}" in text and "oncall-tui check" in text, text
    assert "Traceback" not in text
    # Nothing but the one line (and the pty's CR before its LF): no screen drawn.
    assert b"\x1b" not in raw, raw[:200]
    assert len(raw) < 400, len(raw)


def test_stop_and_continue_keeps_one_key_reader_and_leaves_no_keyboard_mode(
    pty_apps: list[PtyApp], env: dict[str, str]
) -> None:
    """SIGSTOP cannot be caught, so the app never suspended; Textual's SIGCONT handler
    started application mode again on top of the running one: a second key-reading
    thread (each key went to one of two parsers: ctrl+q needed two presses) and a second
    kitty keyboard push that the exit popped only once. Here: one ctrl+q after two
    stop/continue cycles ends the app, and every push is popped."""
    app = _dashboard(pty_apps, env)
    app.wait_for(lambda text: TITLE in text, 60, "the board")
    for _ in range(2):
        os.kill(app.process.pid, signal.SIGSTOP)
        time.sleep(0.2)  # stopped for a while: what the test is about
        os.kill(app.process.pid, signal.SIGCONT)
        time.sleep(0.3)  # running a while between the two stops: the scenario's time
    drawn = len(app.raw)
    wait_until(lambda: len(app.raw) > drawn, 30, what="the board to draw again after SIGCONT")
    app.send(b"\x11")  # ctrl+q, once
    began = time.monotonic()
    code = app.wait_exit(10)
    assert code is not None, "one ctrl+q did not end the app after SIGSTOP/SIGCONT"
    assert time.monotonic() - began < STOP_CONTINUE_EXIT
    raw = app.raw
    assert raw.count(KITTY_PUSH) == 1, f"kitty keyboard pushed {raw.count(KITTY_PUSH)} times"
    assert raw.count(KITTY_POP) == 1, f"kitty keyboard popped {raw.count(KITTY_POP)} times"
    assert raw.rindex(KITTY_POP) < raw.rindex(b"\x1b[?1049l")
    assert b"Traceback" not in raw


def test_sigtstp_suspends_and_sigcont_resumes_once(
    pty_apps: list[PtyApp], env: dict[str, str]
) -> None:
    """The stop a shell sends (SIGTSTP, as ctrl+z in a cooked terminal) still suspends
    properly: the terminal handed back (kitty mode popped, main screen), then taken
    again on SIGCONT, and one ctrl+q ends the app."""
    import psutil

    app = _dashboard(pty_apps, env)
    app.wait_for(lambda text: TITLE in text, 60, "the board")
    os.kill(app.process.pid, signal.SIGTSTP)
    process = psutil.Process(app.process.pid)
    wait_until(lambda: process.status() == psutil.STATUS_STOPPED, 30, what="the app to stop")
    # Written before the stop; read by the pty's reader thread moments later.
    wait_until(lambda: app.raw.count(KITTY_POP) == 1, 30, what="the terminal handed back")
    os.kill(app.process.pid, signal.SIGCONT)
    wait_until(lambda: app.raw.count(KITTY_PUSH) == 2, 30, what="application mode again")
    app.send(b"\x11")
    assert app.wait_exit(10) is not None, "one ctrl+q did not end the resumed app"
    raw = app.raw
    assert raw.count(KITTY_PUSH) == raw.count(KITTY_POP) == 2
    assert b"Traceback" not in raw


STOP_CYCLES = 80
"""Stops while the board repaints: on the old driver one in ~25 hung (80: ~96%)."""


def test_a_stop_while_the_board_repaints_suspends_every_time(
    pty_apps: list[PtyApp], env: dict[str, str]
) -> None:
    """SIGTSTP during a repaint: Textual suspended from inside the signal handler,
    which Python runs wherever the main thread is; inside the writer queue's lock
    (queueing a frame) the suspend's own writes waited on that lock forever. The app
    never stopped and never gave the terminal back. Each stop now suspends, and each
    SIGCONT takes the terminal again."""
    import psutil

    app = _dashboard(pty_apps, env)
    app.wait_for(lambda text: TITLE in text, 60, "the board")
    process = psutil.Process(app.process.pid)
    for cycle in range(STOP_CYCLES):
        for rows, cols in ((40, 120), (41, 121)) * 3:
            app.resize(rows, cols)  # full repaints queued for the writer thread
            time.sleep(0.01)  # the storm's pace: frames are being written when it stops
        os.kill(app.process.pid, signal.SIGTSTP)
        wait_until(lambda: process.status() == psutil.STATUS_STOPPED, 30, what=f"stop {cycle + 1}")
        os.kill(app.process.pid, signal.SIGCONT)
        pushes = cycle + 2  # the start's, and one per resume

        def resumed(pushes: int = pushes) -> bool:
            return app.raw.count(KITTY_PUSH) == pushes

        wait_until(resumed, 30, what=f"resume {cycle + 1}")
    app.send(b"\x11")
    assert app.wait_exit(10) is not None, "one ctrl+q did not end the resumed app"
    raw = app.raw
    assert raw.count(KITTY_PUSH) == raw.count(KITTY_POP) == STOP_CYCLES + 1
    assert b"Traceback" not in raw
