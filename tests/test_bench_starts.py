"""Every benchmark still starts: its imports resolve and its options parse.

Benchmarks reach into the core and the test servers, which move as the code is split:
one of them (prometheus_series.py) had been failing at its first import since the core
was split into folders, and nothing ran it. Running each for real takes minutes, so
only its start is checked here (`--help` imports the module and builds its parser);
what each prints is read by whoever runs it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from oncall_cli import proxy_free_env

BENCH = Path(__file__).resolve().parent.parent / "bench"
STARTS_WITHIN = 30.0
"""Seconds for `--help`: 0.05-1.0 s measured (the heaviest import the core and the
demo); 30x, as a loaded machine may be slow to start a process."""


@pytest.mark.parametrize("script", sorted(BENCH.glob("*.py")), ids=lambda path: path.name)
def test_the_benchmark_starts(script: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script), "--help"],
        capture_output=True,
        text=True,
        timeout=STARTS_WITHIN,
        env=proxy_free_env(),
        cwd=BENCH.parent,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
