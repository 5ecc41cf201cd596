"""What a panel shows, without Textual: which signals, in which order, laid out how.

The widget (`signal_panel.py`) draws lines and handles keys; this module decides:

- `PanelRows`: the panel's rows (worst first), its counts, its cursor (kept by key, so
  a re-sort never moves the user's row), and which rows a store change touches;
- `Columns` / `layout_columns`: column widths from the content and the width (a wide
  panel gets a trend, the limit and the age; a narrow one drops them, never the name);
- `row_parts`: one row as (text, style name) parts, never markup;
- `allocate_heights`: panel heights sized to content, sharing what the screen has.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass

from rich.cells import cell_len

from oncall_tui.core.formatting import format_value
from oncall_tui.core.history import History
from oncall_tui.core.model import Signal, Status, Thresholds, Unit, sort_key
from oncall_tui.core.words import badge
from oncall_tui.ui.cells import fit, row_summary

Part = tuple[str, str]
"""(text, style name): comparable, so an unchanged line is not repainted."""

BADGE_WIDTH = 6
NAME_MAX = 44
"""Longest name column; a longer name is cut with an ellipsis (the why-line has it whole)."""
SUMMARY_MIN = 6
SPARK_STEP = 60.0
"""Seconds of history per sparkline cell (8 cells: the last 8 minutes). Cells are
aligned to the clock and only complete ones are drawn, so a trend moves one cell a
minute for every row at once and never in between: a sparkline costs at most one
repaint per row per minute, not one per poll (the value and the status next to it are
what is current)."""
SPARK_BARS = "▁▂▃▄▅▆▇█"
AGE_WIDTH = 7
"""'for 59m', 'for 23h'."""


def spark_width(panel_width: int) -> int:
    """Cells of trend a row of this width gets (0: none)."""
    if panel_width >= 160:
        return 16
    if panel_width >= 100:
        return 12
    if panel_width >= 56:
        return 8
    return 0


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


def layout_columns(width: int, longest_name: int, value_width: int, limit_width: int) -> Columns:
    """Column widths for a row `width` cells wide, from the content's own widths.

    Priority: the name whole (it says what is broken), the value, the trend, the limit,
    the age, and the summary gets the rest (the selected row's summary is also shown
    whole on its own line). A narrow panel drops columns from the end of that list.
    """
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
    if spark and rest >= spark + 1:
        rest -= spark + 1
    else:
        spark = 0
    limit = limit_width if width >= 90 and limit_width and rest >= limit_width + 1 + 16 else 0
    if limit:
        rest -= limit + 1
    age = AGE_WIDTH if width >= 100 and rest >= AGE_WIDTH + 1 + 16 else 0
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


def _scale(thresholds: Thresholds | None, peak: float) -> Callable[[float], float]:
    """value -> bar height in [0, 8): the thresholds sit at fixed heights, so a series
    that falls but stays far above critical still draws full bars (no auto-scaling to
    the data: a 25x breach easing to 20x is not a recovery)."""
    warning = thresholds.warning if thresholds else None
    critical = thresholds.critical if thresholds else None
    if (
        thresholds is not None
        and thresholds.below
        and (warning is not None or critical is not None)
    ):
        # Low is bad: healthy values draw tall, a dip draws low.
        hi_limit = warning if warning is not None else critical
        lo_limit = critical if critical is not None else hi_limit
        assert hi_limit is not None and lo_limit is not None
        span = max(hi_limit - lo_limit, abs(hi_limit) * 0.05, 1e-9)

        def below(value: float) -> float:
            if value >= hi_limit:
                return 5 + min(2.99, (value - hi_limit) / span * 3)
            if value >= lo_limit:
                return 2 + (value - lo_limit) / span * 3
            return max(0.0, 2 - (lo_limit - value) / span * 2)

        return below
    if warning is not None and critical is not None and critical > warning:
        w, c = warning, critical

        def both(value: float) -> float:
            if value < w:
                return max(0.0, value / w * 3) if w > 0 else 0.0
            if value < c:
                return 3 + (value - w) / (c - w) * 3
            return min(7.99, 6 + (value - c) / max(c - w, 1e-9) * 2)

        return both
    limit = critical if critical is not None else warning
    if limit is not None and limit > 0:
        mark = 6.0 if critical is not None else 4.0

        def one(value: float) -> float:
            if value < limit:
                return max(0.0, value / limit * mark)
            return min(7.99, mark + (value - limit) / limit * (8 - mark))

        return one
    top = peak if peak > 0 else 1.0
    return lambda value: max(0.0, min(7.99, value / top * 7.99))


def spark_cells(
    history: History,
    thresholds: Thresholds | None,
    now: float,
    cells: int,
    step: float = SPARK_STEP,
) -> list[tuple[str, Status | None]]:
    """The last `cells` complete time buckets of `history` as (bar, bucket status).

    Each bucket shows its worst value (highest, or lowest when low is bad), so a spike
    inside a bucket is not averaged away; an empty bucket is a blank, never a zero.
    """
    if cells <= 0:
        return []
    end_bucket = math.floor(now / step) - 1
    first_bucket = end_bucket - cells + 1
    start = first_bucket * step
    worst: list[float | None] = [None] * cells
    below = bool(thresholds and thresholds.below)
    end = (end_bucket + 1) * step
    for at, value in _tail(history, start):
        if value is None or at >= end:
            continue
        index = math.floor(at / step) - first_bucket
        if not 0 <= index < cells:
            continue
        current = worst[index]
        if current is None or (value < current if below else value > current):
            worst[index] = value
    _carry(worst)
    peak = max((abs(v) for v in worst if v is not None), default=0.0)
    scale = _scale(thresholds, peak)
    out: list[tuple[str, Status | None]] = []
    for value in worst:
        if value is None:
            out.append((" ", None))
            continue
        level = int(scale(value))
        status = thresholds.level(value) if thresholds is not None else None
        out.append((SPARK_BARS[max(0, min(7, level))], status))
    return out


def _carry(worst: list[float | None]) -> None:
    """Fill a single empty bucket between two full ones with the one before it: a source
    polled less often than once a bucket is a line, not a comb. Longer gaps stay blank: no
    data is never drawn as data."""
    for index in range(1, len(worst) - 1):
        before = worst[index - 1]
        if worst[index] is None and before is not None and worst[index + 1] is not None:
            worst[index] = before


def _tail(history: History, start: float) -> Iterator[tuple[float, float | None]]:
    """Samples at or after `start` (a ring of at most a few hundred samples: walking
    it whole for the few visible rows that changed is cheaper than keeping an index)."""
    for at, value in history:
        if at >= start:
            yield at, value


def row_parts(signal: Signal, columns: Columns, now: float) -> list[Part]:
    """One row, after the cursor mark, as (text, style name) parts.

    Style names: badge-<status>, name-<status>, value-<status>, spark-<status>, muted,
    summary-<alarming|quiet>, plain.
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
        cells = spark_cells(signal.history, signal.thresholds, now, columns.spark)
        run_text, run_style = "", ""
        for char, cell_status in cells:
            style = f"spark-{cell_status.value}" if cell_status is not None else "plain"
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
        parts += [
            (" ", "plain"),
            (fit(row_summary(signal), columns.summary), f"summary-{alarming}"),
        ]
    return parts


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
    accepted signals in the one sort used everywhere (`sort_key`).
    """

    def __init__(self, accept: Accept) -> None:
        self.accept = accept
        self.rows: list[Signal] = []
        self.position: dict[str, int] = {}
        self.order: dict[str, tuple[int, str]] = {}
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
            if signal is None or not self.accept(signal) or sort_key(signal) != known:
                resort = True
            elif signal is not self.rows[self.position[key]]:
                resort = True  # replaced by a new object with the same key
        return resort, dirty

    def resort(self, signals: Collection[Signal]) -> None:
        rows = sorted((s for s in signals if self.accept(s)), key=sort_key)
        self.rows = rows
        self.position = {signal.key: index for index, signal in enumerate(rows)}
        self.order = {signal.key: sort_key(signal) for signal in rows}
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
