"""The cursor of a panel and the keys that move it.

The base of `SignalPanel`: it moves the selected row (kept by key in `PanelRows`, so a
re-sort never moves the user's row), scrolls it into view and repaints only the two
lines that changed. What the rows are, and how they are drawn, is the panel's job.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.geometry import Region

from oncall_tui.core.present.panel_rows import PanelRows, PinnedLine
from oncall_tui.ui.widgets.line_diff import dirty_span
from oncall_tui.ui.widgets.steady_scroll import SteadyScrollView


class PanelCursor(SteadyScrollView, can_focus=True, inherit_bindings=False):
    """A scrolling list of rows under pinned lines, with one selected row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="up"),
        Binding("g,home", "cursor_top", "First row", show=False, id="top"),
        Binding("G,end", "cursor_bottom", "Last row", show=False, id="bottom"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="page_down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="page_up"),
        Binding(
            "enter",
            "select",
            "Detail",
            tooltip="Open the selected signal: chart and runbook",
            id="drill",
        ),
        Binding("l,right", "screen.cycle_panel(1)", "Next panel", show=False),
        Binding("h,left", "screen.cycle_panel(-1)", "Previous panel", show=False),
    ]

    model: PanelRows
    """The rows and the cursor (set by the subclass)."""
    _pinned: list[PinnedLine]
    """The lines above the rows (title, banners): never scrolled away."""
    _held_area: Region | None = None

    @property
    def area(self) -> Region:
        """Where the rows are drawn (screen cells, scrollbar excluded). Textual works it
        out anew at each ask (the screen's map, the scrollbar's gutter): a sync or a
        frame asks many times for one answer, so they hold it (`holding_area`)."""
        held = self._held_area
        return held if held is not None else self.scrollable_content_region

    @contextmanager
    def holding_area(self) -> Iterator[Region]:
        """The area, asked once for what runs inside (nothing inside lays out)."""
        if self._held_area is not None:
            yield self._held_area
            return
        self._held_area = self.scrollable_content_region
        try:
            yield self._held_area
        finally:
            self._held_area = None

    def select_key(self, key: str, *, scroll: bool = True) -> bool:
        """Put the cursor on the signal `key`; False if this panel does not show it."""
        index = self.model.position.get(key)
        if index is None:
            return False
        self._move(index, scroll=scroll)
        return True

    def _move(self, index: int, *, scroll: bool = True) -> None:
        if not self.model.rows:
            return
        previous = self.model.move(index)
        if scroll:
            self._scroll_to_row(self.model.cursor)
        for row in {previous, self.model.cursor}:
            self._refresh_row(row)

    def _user_move(self, index: int) -> None:
        self._move(index)
        self._moved()

    def _moved(self) -> None:
        """The user moved the cursor (a key or a click): the subclass tells its owner."""

    def _rows_height(self) -> int:
        return max(0, self.area.height - len(self._pinned))

    def _scroll_to_row(self, index: int) -> None:
        height = self._rows_height()
        if height <= 0:
            return
        top = self.scroll_offset.y
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)

    def _refresh_row(self, index: int) -> None:
        y = len(self._pinned) + index - self.scroll_offset.y
        if len(self._pinned) <= y < self.area.height:
            self._refresh_screen_line(y)

    def _refresh_screen_line(self, y: int, cells: tuple[int, int] | None = None) -> None:
        """Repaint screen line `y`, only its `cells` (start, end) when given."""
        # Content width only: repainting the scrollbar cell too costs ~20 bytes a line.
        region = dirty_span(y, self.area.width, cells)
        if region is not None:
            self.refresh(region)

    def action_cursor_down(self) -> None:
        self._user_move(self.model.cursor + 1)

    def action_cursor_up(self) -> None:
        self._user_move(self.model.cursor - 1)

    def action_cursor_top(self) -> None:
        self._user_move(0)

    def action_cursor_bottom(self) -> None:
        self._user_move(len(self.model.rows) - 1)

    def action_page_down(self) -> None:
        self._user_move(self.model.cursor + max(1, self._rows_height() - 1))

    def action_page_up(self) -> None:
        self._user_move(self.model.cursor - max(1, self._rows_height() - 1))
