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
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class BlockingStillRunning(Exception):
    """The source's previous blocking call has not returned yet."""


IDLE_EXIT = 10.0
"""Seconds a source's thread waits for its next call before it ends: a source polling
every few seconds keeps one thread, one that stopped calling leaves none behind."""


class BlockingRunner:
    def __init__(self, name: str) -> None:
        self._name = name
        self._busy = threading.Lock()
        self._calls: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._serving = False
        """A thread is waiting for calls (or running one); guarded by `_lock`."""
        self._lock = threading.Lock()

    async def __call__(self, fn: Callable[[], T]) -> T:
        if not self._busy.acquire(blocking=False):
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
            self._busy.release()
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(settle, result, error)

        self._calls.put(work)
        with self._lock:
            if not self._serving:
                self._serving = True
                name = f"oncall-{self._name}"
                threading.Thread(target=self._serve, name=name, daemon=True).start()
        return await future

    def _serve(self) -> None:
        """Run the calls as they come, until none came for `IDLE_EXIT` seconds."""
        while True:
            try:
                work = self._calls.get(timeout=IDLE_EXIT)
            except queue.Empty:
                with self._lock:
                    # A call put before this check is served; one put after it finds
                    # no thread serving and starts one.
                    if self._calls.empty():
                        self._serving = False
                        return
                continue
            try:
                work()
            except BaseException:  # not the call's (it is handed back): the thread's own
                with self._lock:
                    self._serving = False
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
