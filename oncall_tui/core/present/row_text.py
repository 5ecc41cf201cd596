"""What a row says after its value, the same on the board, the wallboard and the detail."""

from __future__ import annotations

import re
import time

from oncall_tui.core.present.cell_width import cell_width, fit
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


def summary_cell(signal: Signal, width: int) -> str:
    """The row's summary in exactly `width` cells, never cutting the limit it says
    the value is compared with: a cut `(critical ≥ 1.…` reads as another limit. When
    the cut would fall inside it, the limit comes first (shortened to `(crit ≥ 1.00s)`,
    then `≥ 1.00s`, if need be) and the rest is cut or left out; when even that does
    not fit, the limit is left out whole rather than cut."""
    text = row_summary(signal)
    found = LIMIT.search(text)
    if found is None or cell_width(text) <= width or cell_width(text[: found.end()]) < width:
        return fit(text, width)
    rest = " ".join(f"{text[: found.start()]} {text[found.end() :]}".split())
    phrase = found.group(0)
    short = phrase.replace("critical", "crit").replace("warning", "warn")
    # The badge beside it says which limit: the bare comparison is enough at a pinch.
    comparison = re.search(COMPARISON, phrase)
    bare = phrase[comparison.start() if comparison else 0 :].rstrip(")")
    for head in (phrase, short, bare):
        if cell_width(head) < width - 1:
            return fit(f"{head} {rest}".rstrip(), width)
        if cell_width(head) <= width:
            return fit(head, width)  # the rest is on the why-line when selected
    return fit(rest if cell_width(rest) <= width else "", width)


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
