"""CPU busy percentage between two collections.

`psutil.cpu_percent(interval=None)` keeps its previous sample per *thread*, and
`SourceContext.run_blocking` runs each collection on a fresh thread of its own, so
psutil would have no previous sample at all and return a meaningless 0.0 every time.
This meter keeps its own previous sample instead.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

MIN_WINDOW = 0.1
"""Shortest span a percentage is measured over. The first collection (and a refresh
pressed right after another) waits for what is left of it, off the event loop, rather
than report a bogus 0% or 100% from a few jiffies. 0.1 s is psutil's own advice for
`cpu_percent`: at 100 ticks a second, 10 ticks per CPU (5% steps on two CPUs, finer on
more), enough to tell a busy host from an idle one against limits of 80 and 95%."""


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


class ProcStatTimes(NamedTuple):
    """The `cpu` line of /proc/stat in seconds: the fields and the arithmetic of
    `psutil.cpu_times()` on Linux, so a sample of either compares with the other."""

    user: float = 0.0
    nice: float = 0.0
    system: float = 0.0
    idle: float = 0.0
    iowait: float = 0.0
    irq: float = 0.0
    softirq: float = 0.0
    steal: float = 0.0
    guest: float = 0.0
    guest_nice: float = 0.0


def proc_stat_times(path: str = "/proc/stat") -> ProcStatTimes | None:
    """All CPUs' time counters read from `path` without psutil; None where there is no
    such file (not Linux) or it does not read as one."""
    try:
        with open(path, "rb") as stat:
            words = stat.readline().split()
        tick = os.sysconf("SC_CLK_TCK")
        if not words or words[0] != b"cpu" or tick <= 0:
            return None
        return ProcStatTimes(
            *(int(word) / tick for word in words[1 : 1 + len(ProcStatTimes._fields)])
        )
    except (OSError, ValueError, TypeError):
        return None


OPENING_MAX_AGE = 5.0
"""How old the import-time sample may be and still open a meter's first window."""


def _opening_sample() -> _Sample | None:
    times = proc_stat_times()
    return None if times is None else _sample(times, time.monotonic())


_OPENING = _opening_sample()
"""Taken when the plugin is imported (`check` and the board have the registry import the
configured plugins before anything heavy): a meter built after the config loader and
the engine have loaded has most or all of its first window behind it, so `check` does
not sit out `MIN_WINDOW` at its end. Read from /proc/stat because
importing psutil here would cost `validate` and every run that never reads the CPU."""


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
        self._own_counters = read_times is None
        self._read_times = read_times or _cpu_times
        self._clock = clock
        self._sleep = sleep
        self._last: _Sample | None = None
        # `run_blocking` already refuses a call while the previous one still runs; the
        # lock keeps `_last` consistent for any other caller (tests, a second thread).
        self._lock = threading.Lock()

    def start(self) -> None:
        """Open the first window now, when the source is built (with the sample taken at
        import when this meter reads this machine and that sample is recent), so the
        window the first reading needs runs while the rest of start-up does instead of
        after it."""
        with self._lock:
            if self._last is not None:
                return
            opening = _OPENING if self._own_counters else None
            fresh = opening is not None and self._clock() - opening.at <= OPENING_MAX_AGE
            self._last = opening if fresh else self._sample()

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
