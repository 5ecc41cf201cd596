"""One panel of the board (Business, Health, Risk rules, Dependencies, Alerts, This host)
as a Line-API widget.

Why not `DataTable`: it repaints its whole visible area for every changed cell (~4% CPU
and ~7.5 KB/s at 1,000 rows with 10% changing per second) and parses `str` cells as
markup. Here every screen line is drawn by `render_line` from the live `Signal` objects,
and a store change refreshes only the lines that show a changed signal, and only when
the line would look different (`PanelRows`, `row_parts` in `panel_rows.py` decide what
a line shows, `panel_paint.py` how it looks, `panel_cursor.py` moves the cursor,
`panel_draw.py` draws the lines; this module keeps them current).

Lines, top to bottom: the title (panel name and counts; for an empty panel also why it
is empty, so it needs one line only), one banner per failing source that feeds this
panel, then the rows. Title and banners are pinned: a source error stays visible however
far the user has scrolled.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Collection
from typing import ClassVar

from rich.cells import cell_len
from textual import events
from textual.geometry import Size
from textual.message import Message

from oncall_tui.core.present.panel_rows import (
    Accept,
    Columns,
    PanelRows,
    PinnedLine,
    layout_columns,
    pinned_lines,
)
from oncall_tui.core.present.sparkline import SparkCache
from oncall_tui.core.present.words import SECONDS_UNTIL
from oncall_tui.core.signals.model import Signal, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import Diagnosis
from oncall_tui.ui.widgets.panel_draw import PanelDraw
from oncall_tui.ui.widgets.panel_lines import PaintedRows
from oncall_tui.ui.widgets.panel_paint import (
    CURSOR_MARK,
    PanelStyles,
)

__all__ = ["CURSOR_MARK", "SignalPanel"]

log = logging.getLogger(__name__)


class SignalPanel(PanelDraw):
    """Signals of one group, worst first, with one selected row."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "signal-panel--critical",
        "signal-panel--unknown",
        "signal-panel--warning",
        "signal-panel--ok",
        "signal-panel--muted",
        "signal-panel--plain",
        "signal-panel--name-critical",
        "signal-panel--badge-critical",
        "signal-panel--title",
        "signal-panel--title-focused",
        "signal-panel--cursor",
        "signal-panel--cursor-blurred",
        "signal-panel--banner-error",
        "signal-panel--banner-note",
        "signal-panel--symptom",
    }

    class Selected(Message):
        """Enter (or a double click) on a row: whoever owns the panel drills into it."""

        def __init__(self, panel: SignalPanel, key: str) -> None:
            super().__init__()
            self.panel = panel
            self.key = key

        @property
        def control(self) -> SignalPanel:
            return self.panel

    class Moved(Message):
        """The user moved the cursor (a key or a click): the app stops choosing for them."""

        def __init__(self, panel: SignalPanel) -> None:
            super().__init__()
            self.panel = panel

        @property
        def control(self) -> SignalPanel:
            return self.panel

    def __init__(
        self,
        store: SignalStore,
        title: str,
        accept: Accept,
        *,
        number: int | None = None,
        sources: Callable[[SourceState], bool] = lambda source: False,
        empty: str = "no signals",
        clock: Callable[[], float] = time.time,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.store = store
        self.title = title
        self.number = number
        self.feeds = sources
        """Which sources feed this panel (their errors show here)."""
        self.empty = empty
        self.clock = clock
        self.model = PanelRows(accept)
        self._pinned: list[PinnedLine] = []
        self._styles = PanelStyles(
            lambda name: self.get_visual_style(f"signal-panel--{name}").rich_style,
            no_color=lambda: self.app.no_color,
            focused=lambda: self.has_focus,
        )
        self._lines = PaintedRows()
        """The strip last drawn for each row (by row index): what the terminal shows."""
        self.frozen_at: float | None = None
        """Paused since: rows are drawn from copies of the signals taken then."""
        self._snapshot: dict[str, Signal] = {}
        self._columns = Columns()
        self._sparks = SparkCache()
        self._synced = False
        self._triage = Diagnosis()
        """The latest probable cause: a symptom's row points at its root."""
        self.laid_out_for = 0
        """The row width the columns were laid out for."""
        self.rows_moved: Callable[[], None] = lambda: None
        """Called, in the same turn, when the rows' lines or columns moved (the board's
        row guides follow before the next frame)."""

    # -- what tests and the app read ------------------------------------------------

    @property
    def row_keys(self) -> list[str]:
        return [signal.key for signal in self.model.rows]

    @property
    def selected_key(self) -> str | None:
        return self.model.cursor_key

    @property
    def selected_signal(self) -> Signal | None:
        key = self.model.cursor_key
        return None if key is None else self.store.signals.get(key)

    @property
    def first_signal(self) -> Signal | None:
        rows = self.model.rows
        return rows[0] if rows else None

    @property
    def cursor_index(self) -> int:
        return self.model.cursor

    @property
    def counts(self) -> dict[Status, int]:
        return dict(self.model.counts)

    @property
    def pinned_text(self) -> list[str]:
        return ["".join(text for text, _ in line) for line in self._pinned]

    @property
    def wanted_height(self) -> int:
        """Lines the panel needs to show everything: pinned lines plus rows."""
        return len(self._pinned) + len(self.model.rows)

    @property
    def minimum_height(self) -> int:
        """Lines kept when space is short: the title, banners and a few rows."""
        return len(self._pinned) + min(len(self.model.rows), 3)

    @property
    def columns(self) -> Columns:
        return self._columns

    # -- updates --------------------------------------------------------------------

    def set_accept(self, accept: Accept) -> None:
        """A new membership rule (the filter changed): applied at the next sync."""
        self.model.accept = accept

    def sync(self, changed: Collection[str] | None = None) -> None:
        """Bring the panel up to date with the store.

        `changed` are the keys the store reported since the last sync (of any kind; the
        panel picks its own); None means "anything may have changed". Repaints only the
        lines whose content differs from what is on screen.
        """
        with self.holding_area():
            self._sync(changed)

    def _sync(self, changed: Collection[str] | None) -> None:
        model = self.model
        self._lines.next_sync()
        before_pinned = self._pinned
        before_height = len(before_pinned) + len(model.rows)
        signals = self.store.signals
        dirty: set[str] = set()
        if changed is None or not self._synced:
            resort = True
        elif model.stale:
            resort = True  # a new filter or a new sort: the rows it changed move
            dirty = {key for key in changed if key in model.order}
        else:
            resort, dirty = model.classify(signals, changed)
        before_visible = self._visible() if resort else None
        if changed is None or not self._synced:
            model.resort(signals)
        elif resort:
            model.update(signals, changed)
        else:
            model.touched(dirty)
        self._synced = True
        self._pinned = self._compute_pinned()
        height = len(self._pinned) + len(model.rows)
        # A changed row off screen is measured when it comes into view (`_fit_shown`):
        # what it costs here is its place, not its width.
        widened = model.widen([key for key, _ in self._visible()] if resort else self._shown(dirty))
        columns = self._layout()
        if (
            len(self._pinned) != len(before_pinned)
            or height != before_height
            or columns != self._columns
            or widened
        ):
            # Rows moved on screen or the columns changed: every line is new.
            moved = columns != self._columns or len(self._pinned) != len(before_pinned)
            self._columns = columns
            self.virtual_size = Size(0, height)
            self._lines.forget()
            self.refresh()
            if moved:
                self.rows_moved()
            return
        for y, (old, new) in enumerate(zip(before_pinned, self._pinned, strict=True)):
            if old != new:
                self._refresh_screen_line(y)
        top = len(self._pinned)
        first = self.scroll_offset.y
        width = self.area.width
        if before_visible is None:
            bottom = first + self._rows_height()
            for key in dirty:
                index = model.position[key]
                if first <= index < bottom:
                    self._repaint_if_changed(top + index - first, index, width)
            return
        for offset, line in enumerate(self._visible()):
            old_line = before_visible[offset] if offset < len(before_visible) else None
            if line != old_line or line[0] in dirty:
                self._repaint_if_changed(top + offset, first + offset, width)

    def _shown(self, keys: Collection[str]) -> list[str]:
        """Those of `keys` whose rows are on screen now."""
        position = self.model.position
        first = self.scroll_offset.y
        bottom = first + self._rows_height()
        return [key for key in keys if first <= position.get(key, -1) < bottom]

    def _fit_shown(self) -> None:
        """Rows just scrolled (or resized) into view: a value that changed while off
        screen may need a wider column than the one laid out."""
        if self.model.widen([key for key, _ in self._visible()]):
            self._columns = self._layout()
            self._lines.forget()
            self.refresh()
            self.rows_moved()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value) and self._synced:
            self._fit_shown()

    def ages_in_seconds(self, now: float) -> bool:
        """Whether a shown row's age is still counted in seconds (failing for under
        two minutes): then it changes every second, with or without new data."""
        if not self._columns.age:
            return False
        signals = self.store.signals
        for key, _ in self._visible():
            signal = signals.get(key)
            started = None if signal is None or signal.status is Status.OK else signal.changed_at
            if started is not None and now - started < SECONDS_UNTIL:
                return True
        return False

    def set_order(
        self,
        key: Callable[[Signal], tuple[object, ...]],
        moved: tuple[Collection[str], Collection[str]] | None = None,
    ) -> None:
        """A new one sort (the probable causes moved): re-sorted at the next sync. With
        `moved` (components, keys) only their rows may sort differently (`OneSort.moved`)."""
        if moved is None:
            self.model.order_key = key
        else:
            self.model.reorder(key, *moved)

    def set_triage(self, diagnosis: Diagnosis) -> None:
        """A new diagnosis: repaint (all of it: roots change once an incident, not once
        a second) only when which component points at which root changed. Never
        raises: the board's sync calls it, and marks are not worth the app."""
        before, self._triage = self._triage, diagnosis
        if diagnosis is before or diagnosis.roots == before.roots:
            return
        try:
            self._columns = self._layout()
        except Exception:
            log.exception("laying out the symptom marks of panel %s failed", self.title)
        self._lines.forget()
        self.refresh()
        self.rows_moved()

    def _layout(self) -> Columns:
        model = self.model
        mark = 0
        if self._triage.roots:
            for signal in model.rows:
                if signal.status is Status.OK:
                    break  # worst first: only failing rows are symptoms
                mark = max(mark, cell_len(self._mark(signal)))
        self.laid_out_for = self.area.width
        return layout_columns(
            self.laid_out_for,
            model.longest_name,
            mark=mark,
            measured=model.widths,
        )

    def _compute_pinned(self) -> list[PinnedLine]:
        feeding = [source for source in self.store.sources if self.feeds(source)]
        label = f"{self.number} {self.title}" if self.number is not None else self.title
        return pinned_lines(
            label,
            self.model.counts if self.model.rows else None,
            feeding,
            self.empty,
            self.store.clock(),
        )

    def freeze(self, at: float | None) -> None:
        """Pause at `at` (None: resume). The store keeps changing the signals in place,
        so the rows are drawn from shallow copies taken now (the history ring is shared,
        but only samples up to `at` are drawn)."""
        self.frozen_at = at
        self._snapshot = {} if at is None else {s.key: copy.copy(s) for s in self.model.rows}
        if at is None:
            self._lines.forget()
            self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._lines.forget()
        if self._synced:
            self._fit_shown()
        self._columns = self._layout()
        self.rows_moved()
        self.refresh()  # the resize may be handled after the repaint it caused
        # The selected row stays in view when the panel shrinks (a neighbour grew).
        self.call_after_refresh(self._scroll_to_row, self.model.cursor)

    def _moved(self) -> None:
        self.post_message(self.Moved(self))

    def action_select(self) -> None:
        if self.model.cursor_key is not None:
            self.post_message(self.Selected(self, self.model.cursor_key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self.scroll_offset.y + offset.y - len(self._pinned)
        if offset.y < len(self._pinned) or not 0 <= index < len(self.model.rows):
            return
        self._move(index, scroll=False)
        self._moved()
        if event.chain >= 2:
            self.action_select()
