"""The incident timeline: how strongly each kind of failure is under way at a moment.

Kept apart from the simulation so the timing is one small table a reader can check
against what they see on screen, and tests can jump to any point of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from oncall_tui_demo.config import IncidentMode

IncidentKind = Literal["overload", "risk_rule", "dependency"]
INCIDENT_KINDS: tuple[IncidentKind, ...] = ("overload", "risk_rule", "dependency")
Phase = Literal["starting", "ongoing", "recovering"]

CALM = 90.0
"""Seconds of calm before each incident: long enough to see what normal looks like."""
RAMP = 30.0
"""Seconds an incident takes to build up, and again to recover: failures creep in, and
a board that flips instantly teaches nothing about reading trends."""
HOLD = 90.0
"""Seconds at full strength."""
WINDOW = RAMP + HOLD + RAMP
"""Seconds one incident lasts from first sign to full recovery."""


@dataclass(frozen=True, slots=True)
class Window:
    """One incident's place in the cycle."""

    kind: IncidentKind
    start: float
    """Seconds into the cycle when it starts building up."""

    @property
    def end(self) -> float:
        return self.start + WINDOW


CYCLE: tuple[Window, ...] = tuple(
    Window(kind, CALM + index * (CALM + WINDOW)) for index, kind in enumerate(INCIDENT_KINDS)
)
"""Calm, overload, calm, risk_rule, calm, dependency; then it starts over."""
PERIOD = len(INCIDENT_KINDS) * (CALM + WINDOW)
"""Seconds of one full cycle (12 minutes)."""


@dataclass(frozen=True, slots=True)
class Effect:
    """How far an incident has progressed: 0 is not at all, 1 full strength."""

    intensity: float
    phase: Phase


FULL = Effect(1.0, "ongoing")

Effects = dict[IncidentKind, Effect]


def _smooth(fraction: float) -> float:
    """Smoothstep, so a ramp starts and ends gently instead of with a visible kink."""
    fraction = min(1.0, max(0.0, fraction))
    return fraction * fraction * (3.0 - 2.0 * fraction)


def _within(offset: float) -> Effect | None:
    """The effect `offset` seconds after an incident window opened, None outside it."""
    if offset < 0.0 or offset >= WINDOW:
        return None
    if offset < RAMP:
        return Effect(_smooth(offset / RAMP), "starting")
    if offset < RAMP + HOLD:
        return FULL
    return Effect(_smooth((WINDOW - offset) / RAMP), "recovering")


def effects(mode: IncidentMode, elapsed: float) -> Effects:
    """Incidents under way `elapsed` seconds after the simulation started."""
    if mode == "none":
        return {}
    if mode != "cycle":
        return {mode: FULL}
    position = elapsed % PERIOD
    found: Effects = {}
    for window in CYCLE:
        effect = _within(position - window.start)
        if effect is not None and effect.intensity > 0.0:
            found[window.kind] = effect
    return found
