"""From store changes to panel updates, coalesced.

The store calls its listeners synchronously after every collection of every source
(and after each staleness sweep). Repainting there would repaint once per source per
tick, so the listener only records which keys changed and arms one timer; the panels
are then updated at most `MAX_SYNC_RATE` times a second, handing the event loop back
between two panels once a turn has taken `TURN_BUDGET` (`apply_in_turns`): at 10,000
signals the two big panels took ~24 ms each, and a key pressed meanwhile waited for all
six; at 1,000 all six take a few ms, one turn and one frame.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from textual.screen import Screen

from oncall_tui.core.present.panel_model import route
from oncall_tui.core.triage.causes import Diagnosis
from oncall_tui.core.triage.one_sort import OneSort
from oncall_tui.ui.widgets.signal_panel import SignalPanel

log = logging.getLogger(__name__)

MAX_SYNC_RATE = 4.0
"""Panel updates per second at most, however often the store changes."""
SETTLE_DELAY = 0.05
"""Wait after the first change of a burst: sources finishing together share a repaint."""
TURN_BUDGET = 0.008
"""Seconds of one event-loop turn the panels' update may take before it lets keys,
frames and the engine run (checked between two panels)."""


def covered(screen: Screen[Any]) -> bool:
    """Whether another screen hides `screen` whole (a signal's detail over the board):
    then nobody sees its panels, and re-sorting thousands of rows would only hold the
    keys of the screen on top. Under a translucent one (help, the palette) it shows.
    (Textual's `is_current` counts the screen just below the top one as visible.)"""
    try:
        top = screen.app.screen
    except Exception:  # no screen stack: shutting down
        return True
    return top is not screen and top.styles.background.a == 1


class PanelUpdates:
    """The keys changed since the last update, when the next update may run, and which
    panels failed their last update (they are rebuilt whole next time)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.pending: set[str] = set()
        self.armed = False
        """A timer for the next update is running, or the update itself: changes noted
        meanwhile wait for it to end (`rearm`)."""
        self.last = float("-inf")
        self.failed: set[str] = set()
        self.errors = 0
        """Failed updates so far (each is logged); the board keeps running."""

    def note(self, changed: set[str]) -> float | None:
        """Record `changed`; the delay of the timer to arm, or None when one is armed."""
        self.pending |= changed
        if self.armed:
            return None
        self.armed = True
        since = self.clock() - self.last
        return max(SETTLE_DELAY, min(1 / MAX_SYNC_RATE, 1 / MAX_SYNC_RATE - since))

    def _route(
        self, changed: set[str], panels: Mapping[str, SignalPanel]
    ) -> Mapping[str, Collection[str]]:
        """Each panel's share of `changed` (`panel_model.route`); all of it to each if
        routing fails (slower, never wrong)."""
        try:
            signals = next(iter(panels.values())).store.signals if panels else {}
            return route(changed, {group: panel.model for group, panel in panels.items()}, signals)
        except Exception:
            self.errors += 1
            log.exception("routing store changes to the panels failed")
            return dict.fromkeys(panels, changed)

    def rearm(self) -> float | None:
        """After an update: the delay of the timer to arm for what changed meanwhile
        (None when nothing did)."""
        self.armed = False
        return self.note(set()) if self.pending else None

    def apply(self, panels: Mapping[str, SignalPanel], *, full: bool = False) -> bool:
        """Update every panel with what changed; True when a panel's wanted height
        changed. Never raises: a bug in one panel must not stop the others."""
        changed, self.pending = self.pending, set()
        self.last = self.clock()
        wanted = {group: panel.wanted_height for group, panel in panels.items()}
        routed = self._route(changed, panels)
        for group, panel in panels.items():
            self._apply_one(group, panel, routed[group], full=full)
        return any(panel.wanted_height != wanted[group] for group, panel in panels.items())

    async def apply_in_turns(
        self, panels: Mapping[str, SignalPanel], held: Callable[[], bool]
    ) -> bool | None:
        """`apply`, handing the event loop back between two panels once this turn has
        taken `TURN_BUDGET` (keys, frames and the engine run in between). None when
        `held()` (paused, covered, gone) turned true meanwhile: the changes are kept
        for the next update."""
        changed, self.pending = self.pending, set()
        self.last = self.clock()
        wanted = {group: panel.wanted_height for group, panel in panels.items()}
        started = time.perf_counter()
        routed = self._route(changed, panels)
        for number, (group, panel) in enumerate(panels.items()):
            if number and time.perf_counter() - started > TURN_BUDGET:
                await asyncio.sleep(0)
                if held():
                    self.pending |= changed  # routed again, the panels done see them twice
                    return None
                started = time.perf_counter()
            self._apply_one(group, panel, routed[group], full=False)
        return any(panel.wanted_height != wanted[group] for group, panel in panels.items())

    def _apply_one(
        self, group: str, panel: SignalPanel, changed: Collection[str], *, full: bool
    ) -> None:
        # A panel whose last update failed may be half-updated: rebuild it whole.
        rebuild = full or group in self.failed
        try:
            panel.sync(None if rebuild else changed)
            self.failed.discard(group)
        except Exception:
            self.errors += 1
            self.failed.add(group)
            log.exception("updating panel %s failed", group)


class PanelOrder:
    """The one sort the panels are sorted by: causes first, then their symptoms (see
    core/triage/one_sort.py), kept until a diagnosis ranks them differently."""

    def __init__(self) -> None:
        self.order = OneSort()
        self._sorted_by: Diagnosis | None = None
        self._sorted_once = False

    def follow(self, diagnosis: Diagnosis, panels: Iterable[SignalPanel]) -> bool:
        """Hand `diagnosis`'s one sort to `panels` when its ranking changed; True then."""
        if diagnosis is self._sorted_by:
            return False
        self._sorted_by = diagnosis
        order = OneSort.of(diagnosis)
        if order == self.order:
            return False
        # The panels start in the plain sort: the first one sort keys every row.
        moved = self.order.moved(order) if self._sorted_once else None
        self._sorted_once = True
        self.order = order
        for panel in panels:
            panel.set_order(order.key, moved)
        return True
