"""A first, minimal drill-down: everything the store knows about one signal, as text.

The full detail (history chart, thresholds and baseline drawn, status timeline, the
runbook rendered in place, copy/open) replaces this later; the dashboard only relies
on "Enter pushes a screen for a signal key, Esc comes back".
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from oncall_tui.core.formatting import format_thresholds, format_value
from oncall_tui.core.store import Signal
from oncall_tui.ui.cells import row_summary, sparkline
from oncall_tui.ui.status import LONG, PANEL_TITLES, badge


def describe(signal: Signal, now: float) -> Text:
    """The signal as plain text lines: every string is appended as `Text`, so source
    data is never read as markup."""
    text = Text()
    text.append(f"{badge(signal.status)}  ", style="bold")
    text.append(signal.name, style="bold")
    text.append(f"\n{PANEL_TITLES[signal.kind]} · {LONG[signal.status]}")
    if signal.reason is not None:
        text.append(f" ({signal.reason.value})")
    if signal.changed_at is not None:
        text.append(f" for {max(0, int(now - signal.changed_at))}s")
    rows: list[tuple[str, str]] = [
        ("value", format_value(signal.value, signal.unit)),
        ("thresholds", format_thresholds(signal.thresholds, signal.unit) or "none"),
        ("baseline", format_value(signal.baseline, signal.unit)),
        ("summary", row_summary(signal) if signal.reason is not None else signal.summary),
        ("history", sparkline(signal.history.values(), 60).rstrip() or "—"),
        ("source", signal.source),
        ("query", signal.query or "—"),
        ("runbook", signal.runbook or "—"),
    ]
    rows += [(f"label {name}", value) for name, value in sorted(signal.labels.items())]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        text.append(f"\n{name:>{width}}  ", style="dim")
        text.append(value)
    return text


class SignalDetailScreen(Screen[None]):
    """One signal, read-only; Esc returns to the board with the selection intact."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(self, signal: Signal, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(id="detail")
        self.signal = signal
        self.clock = clock

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(describe(self.signal, self.clock()), id="detail-body")
        yield Footer()
