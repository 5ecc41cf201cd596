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


async def test_one_thread_serves_a_source_s_calls_and_ends_when_they_stop(monkeypatch) -> None:
    """Calls one after another run on the same thread (none started per call); with no
    call for `IDLE_EXIT` seconds it ends, and the next call starts another."""
    from oncall_tui.core.sources import blocking
    from waiting import wait_until_async

    monkeypatch.setattr(blocking, "IDLE_EXIT", 0.2)
    run = BlockingRunner("t")
    threads = {await run(threading.current_thread) for _ in range(50)}
    assert len(threads) == 1
    (thread,) = threads
    await wait_until_async(lambda: not thread.is_alive(), 10, what="the idle thread to end")
    later = await run(threading.current_thread)
    assert later is not thread and later.name == "oncall-t"


async def test_a_runner_made_for_one_call_leaves_no_thread_behind() -> None:
    """Plugins may make a runner for one call and drop it (the Alertmanager plugin's
    parse): its thread ends with it, not `IDLE_EXIT` seconds later, so a 1 s refresh
    does not keep ten idle threads."""
    from waiting import wait_until_async

    thread = await BlockingRunner("once")(threading.current_thread)
    await wait_until_async(
        lambda: not thread.is_alive(), 5, what="the dropped runner's thread to end"
    )
