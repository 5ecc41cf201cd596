"""What a panel shows, without Textual: which signals, in which order, laid out how.

The widget (`signal_panel.py`) draws lines and handles keys; this module decides:

- `PanelRows`: the panel's rows (worst first), its counts, its cursor (kept by key, so
  a re-sort never moves the user's row), and which rows a store change touches;
- `Columns` / `layout_columns`: column widths from the content and the width (a wide
  panel gets a trend, the limit and the age; a narrow one drops them, never the name);
- `row_parts`: one row as (text, style name) parts, never markup (its trend comes
  from `sparkline.py`; a symptom's row starts its summary with the root it points at);
- `allocate_heights`: panel heights sized to content, sharing what the screen has.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from rich.cells import cell_len

from oncall_tui.core.present.formatting import failing_since, format_value
from oncall_tui.core.present.words import badge, count_parts
from oncall_tui.core.sanitize import sanitize
from oncall_tui.core.signals.model import Signal, SourceState, Status, Thresholds, Unit, sort_key
from oncall_tui.ui.row_cells import fit, summary_cell
from oncall_tui.ui.widgets.sparkline import SparkCache, spark_cells, spark_width

Part = tuple[str, str]
"""(text, style name): comparable, so an unchanged line is not repainted."""
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
# row_parts style name -> the panel's component class (without its prefix)
PART_CLASS: dict[str, str] = {
    "badge-critical": "badge-critical",
    "badge-unknown": "unknown",
    "badge-warning": "warning",
    "badge-ok": "ok",
    "name-critical": "name-critical",
    "name-unknown": "plain",
    "name-warning": "plain",
    "name-ok": "plain",
    "value-critical": "critical",
    "value-unknown": "muted",
    "value-warning": "warning",
    "value-ok": "plain",
    "spark-critical": "critical",
    "spark-unknown": "unknown",
    "spark-warning": "warning",
    "spark-ok": "muted",
    "spark-none": "muted",
    "summary-alarming": "plain",
    "summary-quiet": "muted",
    "symptom": "symptom",
    "muted": "muted",
    "plain": "plain",
}


BADGE_WIDTH = 6
NAME_MAX = 44
"""Longest name column; a longer name is cut with an ellipsis (the why-line has it whole)."""
SUMMARY_MIN = 6
AGE_WIDTH = 7
"""'for 59m', 'for 23h'."""
AGE_FROM = 90
"""Panel width from which rows show the age (both halves of a 200-column screen)."""


@dataclass(frozen=True, slots=True)
class Columns:
    """Widths of one row's columns (0 = not shown). Every row starts with the cursor mark
    and the status badge; each shown column is preceded by one space."""

    name: int = 0
    value: int = 0
    spark: int = 0
    limit: int = 0
    age: int = 0
    summary: int = 0


def layout_columns(
    width: int, longest_name: int, value_width: int, limit_width: int, mark: int = 0
) -> Columns:
    """Column widths for a row `width` cells wide, from the content's own widths.

    Priority: the name whole (it says what is broken), the value, the trend, the limit,
    the age, and the summary gets the rest (the selected row's summary is also shown
    whole on its own line). A narrow panel drops columns from the end of that list.
    `mark` (the widest symptom mark, `← credit-bureau`, drawn at the start of the
    summary) comes right after the value: the trend, limit and age go first.
    """
    need = mark + 1 if mark else 0
    rest = width - 1 - BADGE_WIDTH
    if rest <= 1:
        return Columns()
    rest -= 1
    value = value_width if value_width and rest >= 12 + 1 + value_width else 0
    if value:
        rest -= value + 1
    name = min(max(longest_name, 8), NAME_MAX, rest)
    rest -= name
    spark = spark_width(width)
    if spark and rest >= spark + 1 + need:
        rest -= spark + 1
    else:
        spark = 0
    room = max(16, need)
    limit = limit_width if width >= 90 and limit_width and rest >= limit_width + 1 + room else 0
    if limit:
        rest -= limit + 1
    age = AGE_WIDTH if width >= AGE_FROM and rest >= AGE_WIDTH + 1 + room else 0
    if age:
        rest -= age + 1
    summary = rest - 1 if rest - 1 >= SUMMARY_MIN else 0
    if not summary:
        name += max(0, min(rest, longest_name - name))  # give a cut name its cells back
    return Columns(name, value, spark, limit, age, summary)


# -- cells ------------------------------------------------------------------------------


def limit_text(thresholds: Thresholds | None, unit: Unit) -> str:
    """The limits in one short cell: '≥2%/5%' (warning/critical), '≤99%/95%'."""
    if thresholds is None:
        return ""
    op = "≤" if thresholds.below else "≥"
    limits = [
        _compact(limit, unit)
        for limit in (thresholds.warning, thresholds.critical)
        if limit is not None
    ]
    return op + "/".join(limits) if limits else ""


def _compact(limit: float, unit: Unit) -> str:
    """A limit as written in a config: 99%, not the 99.00% a value near 100% needs."""
    if unit in ("ratio", "percent"):
        return f"{limit * 100 if unit == 'ratio' else limit:.4g}%"
    if unit == "bool":
        return f"{limit:g}"
    return format_value(limit, unit)


def age_text(signal: Signal, now: float) -> str:
    """How long a non-ok signal has been in its status, in whole minutes or hours: coarse
    on purpose, so the column changes at most once a minute."""
    if signal.status is Status.OK or signal.changed_at is None:
        return ""
    seconds = max(0.0, now - signal.changed_at)
    if seconds < 60:
        return "for <1m"
    if seconds < 3600:
        return f"for {int(seconds // 60)}m"
    if seconds < 86400 * 2:
        return f"for {int(seconds // 3600)}h"
    return f"for {int(seconds // 86400)}d"


def row_parts(
    signal: Signal,
    columns: Columns,
    now: float,
    sparks: SparkCache | None = None,
    mark: str = "",
) -> list[Part]:
    """One row, after the cursor mark, as (text, style name) parts.

    `mark` (`← credit-bureau` on a symptom's row) starts the summary column, whole or
    not at all: a cut component name reads as another component.

    Style names: badge-<status>, name-<status>, value-<status>, spark-<status>, muted,
    summary-<alarming|quiet>, symptom, plain.
    """
    status = signal.status.value
    parts: list[Part] = [(fit(badge(signal.status), BADGE_WIDTH), f"badge-{status}")]
    if columns.name:
        parts += [(" ", "plain"), (fit(signal.name, columns.name), f"name-{status}")]
    if columns.value:
        value = fit(format_value(signal.value, signal.unit), columns.value, right=True)
        parts += [(" ", "plain"), (value, f"value-{status}")]
    if columns.spark:
        parts.append((" ", "plain"))
        if sparks is not None:
            cells = sparks.get(signal, now, columns.spark)
        else:
            cells = spark_cells(signal.history, signal.thresholds, now, columns.spark)
        run_text, run_style = "", ""
        for char, cell_status in cells:
            # ok and blank cells in the row's own plain style: they merge with the text
            # around them into one segment, so a quiet trend costs no escape codes.
            quiet = cell_status is None or cell_status is Status.OK
            style = "plain" if quiet else f"spark-{cell_status.value}"  # type: ignore[union-attr]
            if style != run_style and run_text:
                parts.append((run_text, run_style))
                run_text = ""
            run_text += char
            run_style = style
        if run_text:
            parts.append((run_text, run_style))
    if columns.limit:
        parts += [
            (" ", "plain"),
            (fit(limit_text(signal.thresholds, signal.unit), columns.limit), "muted"),
        ]
    if columns.age:
        parts += [(" ", "plain"), (fit(age_text(signal, now), columns.age), "muted")]
    if columns.summary:
        alarming = "alarming" if signal.status is not Status.OK else "quiet"
        room = columns.summary
        parts.append((" ", "plain"))
        if mark and cell_len(mark) <= room:
            parts.append((mark, "symptom"))
            room -= cell_len(mark) + 1
            if room < SUMMARY_MIN:
                return parts  # a summary cut to a few cells says nothing
            parts.append((" ", "plain"))
        parts.append((summary_cell(signal, room), f"summary-{alarming}"))
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


# -- rows and cursor --------------------------------------------------------------------

Accept = Callable[[Signal], bool]


class PanelRows:
    """The rows of one panel and its cursor, independent of how they are drawn.

    `accept` decides membership (kind, host or not, the filter); the rows are the
    accepted signals in the one sort used everywhere (`order_key`: core/triage/one_sort.py,
    plain `sort_key` until the board knows the probable causes).
    """

    def __init__(self, accept: Accept) -> None:
        self.accept = accept
        self.order_key: Callable[[Signal], tuple[object, ...]] = sort_key
        self.rows: list[Signal] = []
        self.position: dict[str, int] = {}
        self.order: dict[str, tuple[object, ...]] = {}
        self.counts: dict[Status, int] = dict.fromkeys(Status, 0)
        self.longest_name = 0
        self.value_width = 0
        self.limit_width = 0
        self.cursor = 0
        self.cursor_key: str | None = None

    def classify(
        self, signals: dict[str, Signal], changed: Collection[str]
    ) -> tuple[bool, set[str]]:
        """(does the panel need a re-sort, keys of its rows that changed)."""
        resort = False
        dirty: set[str] = set()
        for key in changed:
            signal = signals.get(key)
            known = self.order.get(key)
            if known is None:
                if signal is not None and self.accept(signal):
                    resort = True
                continue
            dirty.add(key)
            if signal is None or not self.accept(signal) or self.order_key(signal) != known:
                resort = True
            elif signal is not self.rows[self.position[key]]:
                resort = True  # replaced by a new object with the same key
        return resort, dirty

    def resort(self, signals: Collection[Signal]) -> None:
        rows = [signal for signal in signals if self.accept(signal)]
        order = {signal.key: self.order_key(signal) for signal in rows}
        rows.sort(key=lambda signal: order[signal.key])
        self.rows = rows
        self.position = {signal.key: index for index, signal in enumerate(rows)}
        self.order = order
        counts = dict.fromkeys(Status, 0)
        for signal in rows:
            counts[signal.status] += 1
        self.counts = counts
        self.longest_name = max((cell_len(signal.name) for signal in rows), default=0)
        # Never narrower than before: values hovering around a width (99.9% / 100%) must
        # not re-lay out (repaint) the whole panel each time the widest one flips.
        widest = max((self.value_cells(s) for s in rows), default=0)
        self.value_width = min(9, max(self.value_width, widest))
        self.limit_width = min(
            16, max((cell_len(limit_text(s.thresholds, s.unit)) for s in rows), default=0)
        )
        if self.cursor_key is not None and self.cursor_key in self.position:
            self.cursor = self.position[self.cursor_key]
        else:
            # The selected signal is gone: stay at the same place in the list.
            self.cursor = max(0, min(self.cursor, len(rows) - 1))
            self.cursor_key = rows[self.cursor].key if rows else None

    @staticmethod
    def value_cells(signal: Signal) -> int:
        return cell_len(format_value(signal.value, signal.unit))

    def widens(self, keys: Collection[str]) -> bool:
        """Whether a changed row now needs a wider value column than laid out."""
        for key in keys:
            index = self.position.get(key)
            if index is not None and self.value_cells(self.rows[index]) > self.value_width:
                return self.value_width < 9
        return False

    def move(self, index: int) -> int:
        """Put the cursor on row `index` (clamped); returns the previous index."""
        previous = self.cursor
        if self.rows:
            self.cursor = max(0, min(index, len(self.rows) - 1))
            self.cursor_key = self.rows[self.cursor].key
        return previous
