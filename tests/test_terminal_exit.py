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

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from terminal_exit_support import (
    EXIT_BOUND,
    Dashboard,
    Pty,
    assert_no_traceback,
    assert_terminal_restored,
    config_file,
    exit_message,
    launcher_command,
    marker_config,
    set_size,
    start_dashboard,
    started_dashboards,  # noqa: F401  (the fixture `dashboards`)
    temporary_home,  # noqa: F401  (the fixture `home`)
)
from waiting import wait_until


def test_app_started_with_stdin_at_eof_leaves_instead_of_spinning(
    home: Path, dashboards: list[Dashboard]
) -> None:
    """Not through the command line's launch check: the driver itself ends the app
    (Textual's own input thread spins on this forever)."""
    config, marker = marker_config(home)
    dashboard = start_dashboard(
        dashboards, [*launcher_command(home), "--app-only", str(config)], stdin=subprocess.DEVNULL
    )
    dashboard.wait_gone(time.monotonic(), timeout=30)
    gone = time.monotonic()
    output = dashboard.pty.final_output()
    assert dashboard.process.returncode == 129
    assert_terminal_restored(output)
    assert_no_traceback(output)
    assert "the terminal went away (stdin reached end of file)" in exit_message(output)
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
    config, marker = marker_config(home)
    keyboard = Pty()
    try:
        dashboard = start_dashboard(
            dashboards,
            [*launcher_command(home), "--config", str(config)],
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
    assert exit_message(output) == (
        "oncall-tui: the terminal went away (stdin reached end of file); exiting"
    )
    assert marker.read_text() == "closed"


def test_controlling_terminal_closing_ends_the_app(home: Path, dashboards: list[Dashboard]) -> None:
    """The whole terminal goes: SIGHUP from the kernel, every write fails with EIO."""
    config, marker = marker_config(home)
    dashboard = start_dashboard(dashboards, [*launcher_command(home), "--config", str(config)])
    dashboard.wait_drawn()
    began = time.monotonic()
    dashboard.pty.hang_up()
    elapsed = dashboard.wait_gone(began)
    assert elapsed < EXIT_BOUND, f"took {elapsed:.2f} s"
    assert dashboard.process.returncode == 129
    assert marker.read_text() == "closed"


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)]
)
def test_signal_restores_the_terminal_and_closes_the_engine(
    home: Path, dashboards: list[Dashboard], signum: int, code: int
) -> None:
    config, marker = marker_config(home)
    dashboard = start_dashboard(dashboards, [*launcher_command(home), "--config", str(config)])
    dashboard.wait_drawn()
    began = time.monotonic()
    dashboard.process.send_signal(signum)
    elapsed = dashboard.wait_gone(began)
    output = dashboard.pty.final_output()
    assert elapsed < EXIT_BOUND, f"took {elapsed:.2f} s"
    assert dashboard.process.returncode == code
    assert_terminal_restored(output)
    assert_no_traceback(output)
    assert exit_message(output) == ""
    assert marker.read_text() == "closed", "the engine did not close its plugins"


def test_a_plugin_that_will_not_close_does_not_hold_up_sigterm(
    home: Path, dashboards: list[Dashboard]
) -> None:
    config, marker = marker_config(home, stubborn=True)
    dashboard = start_dashboard(dashboards, [*launcher_command(home), "--config", str(config)])
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
    config, _ = marker_config(home, stubborn=True)
    dashboard = start_dashboard(dashboards, [*launcher_command(home), "--config", str(config)])
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


def test_resize_storm_leaves_the_board_alive_and_responsive(
    home: Path, dashboards: list[Dashboard]
) -> None:
    config = config_file(home)
    dashboard = start_dashboard(
        dashboards, [sys.executable, "-m", "oncall_tui", "--config", str(config)]
    )
    dashboard.wait_drawn()
    master = dashboard.pty.master
    for _ in range(150):
        for rows, cols in ((1, 1), (200, 400), (2, 3), (24, 80)):
            set_size(master, rows, cols)  # the kernel sends SIGWINCH to the board
            time.sleep(0.002)  # the storm's pace: time passing is the scenario
    set_size(master, 30, 100)
    time.sleep(1.0)  # the storm's aftermath: the board gets a second to choke on it
    assert dashboard.process.poll() is None, dashboard.tail()
    # Responsive: a resize after the storm is drawn, then ctrl+q quits cleanly.
    before = len(dashboard.pty.output)
    set_size(master, 40, 120)
    wait_until(lambda: len(dashboard.pty.output) > before, what="a repaint after the storm")
    time.sleep(0.3)  # the repaint under way completes: ctrl+q mid-frame is the next test
    began = time.monotonic()
    os.write(master, b"\x11")  # ctrl+q
    elapsed = dashboard.wait_gone(began)
    output = dashboard.pty.final_output()
    assert elapsed < EXIT_BOUND, f"took {elapsed:.2f} s"
    assert dashboard.process.returncode == 0
    assert_terminal_restored(output)
    assert_no_traceback(output)


TEN_K_TITLE = "10k board"
"""Short: beside the 10k board's counts a longer title is cut at 120 columns."""
TEN_K_DEMO = f"""
title = "{TEN_K_TITLE}"
refresh = "1s"

[sources.demo]
plugin = "demo"
services = 3000
rules = 5000
dependencies = 2000
incident = "none"
change_rate = 0.1
"""
"""The demo at the per-source cap of 10,000 signals."""

SYNC_QUERY = b"\x1b[?2026$p"
SYNC_SUPPORTED = b"\x1b[?2026;2$y"
"""Textual asks whether the terminal can hold a frame back until it is whole (mode
2026, as kitty, WezTerm, iTerm2 and foot can); told yes, it brackets every frame."""
FRAME_START, FRAME_END = b"\x1b[?2026h", b"\x1b[?2026l"
PTY_HOLDS = 24 * 1024
"""More than a pty takes in before its writer blocks (~19 KB on Linux)."""


def test_ctrl_q_in_the_middle_of_a_big_frame_leaves_and_restores(
    home: Path, dashboards: list[Dashboard]
) -> None:
    """The 10k board maximised to 300x100 on a terminal that falls behind (a slow
    link): ctrl+q comes while the repaint is being written, its writer blocked. The
    app leaves within the bound, and it finishes and closes that frame before it
    hands the terminal back (a terminal left inside a frame shows nothing more)."""
    config, marker = marker_config(home, config=TEN_K_DEMO)
    dashboard = start_dashboard(dashboards, [*launcher_command(home), "--config", str(config)])
    pty = dashboard.pty
    wait_until(lambda: SYNC_QUERY in pty.output, what="Textual's question about mode 2026")
    os.write(pty.master, SYNC_SUPPORTED)
    dashboard.wait_drawn(title=TEN_K_TITLE)
    # The terminal stops reading at the repaint's first line (its clock past column 200).
    pty.pause_on(re.compile(rb"\x1b\[[0-9]+;2[0-9][0-9]H"))
    set_size(pty.master, 100, 300)  # the kernel sends SIGWINCH to the board
    wait_until(lambda: pty.paused, what="the 300x100 repaint")
    paused_at = len(pty.output)
    began = time.monotonic()
    os.write(pty.master, b"\x11")  # ctrl+q
    # The app is leaving (its engine closed) while the frame is still being written.
    wait_until(marker.exists, EXIT_BOUND, what="the engine to close")
    assert dashboard.process.poll() is None, "gone without writing the rest of its frame"
    pty.resume()
    elapsed = dashboard.wait_gone(began)
    output = pty.final_output()
    start, end = output.rfind(FRAME_START, 0, paused_at), output.find(FRAME_END, paused_at)
    assert start > output.rfind(FRAME_END, 0, paused_at), "paused between frames"
    assert end > 0, "the frame under way was never closed"
    assert end - paused_at > PTY_HOLDS, f"{end - paused_at} B left: the writer never blocked"
    assert elapsed < EXIT_BOUND, f"took {elapsed:.2f} s"
    assert dashboard.process.returncode == 0
    assert_terminal_restored(output)  # 2026 included: the last frame was closed
    assert_no_traceback(output)
