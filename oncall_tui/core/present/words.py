"""How a status is spelled: a glyph and a word, never colour alone.

The one place for status words, read by `check`'s report and by every screen, so the
terminal table, the header, the panels and the wallboard spell statuses identically:
the glyphs and badges, the short, long and count words, a dependency's "down", what
an unknown row says first (`row_text.row_summary`) and what a row without a value says. Values,
limits and ages are spelled in `formatting.py`.

The glyphs come in two sets, Unicode and ASCII: a console with a non-UTF-8 locale
(`LANG=C`) or the Linux text console (`TERM=linux`) shows garbage for `✖` or `◐`, so
the set is chosen once at start (`choose_symbols`) and every widget reads it
(`symbols()`, or `GLYPH`, which is updated in place).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Final

from oncall_tui.core.signals.model import Kind, Reason, Signal, Status

_UNICODE_GLYPH: Final[Mapping[Status, str]] = {
    Status.CRITICAL: "✖",
    Status.UNKNOWN: "?",
    Status.WARNING: "▲",
    Status.OK: "●",
}
_ASCII_GLYPH: Final[Mapping[Status, str]] = {
    Status.CRITICAL: "X",
    Status.UNKNOWN: "?",
    Status.WARNING: "!",
    Status.OK: "o",
}

GLYPH: Final[dict[Status, str]] = dict(_UNICODE_GLYPH)
"""The chosen set's status glyphs; `choose_symbols` updates it in place, so code that
imported it sees the choice."""


@dataclass(frozen=True, slots=True)
class Symbols:
    """Every non-ASCII character the UI draws on purpose, with an ASCII stand-in in the
    `ASCII` set: of the same width, except where the text is measured where it is
    drawn and one character would say something else (`>=` for `≥`, `->`, `<-`): a
    lone `>` is already the cursor."""

    ascii: bool
    glyph: Mapping[Status, str]
    heartbeat: str
    """Frames of the heartbeat, one per second."""
    spark: str
    """Sparkline levels, lowest first."""
    ellipsis: str
    cursor: str
    """Marks the selected row."""
    alert: str
    """Before a failing source or an old data age."""
    separator: str
    """Between counts: `2 crit · 1 warn`."""
    none: str
    """A value that is not there (never drawn as 0)."""
    pixel: str
    """One dot of the wallboard's big letters."""
    page_current: str
    page_other: str
    at_least: str
    at_most: str
    partial: str
    """Before the name of a signal whose source answered only partly."""
    leads_to: str
    """Before what a cause affects: `→ loan-api`."""
    focus: str
    """Before the focused panel's title (not the cursor's mark: two different things)."""
    pending: str
    """Ends the badge of a row over a worse limit inside its `for` ("● OK ◔")."""
    points_to: str
    """Before the root cause a symptom's row points at: `← credit-bureau`. The one
    stand-in of another width (`<-`): the mark is measured where it is drawn, and a
    lone `<` reads as "less than"."""


UNICODE: Final = Symbols(
    ascii=False,
    glyph=_UNICODE_GLYPH,
    heartbeat="◐◓◑◒",
    spark="▁▂▃▄▅▆▇█",
    ellipsis="…",
    cursor="\u203a",
    alert="⚠",
    separator="·",
    none="—",
    pixel="█",
    page_current="●",
    page_other="○",
    at_least="≥",
    at_most="≤",
    partial="◌",
    leads_to="→",
    focus="▸",
    pending="◔",
    points_to="←",
)
ASCII: Final = Symbols(
    ascii=True,
    glyph=_ASCII_GLYPH,
    heartbeat="|/-\\",
    spark="_.:-=+*#",
    ellipsis="~",
    cursor=">",
    alert="!",
    separator="|",
    none="-",
    pixel="#",
    page_current="*",
    page_other=".",
    at_least=">=",
    at_most="<=",
    partial="~",
    leads_to="->",
    focus="*",
    pending="^",
    points_to="<-",
)

_chosen: list[Symbols] = [UNICODE]


def symbols() -> Symbols:
    """The set chosen at start (Unicode unless `choose_symbols(ascii=True)`)."""
    return _chosen[0]


def choose_symbols(*, ascii: bool) -> Symbols:
    """Pick the set for this process; called once at start, before anything is drawn."""
    chosen = ASCII if ascii else UNICODE
    _chosen[0] = chosen
    GLYPH.clear()
    GLYPH.update(chosen.glyph)
    return chosen


def ascii_stand_ins() -> dict[str, str]:
    """Each Unicode symbol of the table mapped to its ASCII stand-in, character by
    character: what an output filter uses for text a widget did not ask `symbols()`."""
    table: dict[str, str] = {}
    for status, char in _UNICODE_GLYPH.items():
        table[char] = _ASCII_GLYPH[status]
    for field in fields(Symbols):
        wide, narrow = getattr(UNICODE, field.name), getattr(ASCII, field.name)
        if isinstance(wide, str) and len(wide) == len(narrow):
            for a, b in zip(wide, narrow, strict=True):
                if not a.isascii():
                    table.setdefault(a, b)
        elif isinstance(wide, str) and len(wide) == 1 and not wide.isascii():
            # A wider stand-in (">=", "->"): one cell of it for text drawn elsewhere,
            # the one that points the same way.
            table.setdefault(wide, next((c for c in narrow if c in "<>"), narrow[0]))
    return table


_ASCII_TERMS: Final = frozenset({"linux", "vt100", "vt102", "vt220", "dumb", "ansi"})
"""Consoles whose fonts lack the Unicode glyphs, whatever the locale says."""


def ascii_terminal(environ: Mapping[str, str]) -> bool:
    """Whether this terminal should get the ASCII set: the Linux console (and other
    hardware-era terminals), or a locale whose character set is not UTF-8.

    The locale is the first set of LC_ALL, LC_CTYPE and LANG, as the C library reads
    it; none set means the "C" locale (ASCII). A browser (`serve`) is always UTF-8.
    """
    if "web_driver" in environ.get("TEXTUAL_DRIVER", ""):
        return False
    if environ.get("TERM", "").strip().lower() in _ASCII_TERMS:
        return True
    locale = next(
        (environ[name] for name in ("LC_ALL", "LC_CTYPE", "LANG") if environ.get(name)), "C"
    )
    charset = locale.partition(".")[2].partition("@")[0].lower().replace("-", "")
    return charset != "utf8"


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


def shown_name(signal: Signal) -> str:
    """A signal's name as every screen draws it: with the partial mark in front when its
    source answered only partly (`◌ payment-api errors`), so a cut name keeps it."""
    return f"{symbols().partial} {signal.name}" if signal.partial else signal.name


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


def status_word(kind: Kind, status: Status) -> str:
    """Dependencies are down or degraded (DESIGN.md); everything else critical or
    warning."""
    if kind == "dependency" and status is Status.CRITICAL:
        return "down"
    if kind == "dependency" and status is Status.WARNING:
        return "degraded"
    return status.value


def missing_value_word(status: Status) -> str:
    """What a row without a value says when its source gave no summary: "no data" only
    when that is why it is unknown; a source that decides the status itself (a check
    that passed, an alert) has no value to show, and an ok row then says nothing."""
    if status is Status.UNKNOWN:
        return Reason.NO_DATA.value
    return "" if status is Status.OK else status.value


SECONDS_UNTIL = 120.0
"""Durations under this are said in seconds ("90s"), longer ones in minutes and up."""
SECONDS_STEP = 10
"""Seconds are said in steps of ten ("40s", "<10s"): a row's age then changes every
ten seconds, not every second (a repaint of every failing row each second), and one
rule still serves the rows, the why-line, the cause line and `check`."""


def short_duration(seconds: float) -> str:
    """How people say how long: <10s, 40s, 90s, 4m, 3h, 2d (whole units, rounded
    down; seconds in tens). The one rule for every "for"/"since" on every screen and
    in `check`."""
    seconds = max(0.0, seconds)
    if seconds < SECONDS_STEP:
        return f"<{SECONDS_STEP}s"
    if seconds < SECONDS_UNTIL:
        return f"{seconds // SECONDS_STEP * SECONDS_STEP:.0f}s"
    if seconds < 2 * 3600:
        return f"{seconds // 60:.0f}m"
    if seconds < 2 * 86400:
        return f"{seconds // 3600:.0f}h"
    return f"{seconds // 86400:.0f}d"
