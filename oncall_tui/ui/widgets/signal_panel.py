"""One panel of the board (Health, Risk rules, Dependencies, Alerts) as a Line-API widget.

Why not `DataTable`: it repaints its whole visible area for every changed cell (~4% CPU
and ~7.5 KB/s at 1,000 rows with 10% changing per second) and parses `str` cells as
markup. Here every screen line is drawn by `render_line` from the live `Signal` objects,
and a store change refreshes only the lines that show a changed signal. A re-sort (a
status changed) compares what each visible line showed before and after, so even then
only lines whose content moved are repainted.

Lines, top to bottom: the title (panel name and counts), one banner per failing source
that feeds this panel, then the rows. Title and banners are pinned (they do not
scroll): a source error must stay visible however far the user has scrolled.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from oncall_tui.core.formatting import failing_since, format_value
from oncall_tui.core.model import Kind, Signal, Status, sort_key
from oncall_tui.core.sanitize import sanitize
from oncall_tui.core.store import SignalStore
from oncall_tui.core.words import PANEL_TITLES, badge, count_parts
from oncall_tui.ui.cells import fit, row_summary

log = logging.getLogger(__name__)

PinnedLine = tuple[tuple[str, str], ...]
"""A pinned line as (text, style name) parts: comparable, so an unchanged banner is
not repainted."""

VisibleLine = tuple[str, bool]
"""(signal key, is the cursor on it): what a row line shows, for repaint decisions."""

_STATUS_CLASS = {
    Status.CRITICAL: "signal-panel--critical",
    Status.UNKNOWN: "signal-panel--unknown",
    Status.WARNING: "signal-panel--warning",
    Status.OK: "signal-panel--ok",
}
_BACKGROUND_CLASSES = frozenset(
    {"title", "title-focused", "cursor", "cursor-blurred", "banner-error", "banner-note"}
)
CURSOR_MARK = "\u203a"
"""Marks the selected row without relying on colour (NO_COLOR, monochrome)."""
BADGE_WIDTH = 6
VALUE_WIDTH = 8
NAME_MAX = 48


def column_widths(width: int, longest_name: int) -> tuple[int, int, int]:
    """(name, value, summary) widths for a row `width` cells wide.

    Layout: cursor mark, badge, name, value, summary, one space apart. The name gets
    what its longest entry needs (within bounds); the summary the rest. Narrow panels
    drop the summary first, then the value.

    No sparkline: the history grows on every collection even when the value does not
    change, so a correct sparkline would repaint every visible row every second, and a
    cheap one would show a stale trend. The detail screen draws the history instead.
    """
    rest = width - 1 - BADGE_WIDTH - 1
    if rest <= 0:
        return 0, 0, 0
    value = VALUE_WIDTH if rest >= VALUE_WIDTH + 1 + 12 else 0
    if value:
        rest -= value + 1
    if rest < 28:
        return rest, value, 0
    name = max(16, min(longest_name, NAME_MAX, int(rest * 0.65)))
    return name, value, rest - name - 1


class SignalPanel(ScrollView, can_focus=True):
    """The signals of one kind, worst first, with one selected row."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "signal-panel--critical",
        "signal-panel--unknown",
        "signal-panel--warning",
        "signal-panel--ok",
        "signal-panel--muted",
        "signal-panel--title",
        "signal-panel--title-focused",
        "signal-panel--cursor",
        "signal-panel--cursor-blurred",
        "signal-panel--banner-error",
        "signal-panel--banner-note",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False),
        Binding("k,up", "cursor_up", "Up", show=False),
        Binding("g,home", "cursor_top", "Top", show=False),
        Binding("G,end", "cursor_bottom", "Bottom", show=False),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False),
        Binding("enter", "select", "Detail"),
    ]

    class Selected(Message):
        """Enter (or a double click) on a row: whoever owns the panel drills into it."""

        def __init__(self, panel: SignalPanel, key: str) -> None:
            super().__init__()
            self.panel = panel
            self.key = key

        @property
        def control(self) -> SignalPanel:
            return self.panel

    def __init__(
        self,
        store: SignalStore,
        kind: Kind,
        *,
        number: int,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.store = store
        self.kind: Kind = kind
        self.number = number
        self.title = PANEL_TITLES[kind]
        self.touched = False
        """Set once the user moves the cursor, so the app stops choosing for them."""
        self._rows: list[Signal] = []
        self._position: dict[str, int] = {}
        self._order: dict[str, tuple[int, str]] = {}
        self._counts: dict[Status, int] = {}
        self._longest_name = 0
        self._cursor = 0
        self._cursor_key: str | None = None
        self._pinned: list[PinnedLine] = []
        self._styles: dict[tuple[str, ...], Style] = {}
        self._painted: dict[int, Strip] = {}
        """The row strip last drawn at each screen line: what the terminal shows."""
        self._synced = False

    # -- what tests and the app read ------------------------------------------------

    @property
    def row_keys(self) -> list[str]:
        return [signal.key for signal in self._rows]

    @property
    def selected_key(self) -> str | None:
        return self._cursor_key

    @property
    def selected_signal(self) -> Signal | None:
        if self._cursor_key is None:
            return None
        return self.store.signals.get(self._cursor_key)

    @property
    def first_signal(self) -> Signal | None:
        """The top row: the worst signal of this panel as of the last sync."""
        return self._rows[0] if self._rows else None

    @property
    def cursor_index(self) -> int:
        return self._cursor

    @property
    def counts(self) -> dict[Status, int]:
        return dict(self._counts)

    @property
    def pinned_text(self) -> list[str]:
        """The title and banner lines as plain text."""
        return ["".join(text for text, _ in line) for line in self._pinned]

    # -- updates --------------------------------------------------------------------

    def sync(self, changed: Collection[str] | None = None) -> None:
        """Bring the panel up to date with the store.

        `changed` are the keys the store reported since the last sync (of any kind; the
        panel picks its own); None means "anything may have changed". Repaints only the
        lines whose content differs from what is on screen.
        """
        before_pinned = self._pinned
        before_height = len(before_pinned) + len(self._rows)
        before_longest = self._longest_name
        resort = changed is None or not self._synced
        dirty: set[str] = set()
        if changed is not None:
            signals = self.store.signals
            for key in changed:
                signal = signals.get(key)
                known = self._order.get(key)
                if known is None:
                    if signal is not None and signal.kind == self.kind:
                        resort = True
                    continue
                dirty.add(key)
                if signal is None or signal.kind != self.kind or sort_key(signal) != known:
                    resort = True
                elif signal is not self._rows[self._position[key]]:
                    resort = True  # replaced by a new object with the same key
        # Without a re-sort the rows, the cursor and the scroll position stay put: only
        # the lines of changed signals can differ (the usual case: values moved).
        before_visible = self._visible() if resort else None
        if resort:
            self._resort()
        self._synced = True
        self._pinned = self._compute_pinned()
        height = len(self._pinned) + len(self._rows)
        width = self.scrollable_content_region.width
        if (
            len(self._pinned) != len(before_pinned)
            or height != before_height
            or column_widths(width, self._longest_name) != column_widths(width, before_longest)
        ):
            # Rows moved on screen or the columns changed: every line is new.
            self.virtual_size = Size(0, height)
            self.refresh()
            return
        for y, (old, new) in enumerate(zip(before_pinned, self._pinned, strict=True)):
            if old != new:
                self._refresh_screen_line(y)
        top = len(self._pinned)
        first = self.scroll_offset.y
        if before_visible is None:
            bottom = first + self._rows_height()
            position = self._position
            for key in dirty:
                index = position[key]
                if first <= index < bottom:
                    self._repaint_if_changed(top + index - first, index)
            return
        for offset, line in enumerate(self._visible()):
            old_line = before_visible[offset] if offset < len(before_visible) else None
            if line != old_line or line[0] in dirty:
                self._repaint_if_changed(top + offset, first + offset)

    def _repaint_if_changed(self, y: int, index: int) -> None:
        """Repaint screen line `y` (row `index`) unless it would look exactly as it
        does now: a value that moved in its fourth digit is not worth a repaint."""
        try:
            strip = self._row_strip(index, self.scrollable_content_region.width)
        except Exception:
            strip = None  # render_line will draw (and log) the failure
        if strip is None or strip != self._painted.get(y):
            self._refresh_screen_line(y)

    def _resort(self) -> None:
        rows = self.store.by_kind(self.kind)
        self._rows = rows
        self._position = {signal.key: index for index, signal in enumerate(rows)}
        self._order = {signal.key: sort_key(signal) for signal in rows}
        counts = dict.fromkeys(Status, 0)
        for signal in rows:
            counts[signal.status] += 1
        self._counts = counts
        self._longest_name = max((cell_len(signal.name) for signal in rows), default=0)
        if self._cursor_key is not None and self._cursor_key in self._position:
            self._cursor = self._position[self._cursor_key]
        else:
            # The selected signal is gone: stay at the same place in the list.
            self._cursor = max(0, min(self._cursor, len(rows) - 1))
            self._cursor_key = rows[self._cursor].key if rows else None

    def _compute_pinned(self) -> list[PinnedLine]:
        lines: list[PinnedLine] = [self._title_line()]
        feeding = [source for source in self.store.sources if self.kind in source.kinds]
        for source in feeding:
            name = sanitize(source.name, 64)
            if source.ok is False:
                since = failing_since(source, self.store.clock())
                text = f"⚠ source {name}{since}: {source.error or 'collection failed'}"
                lines.append(((text, "banner-error"),))
            elif source.note:
                lines.append(((f"ⓘ source {name}: {source.note}", "banner-note"),))
        if not self._rows:
            if not feeding:
                message = "no source feeds this panel"
            elif any(source.ok is None for source in feeding):
                message = "waiting for first collection…"
            else:
                message = "no signals"
            lines.append(((f"  {message}", "muted"),))
        return lines

    def _title_line(self) -> PinnedLine:
        # The focus mark is drawn at render time: Textual repaints a widget whose
        # focus changes, and focus handlers run before `has_focus` is updated.
        parts: list[tuple[str, str]] = [
            ("  ", "title"),
            (f"{self.number} {self.title}", "title-bold"),
        ]
        if self._rows:
            parts.append(("  ", "title"))
            for index, (status, text) in enumerate(count_parts(self._counts, zeros=False)):
                if index:
                    parts.append((" · ", "title"))
                parts.append((text, f"title-{status.value}"))
        return tuple(parts)

    # -- cursor ---------------------------------------------------------------------

    def select_key(self, key: str, *, scroll: bool = True) -> bool:
        """Put the cursor on the signal `key`; False if this panel does not show it."""
        index = self._position.get(key)
        if index is None:
            return False
        self._move(index, scroll=scroll)
        return True

    def _move(self, index: int, *, scroll: bool = True) -> None:
        if not self._rows:
            return
        index = max(0, min(index, len(self._rows) - 1))
        previous = self._cursor
        self._cursor = index
        self._cursor_key = self._rows[index].key
        if scroll:
            self._scroll_to_row(index)
        for row in {previous, index}:
            self._refresh_row(row)

    def _rows_height(self) -> int:
        return max(0, self.scrollable_content_region.height - len(self._pinned))

    def _scroll_to_row(self, index: int) -> None:
        height = self._rows_height()
        if height <= 0:
            return
        top = self.scroll_offset.y
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)

    def action_cursor_down(self) -> None:
        self.touched = True
        self._move(self._cursor + 1)

    def action_cursor_up(self) -> None:
        self.touched = True
        self._move(self._cursor - 1)

    def action_cursor_top(self) -> None:
        self.touched = True
        self._move(0)

    def action_cursor_bottom(self) -> None:
        self.touched = True
        self._move(len(self._rows) - 1)

    def action_page_down(self) -> None:
        self.touched = True
        self._move(self._cursor + max(1, self._rows_height() - 1))

    def action_page_up(self) -> None:
        self.touched = True
        self._move(self._cursor - max(1, self._rows_height() - 1))

    def action_select(self) -> None:
        if self._cursor_key is not None:
            self.post_message(self.Selected(self, self._cursor_key))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = self.scroll_offset.y + offset.y - len(self._pinned)
        if offset.y < len(self._pinned) or not 0 <= index < len(self._rows):
            return
        self.touched = True
        self._move(index, scroll=False)
        if event.chain >= 2:
            self.action_select()

    # -- painting -------------------------------------------------------------------

    def _visible(self) -> list[VisibleLine]:
        top = self.scroll_offset.y
        bottom = min(len(self._rows), top + self._rows_height())
        cursor = self._cursor
        return [(self._rows[i].key, i == cursor) for i in range(top, bottom)]

    def _refresh_row(self, index: int) -> None:
        y = len(self._pinned) + index - self.scroll_offset.y
        if len(self._pinned) <= y < self.scrollable_content_region.height:
            self._refresh_screen_line(y)

    def _refresh_screen_line(self, y: int) -> None:
        # Content width only: repainting the scrollbar cell too costs ~20 bytes a line.
        self.refresh(Region(0, y, self.scrollable_content_region.width, 1))

    def notify_style_update(self) -> None:
        self._styles.clear()
        self._painted.clear()
        super().notify_style_update()

    def on_resize(self, event: events.Resize) -> None:
        self._painted.clear()

    def _style(self, *names: str) -> Style:
        """The rich style of component classes, cached until the CSS or theme changes.
        Styles with their own background (title, cursor, banners) keep it; the others
        keep only colour and attributes, so the row shows the panel's own background."""
        style = self._styles.get(names)
        if style is None:
            classes = [f"signal-panel--{name}" for name in names]
            style = self.get_visual_style(*classes).rich_style
            if not any(name in _BACKGROUND_CLASSES for name in names):
                style = Style(color=style.color, bold=style.bold, dim=style.dim)
            self._styles[names] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        try:
            if y < len(self._pinned):
                return self._pinned_strip(self._pinned[y], width)
            index = self.scroll_offset.y + y - len(self._pinned)
            if 0 <= index < len(self._rows):
                strip = self._row_strip(index, width)
                self._painted[y] = strip
                return strip
            # Explicit styles everywhere: NO_COLOR's monochrome filter fails on None.
            return Strip.blank(width, Style())
        except Exception:  # a bad row must cost one line, not the app
            log.exception("rendering line %d of panel %s failed", y, self.kind)
            return Strip([Segment(fit("⚠ cannot draw this row", width), Style())])

    def _pinned_strip(self, line: PinnedLine, width: int) -> Strip:
        is_title = line[0][1] == "title"
        focus = "title-focused" if self.has_focus else "title"
        segments: list[Segment] = []
        used = 0
        for index, (text, name) in enumerate(line):
            if is_title and index == 0 and self.has_focus:
                text = "▸ "
            if is_title:
                if name == "title":
                    style = self._style(focus)
                elif name == "title-bold":
                    style = self._style(focus) + Style(bold=True)
                else:
                    style = self._style(focus, name.removeprefix("title-"))
            else:
                style = self._style(name)
            room = width - used
            if room <= 0:
                break
            if cell_len(text) > room:
                text = fit(text, room)
            segments.append(Segment(text, style))
            used += cell_len(text)
        if used < width:
            filler = self._style(focus) if is_title else self._style(line[-1][1])
            segments.append(Segment(" " * (width - used), filler))
        return Strip(segments, width)

    def _row_strip(self, index: int, width: int) -> Strip:
        signal = self._rows[index]
        name_w, value_w, summary_w = column_widths(width, self._longest_name)
        status_class = _STATUS_CLASS[signal.status].removeprefix("signal-panel--")
        selected = index == self._cursor
        if selected:
            cursor = "cursor" if self.has_focus else "cursor-blurred"
            base = self._style(cursor)
            status_style = self._style(cursor, status_class)
            muted = self._style(cursor, "muted")
        else:
            base = Style()
            status_style = self._style(status_class)
            muted = self._style("muted")
        alarming = signal.status is not Status.OK
        segments = [
            Segment(CURSOR_MARK if selected else " ", base),
            Segment(fit(badge(signal.status), BADGE_WIDTH), status_style),
        ]
        if name_w:
            segments += [Segment(" ", base), Segment(fit(signal.name, name_w), base)]
        if value_w:
            value = fit(format_value(signal.value, signal.unit), value_w, right=True)
            # An unknown signal's value is its last known one: shown muted, never as news.
            value_style = base
            if signal.status is Status.UNKNOWN:
                value_style = muted
            elif alarming:
                value_style = status_style
            segments += [Segment(" ", base), Segment(value, value_style)]
        if summary_w:
            summary = fit(row_summary(signal), summary_w)
            segments += [Segment(" ", base), Segment(summary, base if alarming else muted)]
        return Strip(segments).adjust_cell_length(width, base)
