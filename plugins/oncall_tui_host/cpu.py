"""CPU busy percentage between two collections.

`psutil.cpu_percent(interval=None)` keeps its previous sample per *thread*, and
`SourceContext.run_blocking` runs each collection on a fresh thread of its own, so
psutil would have no previous sample at all and return a meaningless 0.0 every time.
This meter keeps its own previous sample instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

MIN_WINDOW = 0.2
"""Shortest span a percentage is measured over. The first collection (and a refresh
pressed right after another) waits this long, off the event loop, rather than report a
bogus 0% or 100% from a few jiffies."""


class _Sample(NamedTuple):
    busy: float
    total: float
    at: float


def _sample(times: Any, at: float) -> _Sample:
    # Guest time is already counted in user time on Linux; counting it twice would
    # overstate busy time on hypervisors.
    total = sum(times) - getattr(times, "guest", 0.0) - getattr(times, "guest_nice", 0.0)
    idle = times.idle + getattr(times, "iowait", 0.0)
    return _Sample(busy=total - idle, total=total, at=at)


def _cpu_times() -> Any:
    from oncall_tui_host.probe import psutil_module

    return psutil_module().cpu_times()


class CpuMeter:
    """Busy percentage of all CPUs since the previous reading. Blocking: call it through
    `SourceContext.run_blocking`."""

    def __init__(
        self,
        read_times: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """The defaults read this machine; tests pass fakes to control time and load."""
        self._read_times = read_times or _cpu_times
        self._clock = clock
        self._sleep = sleep
        self._last: _Sample | None = None
        # `run_blocking` already refuses a call while the previous one still runs; the
        # lock keeps `_last` consistent for any other caller (tests, a second thread).
        self._lock = threading.Lock()

    def start(self) -> None:
        """Take the first sample now, when the source is built, so the window the first
        reading needs runs while the rest of start-up does (`check` then waits
        `MIN_WINDOW` less whatever came between) instead of after it."""
        with self._lock:
            if self._last is None:
                self._last = self._sample()

    def _sample(self) -> _Sample:
        return _sample(self._read_times(), self._clock())

    def busy_percent(self) -> float:
        with self._lock:
            last = self._last or self._sample()
            wait = MIN_WINDOW - (self._clock() - last.at)
            if wait > 0:
                self._sleep(wait)
            now = self._sample()
            self._last = now
        total = now.total - last.total
        if total <= 0:  # counters did not advance (or went backwards after a suspend)
            return 0.0
        # One decimal, as psutil reports it: float noise like 5e-11 is not information.
        return round(min(100.0, max(0.0, (now.busy - last.busy) / total * 100.0)), 1)
