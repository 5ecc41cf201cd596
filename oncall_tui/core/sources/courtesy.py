"""Background work that gives way to the screen while someone is at the keys.

A source reading a huge answer on its thread (100,000 series) holds the GIL most of
the time: the screen's loop and the keyboard's reader then run in turns with it, a
millisecond each (the switch interval), so a key needing 10 ms of the loop took 30-100
ms to answer, more on a loaded machine. The UI says when input comes
(`screen_needs_cpu`); work that calls a `Courtesy` between its steps sleeps until the
key has been answered, within a budget of its own, so that a source keeps its
collection's deadline however long someone types.
"""

from __future__ import annotations

import time

KEY_WINDOW = 0.05
"""Seconds the screen asks for after a key: a key's work and its frame, on the 10,000-
signal board, are 5-30 ms of the loop's CPU."""

SHARE = 0.25
"""Of the time a piece of work has until its deadline, the share it may spend giving
way (a 10 s collection timeout: 2.5 s, where its parse takes about one)."""

NO_DEADLINE_BUDGET = 1.0
"""Seconds of giving way for work without a deadline."""

_wanted_until = 0.0


def screen_needs_cpu(seconds: float = KEY_WINDOW) -> None:
    """Input came (or is being answered): background work gives way for `seconds`.
    Called from the keyboard's thread and the loop; a float store, no lock needed."""
    global _wanted_until
    _wanted_until = max(_wanted_until, time.monotonic() + seconds)


class Courtesy:
    """Call it between the steps of a long piece of work on a thread: while the screen
    asked for the CPU, it sleeps (the GIL free for the screen), up to the work's budget
    in all."""

    __slots__ = ("left",)

    def __init__(self, deadline: float | None = None) -> None:
        budget = NO_DEADLINE_BUDGET if deadline is None else SHARE * (deadline - time.monotonic())
        self.left = max(0.0, budget)

    def __call__(self) -> None:
        wait = _wanted_until - time.monotonic()
        if wait <= 0 or self.left <= 0:
            return
        wait = min(wait, self.left)
        self.left -= wait
        time.sleep(wait)
