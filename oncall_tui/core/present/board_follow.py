"""Where the dashboard's cursor goes by itself: to the worst signal of the first
probable cause (else the one `check` lists first), without making the cursor dance on a
flapping board."""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable
from typing import Protocol, TypeVar

from oncall_tui.core.present.panel_rows import PanelRows
from oncall_tui.core.signals.model import Signal, Status, sort_key
from oncall_tui.core.triage.causes import Diagnosis


class Followed(Protocol):
    """What following needs of a panel (the dashboard's `Panel`): its first and
    selected rows, whether it is shown, and its rows' positions."""

    @property
    def first_signal(self) -> Signal | None: ...
    @property
    def selected_signal(self) -> Signal | None: ...
    @property
    def display(self) -> bool: ...
    @property
    def model(self) -> PanelRows: ...


Panel = TypeVar("Panel", bound=Followed)

FOLLOW_SETTLE = 10.0
"""Seconds the followed signal must stay better than the worst before the cursor moves
on (something worse moves it at once)."""


def worst_signal(
    panels: Iterable[Panel],
    diagnosis: Diagnosis | None = None,
    key: Callable[[Signal], tuple[object, ...]] = sort_key,
) -> tuple[Panel, Signal] | None:
    """Where the launch selection goes, among the rows the filter lets through: the
    worst shown signal of the first probable cause (never a symptom, an alert or a
    business row, however loud), else the one `check` lists first (`key`: the same
    sort)."""
    panels = list(panels)
    cause = diagnosis.cause if diagnosis is not None else None
    if cause is not None:
        for wanted in cause.signals:
            for panel in panels:
                index = panel.model.position.get(wanted)
                if index is not None:
                    return panel, panel.model.rows[index]
    best: tuple[Panel, Signal] | None = None
    for panel in panels:
        first = panel.first_signal
        if first is not None and (best is None or key(first) < key(best[1])):
            best = (panel, first)
    return best


class WorstFollower:
    """Decides when the cursor moves to the worst signal. At once when something worse
    than the selected signal appears, or another critical that `check` lists first;
    among equal warnings the cursor stays; when the selected one merely got better (a
    warning flapping to ok) only once it has stayed better for FOLLOW_SETTLE seconds, so
    a flapping board does not make the cursor dance (and every focus move repaints the
    screen)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.followed: str | None = None
        """The signal the cursor last moved to by itself (None: not yet)."""
        self.outranked_since: float | None = None
        """Since when the selected signal has been better than the worst one."""

    def target(
        self,
        found: tuple[Panel, Signal] | None,
        current: Panel | None,
        cause: Collection[str] = (),
    ) -> tuple[Panel, Signal] | None:
        """Where the cursor should go now (`found`: the worst signal), or None to stay.
        `cause`: the first probable cause's signals; a cursor off them goes to `found`
        when it is one of them, at once (a new cause is news, once an incident)."""
        if found is None:
            return None
        _, signal = found
        selected = current.selected_signal if current is not None else None
        if signal.key in cause and (selected is None or selected.key not in cause):
            self.outranked_since = None
            return found
        shown = (
            selected is not None
            and current is not None
            and current.display
            and selected.key in current.model.position
            and self.followed is not None
        )
        if shown and selected is not None:
            if selected.status.severity > signal.status.severity or (
                selected.status is signal.status and signal.status is not Status.CRITICAL
            ):
                # Among equal warnings the cursor stays put; among criticals it goes to
                # the one `check` lists first (a new critical is always news).
                self.outranked_since = None
                return None
            if selected.status is signal.status:
                self.outranked_since = None
                return found
            now = self.clock()
            if self.outranked_since is None:
                self.outranked_since = now
            if now - self.outranked_since < FOLLOW_SETTLE:
                return None
        self.outranked_since = None
        return found
