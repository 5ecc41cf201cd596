"""What a row says after its value, the same on the board, the wallboard and the detail."""

from __future__ import annotations

import re
import time

from oncall_tui.core.present.cell_width import cell_width, fit
from oncall_tui.core.present.formatting import limit_text
from oncall_tui.core.present.parts import Part
from oncall_tui.core.present.triage_text import maintenance_words
from oncall_tui.core.signals.model import Signal, Status

COMPARISON = r"(?:[≥≤]|>=|<=)"
"""How a limit is compared, in Unicode or in ASCII (`symbols().at_least`)."""
LIMIT = re.compile(
    rf"\((?:critical|warning) {COMPARISON} [^()]*\)"  # the demo's "(critical ≥ 1.00s)"
    rf"|(?:critical|warning): {COMPARISON} \S+"  # the store's "critical: ≥ 5%"
    rf"|\({COMPARISON} [^()]*\)"  # a ratio's "(≥ 5x)"
)
"""The limit a summary says its value is compared with."""


def summary_cell(
    signal: Signal, width: int, *, text: str | None = None, limits: bool = True
) -> str:
    """The row's summary in exactly `width` cells, never cutting the limit it says
    the value is compared with: a cut `(critical ≥ 1.…` reads as another limit. When
    the cut would fall inside it, the limit comes first (shortened to `(crit ≥ 1.00s)`,
    then `≥ 1.00s`, if need be) and the rest is cut or left out; when even that does
    not fit, the limit is left out whole rather than cut. A summary that names no limit
    and must be cut starts with the signal's limits (`≥5%/20%`) when `limits` (no limit
    column beside it): a cut `blocks …` says nothing, the limits say how far off it is.

    `text` replaces the row's summary (`check` words its rows its own way)."""
    text = row_summary(signal) if text is None else text
    if cell_width(text) <= width:
        return fit(text, width)
    found = LIMIT.search(text)
    if found is not None and cell_width(text[: found.end()]) < width:
        return fit(text, width)
    heads, rest = _limit_heads(signal, text, limits=limits)
    for head in heads:
        if cell_width(head) < width - 1:
            return fit(f"{head} {rest}".rstrip(), width)
        if cell_width(head) <= width:
            return fit(head, width)  # the rest is on the why-line when selected
    if found is None:
        return fit(text, width)
    return fit(rest if cell_width(rest) <= width else "", width)


def symptom_parts(
    signal: Signal, width: int, mark: str, *, text: str | None = None, limits: bool = True
) -> list[Part]:
    """A symptom's summary in `width` cells as (text, role) parts, role `summary` or
    `symptom`: its limit first, then the root it points at (`≥ 5% ← credit-bureau`),
    then the rest, so the row reads value, limit, root as the why-line does. The mark
    is whole or not there (a cut component name reads as another component); when the
    limit and the mark do not both fit, the mark wins: which incident a row belongs to
    is what the reader sorts by, and the selected row's why-line has the limit.
    `limits` False: the limits have their own column before this one, so the mark
    comes first, then the summary as `summary_cell` shows it."""
    text = row_summary(signal) if text is None else text
    if cell_width(mark) > width:
        # The arrow against the name (`<-credit-bureau`) before no mark at all: the
        # ASCII arrow is a cell wider, and a 120x40 board lost every symptom's mark.
        mark = mark.replace(" ", "", 1)
    room = width - cell_width(mark)
    if room < 0:
        return [(summary_cell(signal, width, text=text, limits=limits), "summary")]
    heads, rest = _limit_heads(signal, text, limits=limits)
    parts: list[Part] = []
    for head in heads if limits else ():
        if cell_width(head) + 1 <= room:
            parts = [(head, "summary"), (" ", "summary")]
            room -= cell_width(head) + 1
            text = rest
            break
    parts.append((mark, "symptom"))
    if room - 1 >= SUMMARY_MIN:
        rest_cell = summary_cell(signal, room - 1, text=text, limits=False)
        parts.append((" " + rest_cell, "summary"))
    elif room > 0:
        parts.append((" " * room, "summary"))  # a summary cut to a few cells says nothing
    return parts


SUMMARY_MIN = 6
"""Fewest cells worth showing a summary in."""


def _limit_heads(signal: Signal, text: str, *, limits: bool) -> tuple[list[str], str]:
    """The limit `text` says its value is compared with, in the forms it may be shown
    in, longest first, and the rest of `text`; without such a phrase, the signal's
    limits in one cell (`≥5%/20%`) unless `limits` is False or the signal is unknown,
    and all of `text`."""
    found = LIMIT.search(text)
    if found is None:
        # An unknown row's summary starts with why it is unknown: that goes first.
        said = limits and signal.status is not Status.UNKNOWN
        compact = limit_text(signal.thresholds, signal.unit) if said else ""
        return ([compact] if compact else []), text
    rest = " ".join(f"{text[: found.start()]} {text[found.end() :]}".split())
    phrase = found.group(0)
    short = phrase.replace("critical", "crit").replace("warning", "warn")
    # The badge beside it says which limit: the bare comparison is enough at a pinch.
    comparison = re.search(COMPARISON, phrase)
    bare = phrase[comparison.start() if comparison else 0 :].rstrip(")")
    return [phrase, short, bare], rest


def row_summary(signal: Signal) -> str:
    """What the row says after the value: for unknown signals the reason comes first
    ("stale: …", "source error: …") because *why* it is unknown is the whole point;
    the store's default summaries never repeat the value, which has its own column."""
    summary = signal.summary
    if signal.maintenance is not None and not summary.startswith("maintenance"):
        # Every row of a component under planned work says so, not only the silenced
        # alert: a red bureau row during its upgrade is expected, not news.
        held = maintenance_words(signal.maintenance, time.time())
        summary = f"{held} · {summary}" if summary else held
    if signal.status is Status.UNKNOWN and signal.reason is not None:
        reason = signal.reason.value
        if not summary:
            return reason
        if not summary.lower().startswith(reason):
            return f"{reason}: {summary}"
        return summary
    return summary
