"""Hand-made hostile recordings, and the real `timeline` / `replay` measured on them.

A recording is a file anyone may hand over for a drill or a post-mortem: these are what
an attacker would hand over (bombs of several kinds, wrong values, huge frames), built in
well under a second, and a way to run a command on one while measuring its own peak RSS
(VmHWM, said by the child as it exits) and wall time.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
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
    """Bytes: the child's own peak resident set (VmHWM), from its exec on."""
    seconds: float


PEAK = """
import atexit, runpy, sys

def peak():
    status = open("/proc/self/status").read()
    sys.stderr.write("\\nVmHWM:" + status.split("VmHWM:", 1)[1].split("\\n", 1)[0] + "\\n")

atexit.register(peak)
sys.argv[0] = "oncall-tui"
runpy.run_module("oncall_tui", run_name="__main__", alter_sys=True)
"""
"""`python -m oncall_tui`, saying its own peak RSS (VmHWM) on stderr as it exits.
The kernel's ru_maxrss will not do: the child's count starts from the RSS of the
process that forked it (a pytest worker of hundreds of MiB), kept across exec."""


def measured(*args: str, timeout: float = 120) -> Measured:
    """`oncall-tui args...` in a subprocess, with its peak RSS and wall time."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", PEAK, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"oncall-tui {' '.join(args)} ran over {timeout}s") from None
    seconds = time.monotonic() - started
    stderr, _, peak = err.decode(errors="replace").rpartition("\nVmHWM:")
    return Measured(
        process.returncode,
        out.decode(errors="replace"),
        stderr,
        int(peak.split()[0]) * 1024,
        seconds,
    )


def churn(frames: int = 200, signals: int = 1000) -> bytes:
    """Frames of `signals` signals that all flip between ok and critical every frame:
    the most events, and the most diagnoses, a timeline can be made to do."""
    lines = [HEADER_LINE]
    for number in range(frames):
        status = "critical" if number % 2 else "ok"
        batch = [recorded(f"a/s{i}", float(number), status=status) for i in range(signals)]
        lines.append(frame_line(1001.0 + number, batch))
    return gzip.compress(b"".join(lines), 9, mtime=0)
