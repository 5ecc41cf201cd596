"""What a panel's row lines show on the terminal, and what a change must send of them.

A row whose value moved differs from what the terminal shows in a few cells: the value,
perhaps the trend's last cell. A change is refreshed from its first to its last changed
cell (`line_diff.changed_span`): Textual 8 sends it from the start of the stretch of
the line it begins in (the board cuts rows where their value begins,
`board_guides.py`), and the limit and the summary to its right stay as they are on
the terminal.

The strip built to compare a changed row with the terminal is also the one drawn: the
render that follows takes it (`take`) instead of building the row a second time.
"""

from __future__ import annotations

from textual.strip import Strip

from oncall_tui.ui.widgets.line_diff import changed_span


class PaintedRows:
    """Per row index: the strip the terminal shows, and a strip built ahead of its render.

    The owner calls `forget` whenever every line will be drawn anew (new columns, a
    resize, a focus or style change), `drop` for a row whose look changed without a
    store change (the cursor moved onto or off it), and `next_sync` before each store
    sync: a row built and not drawn by then (its screen was covered) is built again.
    """

    def __init__(self) -> None:
        self.painted: dict[int, Strip] = {}
        self._built: dict[int, tuple[str, Strip]] = {}
        self.built = 0
        """Rows built ahead of their render so far."""
        self.reused = 0
        """Of those, how many the render drew as built (not built a second time)."""

    def forget(self) -> None:
        self.painted.clear()
        self._built.clear()

    def next_sync(self) -> None:
        self._built.clear()

    def drop(self, index: int) -> None:
        self._built.pop(index, None)

    def drawn(self, index: int, strip: Strip) -> None:
        self.painted[index] = strip

    def take(self, index: int, key: str, width: int) -> Strip | None:
        """The strip built for row `index` showing `key`, if one was and still fits."""
        built = self._built.pop(index, None)
        if built is None or built[0] != key or built[1].cell_length != width:
            return None
        self.reused += 1
        return built[1]

    def change(self, index: int, key: str, strip: Strip) -> tuple[int, int] | None:
        """Row `index` (showing `key`) should now look like `strip`: the cells to send
        (start, end; (0, 0) for none), or None for the whole line (what the terminal
        shows is not known, or cannot be compared cell by cell). A strip to send is
        kept for the render."""
        painted = self.painted.get(index)
        if painted is not None and strip == painted:
            return (0, 0)
        span = None if painted is None else changed_span(painted, strip)
        if span != (0, 0):
            self._built[index] = (key, strip)
            self.built += 1
        return span
