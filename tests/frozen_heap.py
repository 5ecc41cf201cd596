"""Keep a full collection of the test worker's heap out of a measured span.

A pytest worker holds the objects of every test it ran before. A full collection walks
all of them (0.27 s of CPU over 390,000 objects after three UI test files; 0.3-0.8 s
of wall time in a full run on 2 cores), and it runs inside whatever allocation sets it
off: in a timed span, it is charged to the code the test measures. Frozen
(`gc.freeze`), what the worker held before the span is left out of every walk; what is
made during the span is still walked, so the garbage of the code under test costs
what it costs. The board freezes its own start-up heap the same way (ui/heap.py).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

_depth = 0
"""Spans open now: `gc.unfreeze` thaws everything, so only the outermost span does."""


def freeze_heap() -> None:
    """Collect what is garbage now (outside the span), then freeze the rest."""
    global _depth
    if _depth == 0:
        gc.collect()
        gc.freeze()
    _depth += 1


def thaw_heap() -> None:
    """End a span begun with `freeze_heap`: the worker's heap is walked as before."""
    global _depth
    _depth -= 1
    if _depth == 0:
        gc.unfreeze()


@contextmanager
def frozen_heap() -> Iterator[None]:
    """A span whose collections walk only what was made inside it."""
    freeze_heap()
    try:
        yield
    finally:
        thaw_heap()


def cpu_seconds(work: Callable[[], T]) -> tuple[T, float]:
    """`work`'s result and the CPU seconds this thread spent on it, the worker's heap
    frozen: what the code costs, neither the machine's load (time off the CPU is not
    counted) nor a collection of earlier tests' objects."""
    with frozen_heap():
        started = time.thread_time()
        result = work()
        return result, time.thread_time() - started
