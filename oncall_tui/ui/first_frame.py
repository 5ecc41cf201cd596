"""The board's first frame held until its sources' first answers are in.

Textual draws nothing until the app's mount handlers return, so the app awaits
`first_collection` there: a board opens with its rows, not with empty panels saying
WAITING and its rows a moment (a sync timer) later, two frames where one does.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from oncall_tui.core.signals.store import SignalStore

EXIT_LOOK = 0.05
"""While waiting: how often to look whether the app was told to exit meanwhile (the
mount handler holds the app's messages: a signal or a dead terminal must not wait)."""


async def first_collection(
    store: SignalStore, limit: float, exiting: Callable[[], bool] = lambda: False
) -> None:
    """Return once no source is still waiting for its first collection (success or
    failure), after `limit` seconds, or as soon as `exiting()`."""
    done = asyncio.Event()

    def check(changed: object = None) -> None:
        if all(source.status != "pending" for source in store.sources):
            done.set()

    check()
    if done.is_set() or limit <= 0:
        return
    store.subscribe(check)
    deadline = time.monotonic() + limit
    try:
        while not done.is_set() and not exiting():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), min(left, EXIT_LOOK))
    finally:
        store.unsubscribe(check)
