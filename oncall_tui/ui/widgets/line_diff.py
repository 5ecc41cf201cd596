"""How much of a repainted line the terminal needs to be sent.

Textual 8 writes a partly repainted line from the start of the stretch ("chop") the
dirty region begins in up to the region's right end (`ChopsUpdate.render_segments`
crops a line on the right only). A line is cut into stretches wherever a widget begins
or ends on it. A row whose value changed but whose trend, limit and summary did not is
therefore cheaper to repaint up to its last changed cell than whole, and cheaper still
from its first changed cell where the board cuts its rows there (`board_guides.py`): a
dashboard row changing a few times a second is most of what the board writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual.geometry import Region
from textual.strip import Strip


def changed_extent(old: Strip, new: Strip) -> int | None:
    """Cells from the left that cover every difference between `old` and `new` (0 when
    they look the same); None when that cannot be told cell by cell (different widths,
    or wide characters, where one character is not one cell)."""
    span = changed_span(old, new)
    return None if span is None else span[1]


def changed_span(old: Strip, new: Strip) -> tuple[int, int] | None:
    """The cells (start, end) that cover every difference between `old` and `new`
    ((0, 0) when they look the same); None when that cannot be told cell by cell."""
    if old.cell_length != new.cell_length:
        return None
    old_cells = _cells(old)
    new_cells = _cells(new)
    if old_cells is None or new_cells is None or len(old_cells) != len(new_cells):
        return None
    end = _last_difference(old_cells, new_cells)
    if not end:
        return (0, 0)
    start = 0
    while old_cells[start] == new_cells[start]:
        start += 1
    return (start, end)


def changed_cells(old: str, new: str) -> int | None:
    """The same for two one-line texts drawn in the same styles (the cause line): a
    shorter text's cleared tail counts as changed; None when a character is not one
    cell wide."""
    if cell_len(old) != len(old) or cell_len(new) != len(new):
        return None
    width = max(len(old), len(new))
    return _last_difference(old.ljust(width), new.ljust(width))


def dirty_line(y: int, width: int, extent: int | None) -> Region | None:
    """The region of line `y` to repaint for a change `extent` cells long: the whole
    `width` when the extent is unknown (None), nothing when nothing changed (0)."""
    return dirty_span(y, width, None if extent is None else (0, extent))


def dirty_span(y: int, width: int, span: tuple[int, int] | None) -> Region | None:
    """The region of line `y` to repaint for the changed cells `span`: the whole
    `width` when unknown (None), nothing when nothing changed."""
    if span is None:
        return Region(0, y, width, 1)
    start, end = span[0], min(width, span[1])
    if end <= start:
        return None
    return Region(start, y, end - start, 1)


def _last_difference(old: Sequence[object], new: Sequence[object]) -> int:
    """Cells up to and including the last position where two equal-length runs differ."""
    for index in range(len(new) - 1, -1, -1):
        if old[index] != new[index]:
            return index + 1
    return 0


def _cells(strip: Strip) -> list[tuple[str, object]] | None:
    cells: list[tuple[str, object]] = []
    for segment in strip:
        if segment.control:
            return None
        text = segment.text
        if len(text) != segment.cell_length:
            return None
        style = segment.style
        cells.extend((char, style) for char in text)
    return cells
