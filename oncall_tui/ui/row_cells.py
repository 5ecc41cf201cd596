"""Plain-text cell helpers for the Line-API widgets.

Rows are built as Rich `Segment`s from plain strings: a segment's text is never parsed
as markup, so `disk [/mnt] full` or `[@click=app.quit]` are drawn exactly as they are.
Widths are measured in terminal cells (CJK names take two per character).
"""

from __future__ import annotations

import re
import time

from rich.cells import cell_len, set_cell_size

from oncall_tui.core.present.triage_text import maintenance_words
from oncall_tui.core.signals.model import Signal, Status

ELLIPSIS = "…"

LIMIT = re.compile(
    r"\((?:critical|warning) [≥≤] [^()]*\)"  # the demo's "(critical ≥ 1.00s)"
    r"|(?:critical|warning): [≥≤] \S+"  # the store's "critical: ≥ 5%"
    r"|\([≥≤] [^()]*\)"  # a ratio's "(≥ 5x)"
)
"""The limit a summary says its value is compared with."""


def fit(text: str, width: int, *, right: bool = False) -> str:
    """`text` padded or cut to exactly `width` cells; a cut shows an ellipsis so a
    truncated name is never mistaken for a whole one."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length > width:
        if width == 1:
            return ELLIPSIS
        return set_cell_size(text, width - 1) + ELLIPSIS
    padding = " " * (width - length)
    return padding + text if right else text + padding


def summary_cell(signal: Signal, width: int) -> str:
    """The row's summary in exactly `width` cells, never cutting the limit it says
    the value is compared with: a cut `(critical ≥ 1.…` reads as another limit. When
    the cut would fall inside it, the limit comes first (shortened to `(crit ≥ 1.00s)`,
    then `≥ 1.00s`, if need be) and the rest is cut or left out; when even that does
    not fit, the limit is left out whole rather than cut."""
    text = row_summary(signal)
    found = LIMIT.search(text)
    if found is None or cell_len(text) <= width or cell_len(text[: found.end()]) < width:
        return fit(text, width)
    rest = " ".join(f"{text[: found.start()]} {text[found.end() :]}".split())
    phrase = found.group(0)
    short = phrase.replace("critical", "crit").replace("warning", "warn")
    # The badge beside it says which limit: the bare comparison is enough at a pinch.
    bare = phrase[phrase.index("≥" if "≥" in phrase else "≤") :].rstrip(")")
    for head in (phrase, short, bare):
        if cell_len(head) < width - 1:
            return fit(f"{head} {rest}".rstrip(), width)
        if cell_len(head) <= width:
            return fit(head, width)  # the rest is on the why-line when selected
    return fit(rest if cell_len(rest) <= width else "", width)


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
