"""Blocking calls of a source run on its own thread, one at a time."""

from __future__ import annotations

import threading

import pytest

from oncall_tui.core.sources.blocking import BlockingRunner, BlockingStillRunning


async def test_result_and_error_come_back() -> None:
    run = BlockingRunner("t")
    assert await run(lambda: threading.current_thread().name) == "oncall-t"

    def fail() -> None:
        raise OSError("stale file handle")

    with pytest.raises(OSError, match="stale file handle"):
        await run(fail)


async def test_back_to_back_calls_never_see_a_busy_runner() -> None:
    run = BlockingRunner("t")
    for i in range(300):
        assert await run(lambda i=i: i) == i  # type: ignore[misc]


async def test_a_stuck_call_refuses_the_next_instead_of_piling_up() -> None:
    run = BlockingRunner("disk")
    release = threading.Event()
    started = threading.Event()

    def stuck() -> str:
        started.set()
        release.wait(30)
        return "done"

    import asyncio

    first = asyncio.ensure_future(run(stuck))
    await asyncio.to_thread(started.wait, 10)
    try:
        with pytest.raises(BlockingStillRunning, match="still running"):
            await run(lambda: "second")
    finally:
        release.set()
    assert await first == "done"
    assert await run(lambda: "third") == "third"
