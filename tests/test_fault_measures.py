"""The fault tests' measurements charge the code they watch, not the test worker.

A pytest worker holds the objects and threads of every test it ran before. A full
collection over those objects fell into a fault test's window, and the lag probe
reported a 0.30 s stall of an engine that had done nothing; a thread of an earlier test
ended during another run, and the source's own thread, given its ident, was not
counted as new.
"""

from __future__ import annotations

import gc
import threading

import pytest

from engine_faults import LagProbe, started_since
from waiting import wait_until_async

HELD = 1_000_000
"""Lists the process holds before the probe starts: a full collection over them took
61-62 ms of CPU in this test when charged to the probe, 6x `BOUND`."""
BOUND = 0.01
"""Longest CPU stretch allowed between two probe wakes while a full collection runs:
with the held lists frozen it walks only what was made since: under 1 ms measured."""


async def test_a_full_collection_walks_only_what_was_made_while_probing() -> None:
    held: list[list[int]] = [[] for _ in range(HELD)]
    frozen_before = gc.get_freeze_count()
    probe = LagProbe()
    probe.start()
    try:
        # Counted before the probe's first turn: the count walks the frozen list.
        assert gc.get_freeze_count() >= frozen_before + HELD
        await wait_until_async(lambda: len(probe.stretches) >= 2, what="the probe's wakes")
        woken = len(probe.stretches)
        gc.collect()  # as the collector would, set off by an allocation of the engine's
        # The wake after it closes the stretch that holds the collection.
        await wait_until_async(lambda: len(probe.stretches) > woken, what="a wake after it")
    finally:
        await probe.stop()
    assert gc.get_freeze_count() == 0, "the worker's heap is walked as before once it stops"
    worst = max(probe.stretches)
    assert worst < BOUND, f"a {worst * 1000:.1f} ms stretch: the worker's heap was walked"
    del held


REUSE_TRIES = 50
"""Threads started in place of one just joined before giving up: the first took its
ident in every run alone, and in all but one of a full run's."""


def test_a_thread_started_in_place_of_one_that_ended_is_new() -> None:
    """The new thread must take the ident of one alive when the run began. glibc
    hands the stack (and so the ident) of a joined thread to the next one started,
    unless another thread of the worker takes it first: tried until it does."""
    for _ in range(REUSE_TRIES):
        ended, release = threading.Event(), threading.Event()
        ending = threading.Thread(target=ended.wait, name="earlier-test")
        ending.start()
        alive = set(threading.enumerate())
        ended.set()
        ending.join()
        started = threading.Thread(target=release.wait, name="oncall-faulty")
        started.start()
        try:
            if started.ident == ending.ident:
                assert started_since(alive) == ["oncall-faulty"]
                return
        finally:
            release.set()
            started.join()
    pytest.skip(f"no ident was reused in {REUSE_TRIES} tries: nothing to test here")
