"""On call as a team: who acknowledged what, and which planned work is in force.

Alertmanager has no acknowledge, so an ack is what karma made it: a silence whose
comment starts `ACK!`, with an author and a bounded duration. Planned work is a silence
whose comment starts `maintenance:`, or a `[[notices]]` entry of the config. Both are
read by the alertmanager source into plain `Ack` / `Maintenance` values; this module
tells them apart and spreads a component's maintenance to every row about that
component (a Prometheus `credit-bureau` row says it too, not only the silenced alert).
How they are said is `core/present/triage_text.py`'s (`ack_words`, `maintenance_words`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from oncall_tui.core.sanitize import MAX_LINE, sanitize
from oncall_tui.core.signals.model import Ack, Maintenance, Signal

ACK_PREFIX = "ACK!"
"""karma's marker: a silence whose comment starts with it is an acknowledgement."""
MAINTENANCE_PREFIX = "maintenance:"
MAX_AUTHOR = 200
MAX_TIME = 1e11
"""Unix times beyond this (year 5138) are not times: the clock functions cannot say them."""


def is_ack(comment: str) -> bool:
    return comment.lstrip().startswith(ACK_PREFIX)


def is_maintenance(comment: str) -> bool:
    return comment.lstrip().lower().startswith(MAINTENANCE_PREFIX)


def maintenance_text(comment: str) -> str:
    """ "maintenance: bureau upgrade" -> "bureau upgrade"."""
    text = comment.lstrip()[len(MAINTENANCE_PREFIX) :] if is_maintenance(comment) else comment
    return " ".join(text.split())


def clean_ack(ack: object) -> Ack | None:
    """An ack from a plugin, sanitised like every source string (None if not an Ack)."""
    if not isinstance(ack, Ack):
        return None
    return Ack(
        author=sanitize(ack.author, MAX_AUTHOR) if isinstance(ack.author, str) else "",
        since=_time(ack.since),
        until=_time(ack.until),
        silence_id=sanitize(ack.silence_id, 64) if isinstance(ack.silence_id, str) else "",
    )


def clean_maintenance(maintenance: object) -> Maintenance | None:
    if not isinstance(maintenance, Maintenance):
        return None
    return Maintenance(
        text=_text(maintenance.text, MAX_LINE),
        until=_time(maintenance.until),
        component=_text(maintenance.component, 200),
        author=_text(maintenance.author, MAX_AUTHOR),
    )


def in_force(maintenance: Maintenance, now: float) -> bool:
    return maintenance.until is None or maintenance.until > now


@dataclass(slots=True)
class MaintenanceBoard:
    """Which component is in maintenance, from the alerts that say so and the
    configured notices; keeps `Signal.maintenance` of every signal in step."""

    notices: tuple[Maintenance, ...] = ()
    """The config's `[[notices]]` (sanitised)."""
    by_component: dict[str, Maintenance] | None = None

    def general(self, now: float) -> list[Maintenance]:
        """Notices in force about no component in particular (an announcement)."""
        return [n for n in self.notices if not n.component and in_force(n, now)]

    def spread(
        self, signals: Mapping[str, Signal], own: Mapping[str, Maintenance], now: float
    ) -> set[str]:
        """Set every signal's maintenance from the alerts' own (`own`, by key) and the
        notices in force; the keys whose maintenance changed."""
        found: dict[str, Maintenance] = {}
        for maintenance in self.notices:
            if maintenance.component and in_force(maintenance, now):
                found.setdefault(maintenance.component.casefold(), maintenance)
        for key, maintenance in own.items():
            signal = signals.get(key)
            if signal is None or not in_force(maintenance, now):
                continue
            component = (maintenance.component or signal.component).casefold()
            found.setdefault(component, maintenance)
        changed: set[str] = set()
        if not found and not self.by_component:
            return changed
        self.by_component = found
        for key, signal in signals.items():
            mine = own.get(key)
            wanted = mine if mine is not None and in_force(mine, now) else None
            wanted = wanted or found.get(signal.component.casefold())
            if wanted != signal.maintenance:
                signal.maintenance = wanted
                changed.add(key)
        return changed


def notices_from_config(entries: Iterable[Maintenance]) -> tuple[Maintenance, ...]:
    return tuple(m for m in (clean_maintenance(e) for e in entries) if m is not None)


def _time(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if number == number and abs(number) < MAX_TIME else None


def _text(value: object, limit: int) -> str:
    return sanitize(" ".join(value.split()), limit) if isinstance(value, str) else ""
