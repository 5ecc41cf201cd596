"""How a board panel draws its lines: the `SignalPanel`'s base below its store sync.

Every screen line is drawn by `render_line` from the live `Signal` objects (or the
copies a pause froze); a row that changed is compared with what the terminal shows and
repainted from its first to its last changed cell only (`panel_lines.py`); the strip built for
that comparison is the one drawn. `panel_paint.py` says how parts look, `panel_rows.py`
what a row says.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from rich.style import Style
from textual import events
from textual.geometry import Region
from textual.strip import Strip

from oncall_tui.core.present.panel_rows import Columns, row_parts
from oncall_tui.core.present.sparkline import SparkCache
from oncall_tui.core.present.triage_text import symptom_mark
from oncall_tui.core.signals.model import Signal
from oncall_tui.core.triage.causes import Diagnosis
from oncall_tui.ui.widgets.panel_cursor import PanelCursor
from oncall_tui.ui.widgets.panel_lines import PaintedRows
from oncall_tui.ui.widgets.panel_paint import PanelStyles, failed_strip, pinned_strip, row_strip

log = logging.getLogger(__name__)

VisibleLine = tuple[str, bool]
"""(signal key, is the cursor on it): what a row line shows, for repaint decisions."""


class PanelDraw(PanelCursor):
    """Draws the pinned lines and the rows; the subclass keeps them current."""

    title: str
    clock: Callable[[], float] = time.time
    frozen_at: float | None = None
    """Paused since: rows are drawn from copies of the signals taken then."""
    _lines: PaintedRows
    _styles: PanelStyles
    _columns: Columns
    _sparks: SparkCache
    _snapshot: dict[str, Signal]
    _triage: Diagnosis

    def recheck_visible(self) -> None:
        """Repaint visible rows that would look different now without any store change:
        the trend moved one cell along, an age passed a minute."""
        top = len(self._pinned)
        first = self.scroll_offset.y
        width = self.area.width
        for offset in range(len(self._visible())):
            self._repaint_if_changed(top + offset, first + offset, width)

    def _mark(self, signal: Signal) -> str:
        root = self._triage.symptom_root(signal)
        return symptom_mark(root) if root is not None else ""

    def _repaint_if_changed(self, y: int, index: int, width: int) -> None:
        """Repaint screen line `y` (row `index`) unless it would look exactly as it does
        now: a value that moved in its fourth digit is not worth a repaint. Its changed
        cells only (`PaintedRows.change`): a new value leaves the name to its left and
        the trend, the limit and the summary to its right as they are on the terminal."""
        try:
            strip = self._row_strip(index, width)
        except Exception:  # render_line will draw (and log) the failure
            self._refresh_screen_line(y)
            return
        self._refresh_screen_line(y, self._lines.change(index, self.model.rows[index].key, strip))

    def _refresh_row(self, index: int) -> None:
        self._lines.drop(index)  # the cursor moved onto or off it: built again
        super()._refresh_row(index)

    def _visible(self) -> list[VisibleLine]:
        rows = self.model.rows
        top = self.scroll_offset.y
        bottom = min(len(rows), top + self._rows_height())
        cursor = self.model.cursor
        return [(rows[i].key, i == cursor) for i in range(top, bottom)]

    def notify_style_update(self) -> None:
        self._styles.clear()
        self._lines.forget()
        super().notify_style_update()

    def on_focus(self, event: events.Focus) -> None:
        self._styles.clear()
        self._lines.forget()

    def on_blur(self, event: events.Blur) -> None:
        self._styles.clear()
        self._lines.forget()

    def render_lines(self, crop: Region) -> list[Strip]:
        with self.holding_area():  # one ask for every line drawn in this frame
            return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.area.width
        try:
            if y < len(self._pinned):
                return pinned_strip(self._pinned[y], width, self._styles, focused=self.has_focus)
            index = self.scroll_offset.y + y - len(self._pinned)
            rows = self.model.rows
            if 0 <= index < len(rows):
                strip = self._lines.take(index, rows[index].key, width)
                if strip is None:
                    strip = self._row_strip(index, width)
                self._lines.drawn(index, strip)
                return strip
            # Explicit styles everywhere: NO_COLOR's monochrome filter fails on None.
            return Strip.blank(width, Style())
        except Exception:  # a bad row must cost one line, not the app
            log.exception("rendering line %d of panel %s failed", y, self.title)
            return failed_strip(width)

    def _row_strip(self, index: int, width: int) -> Strip:
        signal = self.model.rows[index]
        signal = self._snapshot.get(signal.key, signal)
        now = self.frozen_at if self.frozen_at is not None else self.clock()
        parts = row_parts(signal, self._columns, now, self._sparks, self._mark(signal))
        return row_strip(parts, width, self._styles, selected=index == self.model.cursor)
