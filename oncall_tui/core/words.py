"""How a status is spelled: a glyph and a word, never colour alone.

One table of words per concept, read by `check`'s report and by every screen, so the
terminal table, the header, the panels and the wallboard spell statuses identically.
"""

from __future__ import annotations

from typing import Final

from oncall_tui.core.model import Kind, Status

GLYPH: Final[dict[Status, str]] = {
    Status.CRITICAL: "✖",
    Status.UNKNOWN: "?",
    Status.WARNING: "▲",
    Status.OK: "●",
}
SHORT: Final[dict[Status, str]] = {
    Status.CRITICAL: "CRIT",
    Status.UNKNOWN: "UNKN",
    Status.WARNING: "WARN",
    Status.OK: "OK",
}
COUNT_WORD: Final[dict[Status, str]] = {
    Status.CRITICAL: "crit",
    Status.UNKNOWN: "unkn",
    Status.WARNING: "warn",
    Status.OK: "ok",
}
LONG: Final[dict[Status, str]] = {
    Status.CRITICAL: "CRITICAL",
    Status.UNKNOWN: "UNKNOWN",
    Status.WARNING: "WARNING",
    Status.OK: "OK",
}
WORST_FIRST: Final[tuple[Status, ...]] = tuple(
    sorted(Status, key=lambda status: status.severity, reverse=True)
)
"""critical, unknown, warning, ok: the order counts are read in."""

PANEL_TITLES: Final[dict[Kind, str]] = {
    "business": "Business",
    "health": "Health",
    "risk_rule": "Risk rules",
    "dependency": "Dependencies",
    "alert": "Alerts",
    "change": "Changes",
}


def badge(status: Status) -> str:
    """e.g. "✖ CRIT": fixed width (6 cells) so the name column lines up."""
    return f"{GLYPH[status]} {SHORT[status]:<4}"


def count_parts(counts: dict[Status, int], *, zeros: bool = True) -> list[tuple[Status, str]]:
    """("2 crit", ...) worst first; each with its status so the caller can colour it."""
    return [
        (status, f"{GLYPH[status]} {counts.get(status, 0)} {COUNT_WORD[status]}")
        for status in WORST_FIRST
        if zeros or counts.get(status, 0)
    ]
