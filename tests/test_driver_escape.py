"""A lone Esc through the terminal driver's own input loop: it is an Esc once
Textual's escape delay has passed with nothing after it, and the loop looks again
in short steps until then rather than a whole poll (100 ms) later, which every Esc
(closing a detail, clearing a filter) waited on top of the delay.

Counted, not timed: the waits the loop asks of `poll` while the Esc is pending.
"""

from __future__ import annotations

import os
import select
from typing import Any

import pytest

from oncall_tui.ui import driver as driver_module
from pipe_driver import driver_on_a_pipe, keys
from waiting import wait_until_async

REAL_POLL = select.poll


class Poller:
    """select.poll, with the timeout of every call kept."""

    def __init__(self) -> None:
        self._poll = REAL_POLL()
        self.waits: list[int] = []

    def register(self, *args: Any) -> None:
        self._poll.register(*args)

    def poll(self, timeout: int) -> list[tuple[int, int]]:
        self.waits.append(timeout)
        return self._poll.poll(timeout)


@pytest.mark.parametrize("sent", [b"\x1b", b"x\x1b"], ids=["esc", "letter-then-esc"])
async def test_a_lone_esc_is_looked_at_again_in_short_steps(
    monkeypatch: pytest.MonkeyPatch, sent: bytes
) -> None:
    pollers: list[Poller] = []

    def make() -> Poller:
        pollers.append(Poller())
        return pollers[-1]

    monkeypatch.setattr(driver_module.select, "poll", make)
    with driver_on_a_pipe() as (writing, got):
        await wait_until_async(lambda: pollers and pollers[0].waits, what="the first poll")
        waits = pollers[0].waits
        os.write(writing, sent)
        await wait_until_async(lambda: "escape" in keys(got), what="the Esc handed over")
        await wait_until_async(lambda: 100 in waits[1:], what="the usual poll again")
    assert 10 in waits, f"no short look while the Esc was pending: {waits}"
    first = waits.index(10)
    assert set(waits[first : waits.index(100, first)]) == {10}, waits
