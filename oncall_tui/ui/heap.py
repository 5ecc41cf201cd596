"""Keep Python's cycle collector off the objects a board holds for its whole life.

A 10,000-signal board holds ~350,000 objects the collector tracks (the store's signals,
their rings, the board's widgets, Textual and the imported modules). A full collection
walks all of them: 150-800 ms on a loaded 2-core machine, every 10-20 s on the idle
board and at nearly every detail opened (its widgets are new survivors), during which
no key is handled and nothing is drawn. Almost none of those objects ever becomes
garbage, so once the store has filled, the survivors of a full collection are frozen
(`gc.freeze`): later collections walk only what was made since (~20,000 objects at
10,000 signals).

Bounded: only right after a full collection (nothing frozen is garbage at that moment,
and a cycle frozen while alive leaks only if it later becomes garbage), and only when
the store has grown by half since the last freeze (a source's first answer landed), so
a board freezes a handful of times in its life, all of them at start-up.
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable
from typing import Any

GROWTH = 1.5
"""The store must hold this many times the signals of the last freeze to freeze again."""
FULL_EVERY = 100
"""Young collections between two full ones while keys are pressed (Python's default:
10). With the board's survivors frozen, few objects are left unfrozen, and Python's
other rule (a full collection once the survivors since the last grew by a quarter) was
met every 2-4 s at 10,000 signals while keys were pressed: each walk took 40-200 ms of
the loop, and it was what the slowest Enter, Esc and letters waited for. The walk costs
about the same when rarer (it walks mostly the same ~50,000 live objects). Kept to
while someone is at the keys: held longer, cyclic garbage held the idle board's RSS
~3 MiB higher."""
QUIET = 30.0
"""Seconds without a key after which full collections come at Python's pace again."""


class SurvivorFreezer:
    """Installed once by the app: watches full collections and freezes their
    survivors when the store has grown enough since the last freeze."""

    def __init__(
        self, signals: Callable[[], int], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._signals = signals
        self._clock = clock
        self._key_at = -math.inf
        self._frozen_at = 0
        """Signals in the store at the last freeze."""
        self.freezes = 0
        self._thresholds = gc.get_threshold()

    def install(self) -> None:
        gc.callbacks.append(self._collected)
        self._thresholds = gc.get_threshold()

    def uninstall(self) -> None:
        if self._collected in gc.callbacks:
            gc.callbacks.remove(self._collected)
            gc.set_threshold(*self._thresholds)

    def key_pressed(self) -> None:
        """Someone is at the keys: full collections wait (`FULL_EVERY`) until QUIET."""
        self._key_at = self._clock()
        if self._collected in gc.callbacks and gc.get_threshold()[2] != FULL_EVERY:
            young, middle, _full = self._thresholds
            gc.set_threshold(young, middle, FULL_EVERY)

    def _collected(self, phase: str, info: dict[str, Any]) -> None:
        """A gc callback (any thread, inside whatever allocation set the collection
        off): right after a full collection, everything tracked is alive."""
        if phase != "stop":
            return
        if self._clock() - self._key_at > QUIET and gc.get_threshold() != self._thresholds:
            gc.set_threshold(*self._thresholds)  # nobody at the keys: Python's pace
        if info.get("generation") != 2:
            return
        signals = self._signals()
        if signals < max(1, self._frozen_at * GROWTH):
            return
        self._frozen_at = signals
        gc.freeze()
        self.freezes += 1


__all__ = ["FULL_EVERY", "GROWTH", "QUIET", "SurvivorFreezer"]
