"""What a panel shows, without Textual: which signals, in which order, laid out how.

The widget (`signal_panel.py`) draws lines and handles keys; this module decides:

- `PanelRows`: the panel's rows (worst first), its counts, its cursor (kept by key, so
  a re-sort never moves the user's row), and which rows a store change touches;
- `Columns` / `layout_columns`: column widths from the content and the width (a wide
  panel gets a trend, the limit and the age; a narrow one drops them, never the name);
- `row_parts`: one row as (text, style name) parts, never markup (its trend comes
  from `sparkline.py`; a symptom's row points at its root after the limit);
- `allocate_heights`: panel heights sized to content, sharing what the screen has.
"""

from __future__ import annotations

from collections.abc import Sequence

from oncall_tui.core.present import panel_model
from oncall_tui.core.present.board_columns import COLUMNS, NAME_PRIORITY, RowContext
from oncall_tui.core.present.cell_width import fit
from oncall_tui.core.present.formatting import failing_since
from oncall_tui.core.present.panel_model import Accept
from oncall_tui.core.present.parts import Part
from oncall_tui.core.present.row_text import SUMMARY_MIN, summary_cell, symptom_parts
from oncall_tui.core.present.sparkline import SparkCache
from oncall_tui.core.present.words import badge, count_parts, shown_name, symbols
from oncall_tui.core.sanitize import sanitize
from oncall_tui.core.signals.breach import pending
from oncall_tui.core.signals.model import Signal, SourceState, Status

PinnedLine = tuple[Part, ...]
"""The title or a banner: pinned at the top of the panel, never scrolled away."""

BACKGROUND_CLASSES = frozenset(
    {
        "title",
        "title-focused",
        "cursor",
        "cursor-blurred",
        "banner-error",
        "banner-note",
        "badge-critical",
    }
)
# row_parts style name -> the panel's component class (without its prefix); the optional
# columns add their own (`Column.style`).
PART_CLASS: dict[str, str] = {
    "badge-critical": "badge-critical",
    "badge-unknown": "unknown",
    "badge-warning": "warning",
    "badge-ok": "ok",
    "name-critical": "name-critical",
    "name-unknown": "plain",
    "name-warning": "plain",
    "name-ok": "plain",
    **{name: cls for column in COLUMNS for name, cls in column.style.items()},
    "summary-alarming": "plain",
    "summary-quiet": "muted",
    "symptom": "symptom",
    "muted": "muted",
    "plain": "plain",
}


BADGE_WIDTH = 6
NAME_MAX = 44
"""Longest name column; a longer name is cut with an ellipsis (the why-line has it whole)."""


class Columns:
    """Widths of one row's columns (0 = not shown): the name, each of `COLUMNS` by its
    name (`columns.value`, `columns.spark`, ...) and the summary. Every row starts with
    the cursor mark and the status badge; each shown column is preceded by one space."""

    __slots__ = ("name", "summary", "widths")

    def __init__(self, name: int = 0, summary: int = 0, **widths: int) -> None:
        unknown = set(widths) - {column.name for column in COLUMNS}
        if unknown:
            raise TypeError(f"no such column: {', '.join(sorted(unknown))}")
        self.name = name
        self.summary = summary
        self.widths: dict[str, int] = {c.name: widths.get(c.name, 0) for c in COLUMNS}

    def __getattr__(self, column: str) -> int:
        try:
            return self.widths[column]
        except KeyError:
            raise AttributeError(column) from None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Columns):
            return NotImplemented
        return (self.name, self.summary, self.widths) == (other.name, other.summary, other.widths)

    def __hash__(self) -> int:
        return hash((self.name, self.summary, tuple(self.widths.values())))

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.widths.items())
        return f"Columns(name={self.name}, {shown}, summary={self.summary})"


def changing_cuts(columns: Columns) -> list[int]:
    """Where a row's cells that change without the row changing its place begin,
    counted from its cursor mark: the value (the trend, the limit and the age come
    after it). A repainted part of a line is sent from the start of the stretch it
    begins in, so only starts matter; and each cut costs every drawn row line a strip
    more in Textual (kept with the line, ~1 KB): a cut at the trend's last cell as well
    saved no bytes that could be measured and cost ~0.3 MB at 1k.

    The cut is a column boundary of every row laid out by `columns` (each column is
    fitted to its width), never inside a character."""
    if not columns.widths["value"]:
        return []
    return [1 + BADGE_WIDTH + (1 + columns.name if columns.name else 0) + 1]


def layout_columns(
    width: int,
    longest_name: int,
    value_width: int = 0,
    limit_width: int = 0,
    mark: int = 0,
    *,
    measured: dict[str, int] | None = None,
) -> Columns:
    """Column widths for a row `width` cells wide, from the content's own widths
    (`measured`, by column name; `value_width` and `limit_width` are the two measured
    columns' widths by their old names).

    Priority: the name whole (it says what is broken), then the columns in their
    `priority` order (the value before the name; the trend, the limit, the age after
    it), and the summary gets the rest (the selected row's summary is also shown whole
    on its own line). A narrow panel drops columns from the end of that list. `mark`
    (the widest symptom mark, `← credit-bureau`, drawn at the start of the summary)
    must still fit after every column that yields to it.
    """
    sizes = {"value": value_width, "limit": limit_width, **(measured or {})}
    need = mark + 1 if mark else 0
    rest = width - 1 - BADGE_WIDTH
    if rest <= 1:
        return Columns()
    rest -= 1
    name = 0
    named = False
    shown: dict[str, int] = {}
    for column in sorted(COLUMNS, key=lambda c: c.priority):
        if not named and column.priority > NAME_PRIORITY:
            name = min(max(longest_name, 8), NAME_MAX, rest)
            rest -= name
            named = True
        size = column.content_width(sizes.get(column.name, 0), width)
        reserve = max(column.reserve, need) if column.yields_to_mark else column.reserve
        if size and width >= column.minimum and rest >= size + 1 + reserve:
            shown[column.name] = size
            rest -= size + 1
    if not named:
        name = min(max(longest_name, 8), NAME_MAX, rest)
        rest -= name
    summary = rest - 1 if rest - 1 >= SUMMARY_MIN else 0
    if not summary:
        name += max(0, min(rest, longest_name - name))  # give a cut name its cells back
    return Columns(name, summary, **shown)


# -- cells ------------------------------------------------------------------------------


def row_parts(
    signal: Signal,
    columns: Columns,
    now: float,
    sparks: SparkCache | None = None,
    mark: str = "",
) -> list[Part]:
    """One row, after the cursor mark, as (text, style name) parts.

    `mark` (`← credit-bureau` on a symptom's row) comes after the limit (its column's
    or the summary's), whole or not at all: a cut component name reads as another
    component (`row_text.symptom_parts`).

    Style names: badge-<status>, name-<status>, the columns' (`Column.style`), muted,
    summary-<alarming|quiet>, symptom, plain.
    """
    status = signal.status.value
    said, gap = badge(signal.status), " "
    if pending(signal):
        # Over a worse limit, still inside its `for`: a mark on the status, in the
        # badge's spare cell ("● OK ◔"), else in the gap after it ("▲ WARN◔").
        if said.endswith("  "):
            said = said[:-1] + symbols().pending
        else:
            gap = symbols().pending
    parts: list[Part] = [(fit(said, BADGE_WIDTH), f"badge-{status}")]
    if columns.name:
        gap_style = "plain" if gap == " " else f"badge-{status}"
        parts += [(gap, gap_style), (fit(shown_name(signal), columns.name), f"name-{status}")]
    row = RowContext(now, sparks)
    for column in COLUMNS:
        cells = columns.widths[column.name]
        if cells:
            parts.append((" ", "plain"))
            parts += column.cell(signal, cells, row)
    if columns.summary:
        summary = f"summary-{'alarming' if signal.status is not Status.OK else 'quiet'}"
        limits = not columns.widths["limit"]  # said in the summary when not in a column
        parts.append((" ", "plain"))
        if mark:
            for text, role in symptom_parts(signal, columns.summary, mark, limits=limits):
                parts.append((text, summary if role == "summary" else role))
        else:
            parts.append((summary_cell(signal, columns.summary, limits=limits), summary))
    return parts


def pinned_lines(
    label: str,
    counts: dict[Status, int] | None,
    feeding: Sequence[SourceState],
    empty: str,
    now: float,
) -> list[PinnedLine]:
    """The title (name and counts; for an empty panel, why it is empty, so it needs one
    line only) and a banner per source of this panel that fails or has a note."""
    banners: list[PinnedLine] = []
    for source in feeding:
        name = sanitize(source.name, 64)
        if source.ok is False:
            since = failing_since(source, now)
            text = f"⚠ source {name}{since}: {source.error or 'collection failed'}"
            banners.append(((text, "banner-error"),))
        elif source.note:
            banners.append(((f"ⓘ source {name}: {source.note}", "banner-note"),))
    title: list[Part] = [("  ", "title"), (label, "title-bold")]
    if counts is not None:
        title.append(("  ", "title"))
        for index, (status, text) in enumerate(count_parts(counts, zeros=False)):
            if index:
                title.append((" · ", "title"))
            title.append((text, f"title-{status.value}"))
    else:
        if not feeding:
            why = "no source feeds this panel"
        elif any(source.ok is None for source in feeding):
            why = "waiting for first collection…"
        else:
            why = empty
        title.append((f"  {why}", "title-muted"))
    return [tuple(title), *banners]


# -- heights ----------------------------------------------------------------------------


def allocate_heights(wanted: Sequence[int], available: int, minimum: Sequence[int]) -> list[int]:
    """Heights for panels stacked in `available` lines: each gets what its content
    wants when everything fits; otherwise each keeps its minimum (its title and a row
    or two) and the rest is shared evenly among those that want more (water-filling),
    so one long panel cannot starve the others and an empty one stays one line."""
    floor = [min(w, m) for w, m in zip(wanted, minimum, strict=True)]
    heights = list(floor)
    left = available - sum(heights)
    while left < 0 and any(h > 1 for h in heights):
        # Not even the minimums fit: take from the tallest first, never below one line.
        index = max(range(len(heights)), key=lambda i: heights[i])
        heights[index] -= 1
        left += 1
    while left > 0:
        growing = [i for i, h in enumerate(heights) if h < wanted[i]]
        if not growing:
            break
        share = max(1, left // len(growing))
        for index in growing:
            give = min(share, wanted[index] - heights[index], left)
            heights[index] += give
            left -= give
            if left <= 0:
                break
    return heights


class PanelRows(panel_model.PanelRows):
    """`panel_model.PanelRows` measuring this table's columns (`COLUMNS`)."""

    def __init__(self, accept: Accept) -> None:
        super().__init__(accept, COLUMNS)


__all__ = [
    "BACKGROUND_CLASSES",
    "PART_CLASS",
    "Accept",
    "Columns",
    "PanelRows",
    "PinnedLine",
    "allocate_heights",
    "layout_columns",
    "pinned_lines",
    "row_parts",
]
