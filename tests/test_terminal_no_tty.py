"""The real `oncall-tui` with no terminal: the dashboard says so and exits 2, and the
headless commands and `serve` run with stdin at end of file without reading it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from oncall_cli import run_oncall, serving
from terminal_exit_support import (
    EXIT_BOUND,
    Pty,
    config_file,
    temporary_home,  # noqa: F401  (the fixture `home`)
    wait_with_cpu,
)


@pytest.mark.parametrize("where", ["stdin /dev/null", "stdin closed pipe", "stdout piped"])
def test_without_a_terminal_the_dashboard_says_so_and_exits_2(home: Path, where: str) -> None:
    config = config_file(home)
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
        code, cpu = wait_with_cpu(process)
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


def test_headless_commands_run_with_stdin_at_eof(home: Path) -> None:
    config = config_file(home)
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

    config = config_file(home)
    with serving(config, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as served:
        assert served.page.status_code == 200
        server = psutil.Process(served.process.pid)
        before, began = sum(server.cpu_times()[:2]), time.monotonic()
        time.sleep(1.0)  # CPU used over an idle second: time passing is the measurement
        share = (sum(server.cpu_times()[:2]) - before) / (time.monotonic() - began)
        assert share < 0.5, f"serve used {share:.0%} of a core while idle"
        assert served.process.poll() is None
