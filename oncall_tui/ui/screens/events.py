"""The event timeline (`e`): what changed, newest first.

Status changes of signals, change markers (deploys, rule edits: `change` signals are
never rows of the panels, they live here), and sources failing and recovering. `k`
cycles the kind shown, `s` the status; Enter opens the signal. Opening this screen is
how the engineer "sees" the incidents the header counts.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Static

from oncall_tui.core.present.attention import Attention
from oncall_tui.core.present.formatting import format_value
from oncall_tui.core.present.words import GLYPH, SHORT
from oncall_tui.core.signals.events import is_resolution, kind_and_unit
from oncall_tui.core.signals.model import Event, Signal, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.change_effect import change_effect
from oncall_tui.ui.keep_alive import keep_alive
from oncall_tui.ui.widgets.key_footer import KeyFooter
from oncall_tui.ui.widgets.line_list import Line, LineList
from oncall_tui.ui.widgets.status_header import StatusHeader, refresh_flags

log = logging.getLogger(__name__)

KIND_FILTERS: tuple[str, ...] = (
    "all",
    "status changes",
    "business",
    "health",
    "risk_rule",
    "dependency",
    "alert",
    "change",
    "source",
)
STATUS_FILTERS: tuple[str, ...] = ("any", "critical", "unknown", "warning", "ok")


@dataclass(frozen=True, slots=True)
class Entry:
    at: float
    kind: str
    """The signal's kind, "change" for a change marker, "source" for a source event."""
    status: str
    """The status it turned to ("" for changes)."""
    key: str | None
    line: Line


def event_entry(event: Event, signal: Signal | None, effect: str = "") -> Entry:
    """One line of the timeline. The event says what its signal was (`signal`, the one
    in the store now, only stands in for events recorded without it); `effect` is what
    a change did, once known."""
    when = time.strftime("%H:%M:%S", time.localtime(event.at))
    if event.source:
        return source_entry(event, when)
    if event.change:
        at = event.value if event.value is not None else event.at
        changed = time.strftime("%H:%M:%S", time.localtime(at))
        line: Line = (
            (f"{when}  ", "muted"),
            ("◆ CHANGE", "accent"),
            ("  ", "plain"),
            (event.name, "plain"),
            (f"  changed at {changed}", "muted"),
            *((("  → ", "muted"), (effect, "plain")) if effect else ()),
        )
        return Entry(event.at, "change", "", event.key, line)
    after = event.after
    badge_style = "badge-critical" if after is Status.CRITICAL else after.value
    known, unit = kind_and_unit(event, signal)
    kind = known or "?"
    if is_resolution(event):
        value = "resolved: its source no longer reports it"
    else:
        value = format_value(event.value, unit)
    reason = f" ({event.reason.value})" if event.reason is not None else ""
    line = (
        (f"{when}  ", "muted"),
        (f"{GLYPH[after]} {SHORT[after]:<4}", badge_style),
        (
            "  new          "
            if event.first
            else f"  from {GLYPH[event.before]} {SHORT[event.before]:<4}  ",
            "muted",
        ),
        (event.name, "plain"),
        (f"  {value}{reason}", "muted"),
        (f"  [{kind}]", "muted"),
    )
    return Entry(event.at, kind, after.value, event.key, line)


def source_entry(event: Event, when: str) -> Entry:
    if event.after is Status.OK:
        line: Line = (
            (f"{when}  ", "muted"),
            ("● SOURCE", "ok"),
            (f"  {event.name} recovered", "plain"),
        )
        return Entry(event.at, "source", "ok", None, line)
    line = (
        (f"{when}  ", "muted"),
        ("⚠ SOURCE", "unknown"),
        (f"  {event.name} failing: {event.error}", "plain"),
    )
    return Entry(event.at, "source", "unknown", None, line)


class EventsScreen(Screen[None], inherit_bindings=False):
    """Every recorded change, newest first, filterable by kind and status."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", tooltip="Back", id="back"),
        Binding(
            "K",
            "cycle_kind",
            "Kind",
            key_display="K",
            tooltip="Show one kind of event",
            id="event_kind",
        ),
        Binding(
            "s", "cycle_status", "Status", tooltip="Show changes to one status", id="event_status"
        ),
        Binding("p", "app.pause", "Pause", show=False, tooltip="Freeze the screen", id="pause"),
    ]

    def __init__(
        self,
        store: SignalStore,
        attention: Attention | None,
        *,
        title: str = "",
        clock: Callable[[], float] = time.time,
        read_only: bool = False,
    ) -> None:
        super().__init__(name="events")
        self.store = store
        self.attention = attention
        self.clock = clock
        self.header = StatusHeader(store, title=title, clock=clock, read_only=read_only)
        self.filter_line = Static("", id="events-filter", markup=False)
        self.list = LineList(empty="no events yet", id="events-list")
        self.kind_index = 0
        self.status_index = 0
        self.entries: list[Entry] = []
        self._seen_version: tuple[int, int, int, int] | None = None

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.filter_line
        yield self.list
        yield KeyFooter()

    def on_mount(self) -> None:
        if self.attention is not None:
            self.attention.seen()
            refresh_flags(self)  # the headers' incident count: seen now
        self.header.update_status()
        self.set_interval(1.0, self._refresh_entries, name="events-tick")
        self._refresh_entries()
        self.list.focus()

    @property
    def kind_filter(self) -> str:
        return KIND_FILTERS[self.kind_index]

    @property
    def status_filter(self) -> str:
        return STATUS_FILTERS[self.status_index]

    @keep_alive("refreshing the event timeline")
    def _refresh_entries(self, force: bool = False) -> None:
        # A change's effect becomes known (and firms up) without a new event: the
        # lines are rebuilt every ten seconds of the store's clock as well.
        tick = int(self.store.clock() // 10)
        version = (self.store.events.total, self.kind_index, self.status_index, tick)
        if version == self._seen_version and not force:
            return
        self._seen_version = version
        signals = self.store.signals
        entries = [event_entry(e, signals.get(e.key), self._effect(e)) for e in self.store.events]
        entries.sort(key=lambda entry: entry.at, reverse=True)
        self.entries = [entry for entry in entries if self._accepts(entry)]
        # "no events yet" over a filter that hides 39 of them would say the board
        # has been quiet; say what hides them.
        self.list.empty = (
            "no events yet"
            if not entries
            else f"no event matches kind: {self.kind_filter}, status: {self.status_filter}"
            " (K and s change the filters)"
        )
        self.list.set_lines([entry.line for entry in self.entries])
        self.filter_line.update(
            f"{len(self.entries)} of {len(entries)} events, newest first · "
            f"kind: {self.kind_filter} (K) · status: {self.status_filter} (s)"
        )

    def _effect(self, event: Event) -> str:
        """What a change did to its component, from the store's history."""
        marker = self.store.signals.get(event.key) if event.change else None
        if marker is None or event.value is None:
            return ""
        component = marker.component or marker.name
        return change_effect(event.value, component, self.store.signals.values())

    def _accepts(self, entry: Entry) -> bool:
        kind = self.kind_filter
        if kind == "status changes":
            if entry.kind in ("change", "source"):
                return False
        elif kind != "all" and entry.kind != kind:
            return False
        status = self.status_filter
        return status == "any" or entry.status == status

    def action_cycle_kind(self) -> None:
        self.kind_index = (self.kind_index + 1) % len(KIND_FILTERS)
        self._refresh_entries()

    def action_cycle_status(self) -> None:
        self.status_index = (self.status_index + 1) % len(STATUS_FILTERS)
        self._refresh_entries()

    def on_line_list_chosen(self, message: LineList.Chosen) -> None:
        if not 0 <= message.index < len(self.entries):
            return
        key = self.entries[message.index].key
        if key is not None and key in self.store.signals:
            open_detail = getattr(self.app, "open_detail", None)
            if open_detail is not None:
                open_detail(key)
