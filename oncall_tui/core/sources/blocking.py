"""Blocking calls of one source, off the event loop, on a thread of its own.

`asyncio.to_thread` shares one small pool with the whole process (DNS lookups
included): a `statvfs` stuck on a dead NFS mount, repeated every poll, fills that pool
and every HTTP source starts failing. Here each source gets one daemon thread at a
time; while its previous call is still stuck, the next one is refused instead of
piling up, and a stuck thread never keeps the process from exiting. The thread waits
for the source's next call (`IDLE_EXIT`) rather than ending after each: starting one
cost ~0.2 ms of CPU per collection, and held the event loop until it ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import queue
import threading
import weakref
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class BlockingStillRunning(Exception):
    """The source's previous blocking call has not returned yet."""


IDLE_EXIT = 10.0
"""Seconds a source's thread waits for its next call before it ends: a source polling
every few seconds keeps one thread, one that stopped calling leaves none behind."""


class _Line:
    """What a runner shares with its thread. Not the runner itself: a plugin that makes
    a runner for one call and drops it must not leave a thread waiting `IDLE_EXIT`
    seconds for calls that can never come (at a 1 s refresh, ten idle threads)."""

    __slots__ = ("calls", "lock", "serving")

    def __init__(self) -> None:
        self.calls: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        """The calls to run; None once the runner is gone."""
        self.lock = threading.Lock()
        self.serving = False
        """A thread is waiting for calls (or running one); guarded by `lock`."""


class BlockingRunner:
    def __init__(self, name: str) -> None:
        self._name = name
        self._busy = threading.Lock()
        self._line = _Line()
        weakref.finalize(self, self._line.calls.put, None)

    async def __call__(self, fn: Callable[[], T]) -> T:
        busy = self._busy
        if not busy.acquire(blocking=False):
            raise BlockingStillRunning(
                f"a previous blocking call of {self._name} is still running (stuck I/O?)"
            )
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        def settle(result: T | None, error: BaseException | None) -> None:
            if future.done():  # the awaiting side gave up (deadline)
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(result)  # type: ignore[arg-type]

        def work() -> None:
            result: T | None = None
            error: BaseException | None = None
            try:
                result = fn()
            except BaseException as exc:  # handed to the awaiting side
                error = exc
            # Free before delivering: the caller may start the next call at once.
            busy.release()
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(settle, result, error)

        line = self._line
        line.calls.put(work)
        with line.lock:
            if not line.serving:
                line.serving = True
                name = f"oncall-{self._name}"
                threading.Thread(target=_serve, args=(line,), name=name, daemon=True).start()
        return await future


def _serve(line: _Line) -> None:
    """Run the calls as they come, until none came for `IDLE_EXIT` seconds or the
    runner is gone."""
    while True:
        try:
            work = line.calls.get(timeout=IDLE_EXIT)
        except queue.Empty:
            with line.lock:
                # A call put before this check is served; one put after it finds
                # no thread serving and starts one.
                if line.calls.empty():
                    line.serving = False
                    return
            continue
        if work is None:  # the runner was dropped: no call can come any more
            return
        try:
            work()
        except BaseException:  # not the call's (it is handed back): the thread's own
            with line.lock:
                line.serving = False
            raise


_collector_lock = threading.Lock()
_collector_paused = 0
_collector_was_enabled = True


def without_cycle_collector(work: Callable[[], T]) -> T:
    """`work()` with Python's cycle collector paused.

    Reading 100,000 series (or alerts) allocates as many small dicts, which refcounting frees; the
    cycle collector, triggered by the sheer count, meanwhile runs a dozen full
    collections of the whole heap, each stopping every thread (the screen's too) for
    up to 100 ms, and finds nothing: parsed JSON has no reference cycles. Paused, the
    worst stall of the screen's loop while 10,000 series are read fell from ~110 ms to
    ~35 ms, and the read took half the time (bench/README.md). Process-wide, so
    counted: it resumes when the last reader is done, as it was before the first.
    Bounded: a read stops at its collection's deadline.
    """
    global _collector_paused, _collector_was_enabled
    with _collector_lock:
        if _collector_paused == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_paused += 1
    try:
        return work()
    finally:
        with _collector_lock:
            _collector_paused -= 1
            if _collector_paused == 0 and _collector_was_enabled:
                gc.enable()
