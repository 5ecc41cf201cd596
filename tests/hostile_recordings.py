"""Hand-made hostile recordings, and the real `timeline` / `replay` measured on them.

A recording is a file anyone may hand over for a drill or a post-mortem: these are what
an attacker would hand over (bombs of several kinds, wrong values, huge frames), built in
well under a second, and a way to run a command on one while measuring its peak RSS and
wall time as the kernel counts them (`os.wait4` on that one child).
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

from bombs import MB, GiB, gzip_bomb

HEADER = {
    "format": "oncall-tui recording",
    "schema": 1,
    "title": "drill",
    "started_at": 1000.0,
    "topology": {},
    "change_window": 600.0,
}
HEADER_LINE = json.dumps(HEADER).encode() + b"\n"


def recorded(key: str, value: object = 1.0, **fields: object) -> dict[str, object]:
    """A well-formed recorded signal, fields overridden by `fields`."""
    return {
        "key": key,
        "kind": "health",
        "name": key,
        "source": key.split("/", 1)[0],
        "component": key,
        "labels": {},
        "unit": "count",
        "value": value,
        "status": "ok",
        "reason": None,
        "summary": "",
        "runbook": None,
        "query": "",
        "thresholds": None,
        "baseline": None,
        "observed_at": 1000.0,
        "changed_at": 1000.0,
        **fields,
    }


def frame_line(at: object, signals: list[object] | None = None, **fields: object) -> bytes:
    frame = {"t": at, "signals": signals or [], "gone": [], "sources": [], **fields}
    return json.dumps(frame).encode() + b"\n"


def second_member_bomb() -> bytes:
    """A small valid recording, then a second gzip member of 1 GiB of spaces."""
    first = gzip.compress(HEADER_LINE + frame_line(1001.0, [recorded("a/x")]), mtime=0)
    return first + gzip_bomb(GiB, b"")


def newline_bomb() -> bytes:
    """A header, then 1 GiB of empty lines (one object per line if split naively)."""
    return gzip_bomb(GiB, HEADER_LINE, b"\n")


def tiny_frames_bomb() -> bytes:
    """A header, then 512 MiB of the smallest frame there is, `{"t":1}`."""
    return gzip_bomb(512 * MB, HEADER_LINE, b'{"t":1}\n')


def wide_frames(frames: int = 4, signals: int = 100_000) -> bytes:
    """`frames` frames of `signals` signals of one source (the store keeps 10,000)."""
    lines = [HEADER_LINE]
    for number in range(frames):
        batch = [recorded(f"a/s{i}", float(number)) for i in range(signals)]
        lines.append(frame_line(1001.0 + number, batch))
    return gzip.compress(b"".join(lines), 6, mtime=0)


@dataclass(frozen=True, slots=True)
class Measured:
    returncode: int
    stdout: str
    stderr: str
    peak_rss: int
    """Bytes: the child's own peak resident set (ru_maxrss of that child only)."""
    seconds: float


def measured(*args: str, timeout: float = 120) -> Measured:
    """`oncall-tui args...` in a subprocess, with its peak RSS and wall time."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "oncall_tui", *args],
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        code, peak = wait_measured(process, timeout)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Measured(
            code,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            peak,
            seconds,
        )


def wait_measured(process: subprocess.Popen[bytes], timeout: float) -> tuple[int, int]:
    """Reap `process` with `os.wait4`, which reports that child's own peak RSS (the
    kernel forgets it once `Popen.wait` has reaped it); its session is killed past
    `timeout`, and that fails the test. Returns the exit code and the peak in bytes."""
    timer = threading.Timer(timeout, os.killpg, (process.pid, signal.SIGKILL))
    timer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode == -signal.SIGKILL:
        raise AssertionError(f"{process.args} ran over {timeout}s and was killed")
    return process.returncode, usage.ru_maxrss * 1024


def churn(frames: int = 200, signals: int = 1000) -> bytes:
    """Frames of `signals` signals that all flip between ok and critical every frame:
    the most events, and the most diagnoses, a timeline can be made to do."""
    lines = [HEADER_LINE]
    for number in range(frames):
        status = "critical" if number % 2 else "ok"
        batch = [recorded(f"a/s{i}", float(number), status=status) for i in range(signals)]
        lines.append(frame_line(1001.0 + number, batch))
    return gzip.compress(b"".join(lines), 9, mtime=0)
