"""The wallboard's pages as lines: the overview (every layer side by side) and one
layer's signals as tiles, big when they all fit that way."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from itertools import takewhile

from oncall_tui.core.config.loader import WallboardPage
from oncall_tui.core.present import bigtext
from oncall_tui.core.present.cell_width import cell_width
from oncall_tui.core.present.parts import Line, Part
from oncall_tui.core.present.row_text import row_summary
from oncall_tui.core.present.wallboard import LAYERS, Board, Layer
from oncall_tui.core.present.wallboard_lines import fit, pad, source_line, value_text
from oncall_tui.core.present.words import GLYPH, LONG, SHORT, WORST_FIRST, shown_name, symbols
from oncall_tui.core.signals.model import Signal, Status

TILE_WIDTH = 56
"""Narrowest compact tile: badge, a 30-cell name, the value, some summary."""
BIG_TILE_WIDTH = 48
"""Narrowest big tile (name, five rows of big digits, summary), at scale 1."""
OVERVIEW_WIDTH = 56
"""Narrowest column of the overview."""

TileMaker = Callable[[Signal, int], list[list[Part]]]


def page_lines(board: Board, page: WallboardPage, width: int, height: int) -> list[Line]:
    if height <= 0:
        return []
    if page == "overview":
        return overview_lines(board, width, height)
    layer = board.layers[page]
    lines: list[Line] = [layer_header(layer), ()]
    lines += [source_line(source, width) for source in layer.failing]
    empty = empty_text(layer)
    if empty:
        lines.append(((" ", ""), (empty, "muted")))
        return lines[:height]
    return [*lines, *tile_lines(layer.signals, width, height - len(lines))][:height]


def layer_header(layer: Layer) -> Line:
    status = layer.status
    parts: list[Part] = [
        (f" {layer.title.upper()} ", "page-current"),
        ("  ", ""),
        (f"{GLYPH[status]} {LONG[status]}", status.value),
    ]
    for each in WORST_FIRST:
        count = layer.counts.get(each, 0)
        parts += [("   ", ""), (f"{GLYPH[each]} {count}", each.value if count else "muted")]
    return tuple(parts)


def empty_text(layer: Layer) -> str:
    if layer.signals:
        return ""
    if not layer.fed:
        return f"no source feeds {layer.title.lower()}"
    if layer.failing:
        return "no data: its source is failing"
    return "no alerts firing" if layer.kind == "alert" else "no signals yet"


# -- one layer: tiles -----------------------------------------------------------------


def tile_lines(signals: Sequence[Signal], width: int, height: int) -> list[Line]:
    """Signals as tiles, worst first, left to right. Big tiles (the value in big
    digits) when every signal fits that way, compact ones (two lines) otherwise; what
    does not fit even then is counted in the last tile."""
    if height <= 0 or not signals:
        return []
    for scale in (2, 1):  # twice as big on a TV, when they all fit that way
        columns = width // (BIG_TILE_WIDTH * scale)
        tile_height = bigtext.HEIGHT * scale + 2
        if columns and len(signals) <= columns * ((height + 1) // (tile_height + 1)):
            make = partial(big_tile, scale=scale)
            return _grid(signals, width, height, columns, tile_height, make)
    return _grid(signals, width, height, max(1, width // TILE_WIDTH), 2, tile)


def _grid(
    signals: Sequence[Signal],
    width: int,
    height: int,
    columns: int,
    tile_height: int,
    make: TileMaker,
) -> list[Line]:
    cell = width // columns
    rows = max(1, (height + 1) // (tile_height + 1))
    capacity = rows * columns
    shown: list[Signal | None] = list(signals)
    if len(signals) > capacity:
        shown = [*signals[: capacity - 1], None]
    lines: list[Line] = []
    for start in range(0, len(shown), columns):
        block: list[list[Part]] = [[] for _ in range(tile_height)]
        for signal in shown[start : start + columns]:
            if signal is None:
                made = [[(fit(_more(signals[capacity - 1 :]), cell), "muted")]]
                made += [[(" " * cell, "")] for _ in range(tile_height - 1)]
            else:
                made = make(signal, cell)
            for row, parts in zip(block, made, strict=True):
                row += pad(tuple(parts), cell)
        if lines:
            lines.append(())
        lines += [tuple(row) for row in block]
    return lines


def _more(rest: Sequence[Signal]) -> str:
    counts = dict.fromkeys(Status, 0)
    for signal in rest:
        counts[signal.status] += 1
    words = ", ".join(f"{counts[s]} {SHORT[s].lower()}" for s in WORST_FIRST if counts[s])
    return f" +{len(rest)} more: {words}"


def _head(signal: Signal, width: int) -> list[Part]:
    status = signal.status
    badge = f" {GLYPH[status]} {SHORT[status]:<4} "
    name_style = status.value if status is not Status.OK else "title"
    return [
        (badge, status.value),
        (fit(shown_name(signal), width - cell_width(badge) - 1), name_style),
    ]


def tile(signal: Signal, width: int) -> list[list[Part]]:
    """Two lines: badge and name; value and summary."""
    indent = " " * (cell_width(SHORT[signal.status]) + 4)
    indent = " " * 8
    value = value_text(signal)
    value = f"{value}  " if value else ""
    summary = fit(row_summary(signal), width - len(indent) - cell_width(value) - 1)
    return [_head(signal, width), [(indent, ""), (value, "title"), (summary, "muted")]]


def big_tile(signal: Signal, width: int, scale: int = 1) -> list[list[Part]]:
    """Badge and name, the value in big digits, the summary: read from across a room."""
    value = value_text(signal)
    digits = bigtext.render(value, scale, symbols().pixel) if value else ()
    if bigtext.width(value, scale) > width - 3:
        digits = ()
    lines = [_head(signal, width)]
    for row in range(bigtext.HEIGHT * scale):
        lines.append([("  ", ""), (digits[row], signal.status.value)] if digits else [])
    lines.append([("  ", ""), (fit(row_summary(signal), width - 3), "muted")])
    return lines


# -- the overview: every layer ----------------------------------------------------------


def overview_lines(board: Board, width: int, height: int) -> list[Line]:
    """One block per layer (a header, then its signals that are not ok, worst first, as
    many as fit), side by side as far as the width allows: the platform in one look."""
    layers = [board.layers[kind] for kind in LAYERS if board.layers[kind].shown]
    cause = board.diagnosis.cause
    if cause is not None:  # the impact, then the cause's layer, then the rest
        layers.sort(key=lambda layer: (layer.kind != "business", layer.kind != cause.kind))
    if not layers:
        return [((" ", ""), ("no signals yet", "muted"))]
    columns = max(1, min(len(layers), width // OVERVIEW_WIDTH))
    cell = width // columns
    block_rows = -(-len(layers) // columns)
    block_height = max(2, (height - (block_rows - 1)) // block_rows)
    lines: list[Line] = []
    for start in range(0, len(layers), columns):
        blocks = [
            layer_block(layer, cell, block_height) for layer in layers[start : start + columns]
        ]
        if lines:
            lines.append(())
        for row in range(max(len(block) for block in blocks)):
            parts: list[Part] = []
            for block in blocks:
                parts += pad(block[row] if row < len(block) else (), cell)
            lines.append(tuple(parts))
    return lines[:height]


def layer_block(layer: Layer, width: int, height: int) -> list[Line]:
    """A layer's header, then (room permitting) its status in big letters and its
    signals that are not ok; what does not fit is counted, never silently dropped."""
    details: list[Line] = [source_line(source, width) for source in layer.failing]
    # Worst first: the rows that are not ok come first (a pass over the few, not the
    # thousands that are ok), and only those that fit are worded.
    bad = list(takewhile(_not_ok, layer.signals))
    if not bad and not layer.failing:
        text = empty_text(layer) or f"{GLYPH[Status.OK]} all {len(layer.signals)} ok"
        details.append((("   ", ""), (text, "muted")))
    count = len(details) + len(bad)
    room = height - 1
    spacer: list[Line] = [()] if room >= 2 else []
    room -= len(spacer)
    word = LONG[layer.status]
    big: list[Line] = []
    if room - count >= bigtext.HEIGHT + 1 and bigtext.width(word) + 3 <= width:
        # Room to spare (a TV): the layer's status in big letters, readable from afar.
        letters = bigtext.render(word, 1, symbols().pixel)
        big = [*((("   ", ""), (row, layer.status.value)) for row in letters), ()]
    room -= len(big)
    if room <= 0:
        return [layer_header(layer)]
    keep = count if count <= room else room - 1
    details += [_overview_row(signal, width) for signal in bad[: max(0, keep - len(details))]]
    if count > room:
        details = [*details[:keep], (("   ", ""), (f"+{count - keep} more", "muted"))]
    return [layer_header(layer), *spacer, *big, *details]


def _not_ok(signal: Signal) -> bool:
    return signal.status is not Status.OK


def _overview_row(signal: Signal, width: int) -> Line:
    status = signal.status
    head = f"   {GLYPH[status]} {SHORT[status]:<4} "
    name_width = max(10, min(40, width // 2 - 4))
    value = f"{value_text(signal):>8}  "
    rest = width - cell_width(head) - name_width - cell_width(value) - 1
    return (
        (head, status.value),
        (fit(shown_name(signal), name_width), status.value),
        (value, "title"),
        (fit(row_summary(signal), max(0, rest)), "muted"),
    )
