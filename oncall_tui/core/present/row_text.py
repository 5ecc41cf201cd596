"""What a row says after its value, the same on the board, the wallboard and the detail."""

from __future__ import annotations

import time

from oncall_tui.core.present.triage_text import maintenance_words
from oncall_tui.core.signals.model import Signal, Status


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
