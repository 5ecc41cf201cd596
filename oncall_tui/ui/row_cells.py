"""Plain-text cell helpers for the Line-API widgets.

Rows are built as Rich `Segment`s from plain strings: a segment's text is never parsed
as markup, so `disk [/mnt] full` or `[@click=app.quit]` are drawn exactly as they are.
Widths are measured in terminal cells (CJK names take two per character).
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size

from oncall_tui.core.signals.model import Signal, Status

ELLIPSIS = "…"


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


def row_summary(signal: Signal) -> str:
    """What the row says after the value: for unknown signals the reason comes first
    ("stale: …", "source error: …") because *why* it is unknown is the whole point;
    the store's default summaries never repeat the value, which has its own column."""
    summary = signal.summary
    if signal.status is Status.UNKNOWN and signal.reason is not None:
        reason = signal.reason.value
        if not summary:
            return reason
        if not summary.lower().startswith(reason):
            return f"{reason}: {summary}"
        return summary
    return summary
