"""How often the event loop turned while one awaitable ran: zero when it held the loop
from start to end, many when it handed the loop back (slices, a worker thread)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


async def loop_turns_during(work: Awaitable[T]) -> tuple[T, int]:
    """`work`'s result, and how many times a task that only yields ran meanwhile."""
    turns = 0
    running = True

    async def probe() -> None:
        nonlocal turns
        while running:
            turns += 1
            await asyncio.sleep(0)

    task = asyncio.ensure_future(probe())
    await asyncio.sleep(0)  # the probe's first turn, before the work starts
    before = turns
    try:
        result = await work
    finally:
        running = False
        await task
    return result, turns - before
