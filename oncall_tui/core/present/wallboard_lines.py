"""The wallboard's text, line by line, from a `Board` snapshot: no widgets here, so every
layout decision (what is pinned, what is cut) is a plain function of the data and the
size, testable without a terminal. The pages' tiles are in `wallboard_pages.py`."""

from __future__ import annotations

import time

from oncall_tui.core.present import bigtext
from oncall_tui.core.present.cell_width import cell_width
from oncall_tui.core.present.cell_width import fit as fit_cells
from oncall_tui.core.present.formatting import format_value
from oncall_tui.core.present.parts import Line, Part
from oncall_tui.core.present.row_text import summary_cell, symptom_parts
from oncall_tui.core.present.triage_text import causes_text, symptom_mark
from oncall_tui.core.present.wallboard import PAGE_TITLES, Board, Rotation, since
from oncall_tui.core.present.words import (
    GLYPH,
    LONG,
    PANEL_TITLES,
    WORST_FIRST,
    short_duration,
    shown_name,
    symbols,
)
from oncall_tui.core.signals.model import Signal, SourceState, Status

PINNED_WIDTH = 60
"""Narrowest column of pinned criticals."""


def fit(text: str, width: int) -> str:
    """`text` cut or padded to exactly `width` cells; a cut ends in the chosen set's
    ellipsis so a truncated name is never taken for a whole one."""
    return fit_cells(text, width, ellipsis=symbols().ellipsis)


def pad(line: Line, width: int) -> list[Part]:
    """The parts of `line` cut or padded to exactly `width` cells."""
    parts: list[Part] = []
    used = 0
    for text, style in line:
        room = width - used
        if room <= 0:
            break
        shown = fit(text, room) if cell_width(text) > room else text
        parts.append((shown, style))
        used += cell_width(shown)
    if used < width:
        parts.append((" " * (width - used), ""))
    return parts


def value_text(signal: Signal) -> str:
    """The value as the board shows it; an alert has none to show (its status is its
    severity), anything else without a value says so."""
    if signal.value is None and signal.kind == "alert":
        return ""
    return format_value(signal.value, signal.unit)


# -- the top: title, life signs, big status, counts ----------------------------------


def big_word(board: Board) -> str:
    if board.sources == 0:
        return "NO SOURCES"
    if board.waiting:
        return "WAITING"
    return LONG[board.overall]


def big_lines(text: str, scale: int) -> list[Line]:
    return [((line, ""),) for line in bigtext.render(text, scale, symbols().pixel)]


def clock_text(now: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(now))


def title_line(title: str, width: int, *, read_only: bool) -> Line:
    badge: list[Part] = [(" READ-ONLY ", "read-only"), (" ", "")] if read_only else []
    room = width - sum(cell_width(text) for text, _ in badge) - 2
    shown = fit(title, max(0, min(cell_width(title), room)))
    return ((" ", ""), (shown, "title"), (" ", ""), *badge)


def life_line(now: float, age: str, old: bool) -> Line:
    """Data age, heartbeat and clock: what moves on a live board (fixed width, so the
    tick repaints a few cells and never the layout)."""
    beat = symbols().heartbeat
    return (
        (f"{symbols().alert} " if old else "  ", "alert"),
        (age.rjust(16), "alert" if old else "muted"),
        ("  ", ""),
        (beat[int(now) % len(beat)], "title"),
        (" ", ""),
        (clock_text(now), "title"),
        (" ", ""),
    )


def counts_line(board: Board) -> Line:
    parts: list[Part] = [(" ", "")]
    for status in WORST_FIRST:
        count = board.counts.get(status, 0)
        style = status.value if count else "muted"
        parts += [(f"{GLYPH[status]} {count} {LONG[status].lower()}", style), ("    ", "")]
    if board.failing:
        plural = "s" if len(board.failing) != 1 else ""
        parts.append((f"{symbols().alert} {len(board.failing)} source{plural} failing", "alert"))
    return tuple(parts)


# -- the probable cause: big, then as the board's line ---------------------------------

CAUSE_LABEL = " LIKELY CAUSE "


def cause_lines(
    board: Board, now: float, width: int, *, scale: int, big: bool, window: float
) -> list[Line]:
    """The first probable cause in big letters (`big`, when its name fits), then the
    board's line 2 (`LIKELY CAUSE credit-bureau down …`, the other causes named or
    counted) with its data's age: above every critical, on every page, so the cause is
    read before its symptoms. As many lines whatever the causes say (a new one must
    not move the page); nothing while nothing is failing."""
    causes = board.diagnosis.causes
    if not causes:
        return []
    first = causes[0]
    lines: list[Line] = []
    name = first.component.upper()
    if big:
        for each in (scale, 1):
            if bigtext.width(name, each) + 4 <= width:
                lines += [((" ", ""), *line) for line in big_lines(name, each)]
                break
    room = width - cell_width(CAUSE_LABEL) - 3
    seen = board.cause_observed.get(first.component)
    tail = "" if seen is None else f" {symbols().separator} data {short_duration(now - seen)} old"
    words = causes_text(causes, now=now, width=max(10, room), window=window)
    if tail and words == causes_text(causes, now=now, width=room - cell_width(tail), window=window):
        words += tail  # the cause's words first: its data's age only where it fits
    lines.append(((CAUSE_LABEL, first.status.value), ("  ", ""), (words, "title")))
    return lines


# -- pinned: every critical, every failing source ------------------------------------


def source_line(source: SourceState, width: int) -> Line:
    text = f"{symbols().alert} source {source.name} ({source.plugin}) failing: "
    text += source.error or "collection failed"
    return ((" ", ""), (fit(text, width - 1), "alert"))


def pinned_lines(board: Board, now: float, width: int, max_lines: int) -> list[Line]:
    """Every critical signal and every failing source, always on screen: criticals
    read down, then across as many columns as they need; only when even that is not
    enough does the last cell say how many more there are."""
    failing = [source_line(source, width) for source in board.failing][:max_lines]
    room = max_lines - len(failing)
    criticals = board.criticals
    if room <= 0 or not criticals:
        return failing or [((" ", ""), (f"{GLYPH[Status.OK]} nothing critical", "muted"))]
    columns = max(1, min(width // PINNED_WIDTH, -(-len(criticals) // room)))
    cell = width // columns
    rows = min(room, -(-len(criticals) // columns))
    capacity = rows * columns
    shown: list[Signal | None] = list(criticals)
    if len(criticals) > capacity:
        shown = [*criticals[: capacity - 1], None]
    grid: list[list[Part]] = [[] for _ in range(rows)]
    name_width = max(cell_width(shown_name(signal)) for signal in criticals)
    for index, signal in enumerate(shown):
        row = grid[index % rows]
        if signal is None:
            more = len(criticals) - (capacity - 1)
            row.append((fit(f" {GLYPH[Status.CRITICAL]} +{more} more critical", cell), "critical"))
        else:
            root = board.diagnosis.symptom_root(signal)
            mark = f"  {symptom_mark(root)}" if root is not None else ""
            row += _critical_cell(signal, now, cell, name_width, mark)
    return [*(tuple(row) for row in grid), *failing]


def _critical_cell(
    signal: Signal, now: float, width: int, name_width: int, mark: str = ""
) -> list[Part]:
    """` ✖ name  value  ← root  summary  Layer · 4m `, exactly `width` cells (`mark`:
    the root a symptom points at)."""
    head = f" {GLYPH[Status.CRITICAL]} "
    held = since(signal, now)
    tail = f"  {PANEL_TITLES[signal.kind]}" + (f" {symbols().separator} {held}" if held else "")
    tail += " "
    name_width = max(8, min(name_width, width // 2))
    rest = width - cell_width(head) - name_width
    if rest - cell_width(tail) < 12:
        tail = ""
    value = value_text(signal)
    middle = f"  {value:>7}" if value else ""
    # The board's rule: the limit never cut, a symptom's root after it.
    room = max(0, rest - cell_width(tail) - cell_width(middle) - 2)
    if mark and tail and room < cell_width(mark.strip()) - 1:
        # Which incident the row belongs to before which panel it is on.
        tail, room = "", max(0, rest - cell_width(middle) - 2)
    if mark:
        said = "".join(text for text, _ in symptom_parts(signal, room, mark.strip()))
    else:
        said = summary_cell(signal, room)
    middle += f"  {said}"
    return [
        (head, "critical"),
        (fit(shown_name(signal), name_width), "critical"),
        (fit(middle, max(0, rest - cell_width(tail))), "title"),
        (tail, "muted"),
    ]


# -- the bottom: pages and countdown ---------------------------------------------------


def pages_line(rotation: Rotation, index: int) -> Line:
    parts: list[Part] = [(" ", "")]
    for number, page in enumerate(rotation.pages):
        current = number == index
        mark = symbols().page_current if current else symbols().page_other
        parts.append((f" {mark} {PAGE_TITLES[page]} ", "page-current" if current else "page"))
        parts.append((" ", ""))
    return tuple(parts)


def countdown_line(rotation: Rotation, now: float) -> Line:
    if len(rotation.pages) <= 1:
        return (("ctrl+q quits ", "muted"),)
    left = int(rotation.remaining(now) + 0.999)
    return ((f"next in {left:>3}s  ", "muted"), ("ctrl+q quits ", "muted"))
