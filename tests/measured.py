"""`oncall-tui` run to its end with what it cost: wall seconds and its own peak RSS.

The peak is the process's own high-water mark (VmHWM), written to stderr on exit: the
kernel's `ru_maxrss` for a child would count the large test process it was forked
from. A run that does not end within `timeout` fails the test with what it printed.
"""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from oncall_cli import proxy_free_env

MAIN_WITH_PEAK = """
import atexit, sys
from oncall_tui.cli import main

def peak() -> None:
    # VmHWM: this process's own peak RSS, not the test process it was forked from.
    status = open("/proc/self/status").read()
    sys.stderr.write("\\nVmHWM:" + status.split("VmHWM:", 1)[1].split("\\n", 1)[0] + "\\n")

atexit.register(peak)
raise SystemExit(main(sys.argv[1:]))
"""
"""`oncall-tui` (the same `main`) writing its peak RSS to stderr on exit."""


@dataclass(frozen=True)
class Measured:
    code: int
    stdout: str
    stderr: str
    """What the command wrote to stderr, without the peak line."""
    seconds: float
    peak_mib: float


def run_measured(
    *args: str, timeout: float = 60, env: dict[str, str] | None = None, cwd: Path | None = None
) -> Measured:
    started = time.monotonic()
    try:
        result = subprocess.run(
            [sys.executable, "-c", MAIN_WITH_PEAK, *args],
            capture_output=True,
            text=True,
            errors="replace",
            env=proxy_free_env() if env is None else env,
            cwd=cwd,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"`oncall-tui {' '.join(args)}` still running after {timeout:g} s: {exc}")
    seconds = time.monotonic() - started
    stderr, _, peak = result.stderr.rpartition("\nVmHWM:")
    peak_mib = int(peak.split()[0]) / 1024 if peak else float("nan")
    return Measured(result.returncode, result.stdout, stderr, seconds, peak_mib)
