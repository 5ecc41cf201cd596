"""A first, minimal drill-down: everything the store knows about one signal, as text.

The full detail (history chart, thresholds and baseline drawn, status timeline, the
runbook rendered in place, copy/open) replaces this later; the dashboard only relies
on "Enter pushes a screen for a signal key, Esc comes back".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from oncall_tui.core.formatting import format_thresholds, format_value
from oncall_tui.core.model import Signal
from oncall_tui.core.store import SignalStore
from oncall_tui.core.words import LONG, PANEL_TITLES, badge
from oncall_tui.ui.cells import row_summary, sparkline

log = logging.getLogger(__name__)


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
        ("summary", row_summary(signal) or "—"),
        ("history", sparkline(signal.history.values(), 60).rstrip() or "—"),
        ("source", signal.source),
        ("query", signal.query or "—"),
        ("runbook", str(signal.runbook) if signal.runbook else "—"),
    ]
    rows += [(f"label {name}", value) for name, value in sorted(signal.labels.items())]
    width = max(cell_len(name) for name, _ in rows)
    for name, value in rows:
        text.append("\n" + " " * (width - cell_len(name)) + name + "  ", style="dim")
        text.append(value)
    return text


class SignalDetailScreen(Screen[None]):
    """One signal, read-only, kept current once a second (an on-call engineer watches
    it recover here); Esc returns to the board with the selection intact."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.pop_screen", "Back")]

    def __init__(
        self, store: SignalStore, key: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        super().__init__(id="detail")
        self.store = store
        self.key = key
        self.clock = clock
        self.body = Static(self._describe(), id="detail-body")

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield self.body
        yield Footer()

    def on_mount(self) -> None:
        self.set_interval(1.0, self._refresh_body)

    def _describe(self) -> Text:
        signal = self.store.signals.get(self.key)
        if signal is None:
            return Text(f"{self.key}\nno longer on the board (its source stopped reporting it)")
        return describe(signal, self.clock())

    def _refresh_body(self) -> None:
        try:  # an exception in an interval callback would end the app
            self.body.update(self._describe())
        except Exception:
            log.exception("refreshing the detail of %s failed", self.key)
