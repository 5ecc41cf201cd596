"""Runbook files made hostile, through the real dashboard in a pty: Enter on the
selected signal opens its detail, which reads and renders its Markdown runbook.

Before: a runbook that was a FIFO kept the app alive 30 s after ctrl+q (the reading
thread waited for a writer, and the exit waited for the thread); a Markdown table of
2,000 rows took 22 s to appear, then held every key ~20 s (the help screen after `?`:
19.5 s) and the process at 428 MiB. Measured after, on this loaded 2-core machine:
the same runbook appears cut with a note in ~3 s, `?` answers in ~1.6 s (a 10-row
runbook: ~1.4 s), peak 82 MiB.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from oncall_cli import proxy_free_env
from pty_app import PtyApp

KEY_SECONDS = 8.0
"""`?` on top of the largest runbook: ~1.6 s measured under load, 5x."""
PEAK_MIB = 200.0
"""~82 MiB measured (a small runbook: ~68); before, 428 MiB."""
EXIT_SECONDS = 10.0
"""ctrl+q to gone with a FIFO runbook open: 0.7-2.1 s measured at load 25-35 (the
contract's 2 s holds at rest, tests/test_terminal_exit.py); before, 30 s."""


def _table(rows: int) -> str:
    lines = ["# Restart everything", "", "| step | command | owner | note |", "|---|---|---|---|"]
    lines += [
        f"| {i} | `kubectl rollout restart deploy/svc-{i}` | team-{i % 7} | dashboard {i} |"
        for i in range(rows)
    ]
    return "\n".join(lines) + "\n"


def _board(pty_apps: list[PtyApp], home: Path, runbook: str) -> PtyApp:
    config = home / "config.toml"
    config.write_text(
        'title = "runbook test"\n[sources.check]\nplugin = "command"\n'
        'argv = ["sh", "-c", "echo \'CRITICAL - broken\'; exit 2"]\n'
        f'name = "runbook check"\nrunbook = "{runbook}"\ninterval = "1s"\n'
    )
    env = proxy_free_env(HOME=str(home), XDG_CONFIG_HOME=str(home), TERM="xterm-256color")
    app = PtyApp([sys.executable, "-m", "oncall_tui", "--config", str(config)], env)
    pty_apps.append(app)
    app.wait_for(lambda text: "runbook check" in text, 60, "the board")
    app.send(b"\r")  # the launch selection is the one signal: its detail and runbook
    return app


def _peak_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(status.split("VmHWM:", 1)[1].split()[0]) / 1024


def test_a_2000_row_table_is_cut_and_keys_stay_prompt(
    tmp_path: Path, pty_apps: list[PtyApp]
) -> None:
    (tmp_path / "big.md").write_text(_table(2000))
    app = _board(pty_apps, tmp_path, "big.md")
    app.wait_for(lambda text: "deploy/svc-10 " in text, 60, "the runbook's table")
    began = time.monotonic()
    app.send(b"?")
    app.wait_for(lambda text: "Esc closes" in text, 60, "the help screen")
    took = time.monotonic() - began
    assert took < KEY_SECONDS, f"`?` took {took:.1f} s on top of the runbook"
    peak = _peak_mib(app.process.pid)
    assert peak < PEAK_MIB, f"peak {peak:.0f} MiB"
    app.send(b"\x11")
    assert app.wait_exit(10) is not None


def test_a_runbook_that_is_a_fifo_is_refused_and_ctrl_q_leaves_at_once(
    tmp_path: Path, pty_apps: list[PtyApp]
) -> None:
    os.mkfifo(tmp_path / "piped.md")
    app = _board(pty_apps, tmp_path, "piped.md")
    app.wait_for(lambda text: "is a FIFO" in text, 60, "the refusal")
    assert "The runbook file piped.md cannot be read" in app.text
    began = time.monotonic()
    app.send(b"\x11")
    code = app.wait_exit(30)
    took = time.monotonic() - began
    assert code is not None and took < EXIT_SECONDS, f"exit took {took:.1f} s"
