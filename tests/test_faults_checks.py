"""A `command` check that starts a daemon in a session of its own, through the real
`oncall-tui check` and `oncall-tui record`.

Before: the daemon escaped the process-group kill, one per run, each outliving the app
(22 after 30 s); one holding the check's stdout also cost every collection the 2 s
reap grace and failed it ("still holds its output open"). Now nothing a check started
outlives the check, and the source's note says it left processes behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from measured import run_measured
from oncall_cli import ONCALL, proxy_free_env
from waiting import wait_until

SECONDS = 15.0
"""`check` answers in ~1.5 s here under load: 5x, and more."""


@pytest.fixture
def marker() -> Iterator[str]:
    """A `sleep` argument no other process has, to find the daemons by; whatever
    survives the test is killed by its pid."""
    value = f"{3000 + uuid.uuid4().int % 1000}.{uuid.uuid4().int % 10**6}"
    yield value
    for process in _daemons(value):
        process.send_signal(signal.SIGKILL)


def _daemons(marker: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if process.info["cmdline"] == ["sleep", marker]:
            found.append(process)
    return found


def _config(tmp_path: Path, marker: str, *, holds_stdout: bool, interval: str = "5s") -> Path:
    redirect = "" if holds_stdout else " >/dev/null 2>&1 </dev/null"
    script = f"setsid sleep {marker}{redirect} & sleep 0.3; echo 'OK - daemon started'; exit 0"
    config = tmp_path / "config.toml"
    config.write_text(
        f'[sources.daemon]\nplugin = "command"\nargv = ["sh", "-c", "{script}"]\n'
        f'interval = "{interval}"\ntimeout = "4s"\n'
    )
    return config


@pytest.mark.parametrize("holds_stdout", [True, False], ids=["holding-stdout", "detached"])
def test_a_daemon_started_by_a_check_does_not_outlive_it_and_is_noted(
    tmp_path: Path, marker: str, holds_stdout: bool
) -> None:
    config = _config(tmp_path, marker, holds_stdout=holds_stdout)
    env = proxy_free_env(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    run = run_measured("check", "--config", str(config), env=env)
    assert run.code == 0, run.stdout + run.stderr
    assert "OK - daemon started" in run.stdout
    assert "daemon (command" in run.stdout and ": ok" in run.stdout, run.stdout
    assert "the check left 1 process running after it ended (killed)" in run.stdout
    assert run.seconds < SECONDS, f"took {run.seconds:.1f} s"
    # Killed with SIGKILL before `check` printed: gone within moments.
    wait_until(lambda: not _daemons(marker), 5, what="the check's daemon to be gone")


def test_a_recording_session_leaves_no_daemon_behind(tmp_path: Path, marker: str) -> None:
    """Collections every 200 ms for 3 s, as the dashboard runs them (`record` is the
    dashboard's collection loop without a terminal): no daemon survives the run, and
    at no point do they pile up."""
    config = _config(tmp_path, marker, holds_stdout=True, interval="200ms")
    env = proxy_free_env(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    out = tmp_path / "run.jsonl"
    peak = 0
    process = subprocess.Popen(
        [*ONCALL, "record", "--config", str(config), "--out", str(out), "--for", "3s"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while process.poll() is None:
            peak = max(peak, len(_daemons(marker)))
            time.sleep(0.1)  # the sampling pace of a peak: time passing is the measurement
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait(30)
    assert process.returncode == 0
    wait_until(lambda: not _daemons(marker), 5, what="every daemon to be gone")
    assert peak <= 1, f"{peak} daemons alive at once"
