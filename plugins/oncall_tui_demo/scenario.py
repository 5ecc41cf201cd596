"""The incident timeline: how strongly each kind of failure is under way at a moment.

Kept apart from the simulation so the timing is one small table a reader can check
against what they see on screen, and tests can jump to any point of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from oncall_tui_demo.config import IncidentMode

IncidentKind = Literal["overload", "risk_rule", "dependency", "cascade", "canary"]
INCIDENT_KINDS: tuple[IncidentKind, ...] = (
    "overload", "risk_rule", "dependency", "cascade", "canary",
)  # fmt: skip
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
"""Calm, overload, calm, risk_rule, calm, dependency, calm, cascade, calm, canary (a new
release failing on its slice of traffic, caught and rolled back before full rollout);
then it starts over."""
PERIOD = len(INCIDENT_KINDS) * (CALM + WINDOW)
"""Seconds of one full cycle (20 minutes)."""

TRIGGER_LEAD: dict[IncidentKind, float] = {
    "overload": 60.0, "risk_rule": 75.0, "cascade": 60.0, "canary": 15.0,
}  # fmt: skip
"""Seconds before an incident's window opens that the change which set it off was made:
the deploy before the overload, the rule edit before the spike (it breaches some 80 s
later, halfway up its ramp), the bureau client's config reload before the cascade, the
canary's deploy just before its release takes traffic. A dependency outage has no
change of ours behind it."""
BACKGROUND_CHANGES: tuple[tuple[str, float], ...] = (
    ("wallet-api", 160.0),
    ("paylater/geo-mismatch", 400.0),
    ("payment-gateway", 650.0),
)
"""(component, seconds into the cycle): changes that break nothing, so the board shows
that a change is not blamed for being recent, only for preceding a breach of its own
component."""


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


def _latest(elapsed: float, offset: float) -> float | None:
    """The latest time at or before `elapsed` that is `offset` into some cycle."""
    if elapsed < offset:
        return None
    return offset + ((elapsed - offset) // PERIOD) * PERIOD


def last_trigger(mode: IncidentMode, elapsed: float, kind: IncidentKind) -> float | None:
    """When (seconds since the simulation started, possibly negative) the change that
    sets off incident `kind` was last made, or None if it was not. A fixed incident is
    at full strength from the start, so its change was made before the start: a deploy
    from before anyone looked, which a one-shot `check` must still attach."""
    lead = TRIGGER_LEAD.get(kind)
    if lead is None:
        return None
    if mode == kind:
        return -lead
    if mode != "cycle":
        return None
    window = next(w for w in CYCLE if w.kind == kind)
    return _latest(elapsed, window.start - lead)


def last_background(mode: IncidentMode, elapsed: float, offset: float) -> float | None:
    """When a harmless change `offset` into the cycle was last made (cycle only)."""
    return _latest(elapsed, offset) if mode == "cycle" else None
