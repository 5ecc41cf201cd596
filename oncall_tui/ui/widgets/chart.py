"""A history chart drawn with the Line API: an area of eighth-blocks coloured by the
status each value earned, the warning and critical limits as lines, the baseline as a
dotted line, change markers (deploys, rule edits) as vertical marks, and axes. An SLO
signal's chart is its error budget left (0-100%, gone at the 0% line) as the board kept
it, its caption on the time axis: its burn per window is in the facts beside it.

Why not a plotting library: this is ~200 lines, draws only strings and styles (so no
source text can become markup), costs nothing between repaints, and draws against the
thresholds: the limits are always inside the y range, so a series falling from 30x to
25x its baseline still fills the chart above the critical line instead of being
rescaled into looking like a recovery.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from oncall_tui.core.config.durations import format_duration
from oncall_tui.core.present.formatting import format_level
from oncall_tui.core.signals.model import Signal, Status, Thresholds, Unit
from oncall_tui.core.signals.slo import window_text

EIGHTHS = " ▁▂▃▄▅▆▇█"
WINDOWS: tuple[float, ...] = (60.0, 300.0, 900.0, 3600.0, 6 * 3600.0, 24 * 3600.0)
"""Selectable chart windows, in seconds."""
BUDGET_FLOOR = -10.0
"""The lowest budget drawn (-1000%): the summary says "overspent" from -999% on."""
BUDGET_GONE = Thresholds(critical=0.0, below=True)
"""An error budget is gone at 0: drawn as the critical line, spent columns critical."""


@dataclass(frozen=True, slots=True)
class ChartData:
    """What one chart shows: samples (time, value), limits, baseline, change times."""

    samples: tuple[tuple[float, float | None], ...]
    thresholds: Thresholds | None
    unit: Unit
    baseline: float | None = None
    changes: tuple[float, ...] = ()
    caption: str = ""
    """What is drawn, when it is not the signal's value: said on the time axis."""
    include: tuple[float, ...] = ()
    """Levels always inside the y range (a budget's 100%)."""

    @classmethod
    def of(cls, signal: Signal, changes: Sequence[float] = ()) -> ChartData:
        """The signal's values; for an SLO signal with a known budget, the budget left."""
        budget = signal.budget
        if signal.slo is not None and budget is not None and any(v is not None for _, v in budget):
            return cls(
                # Past -1000% an overspent budget says nothing more (and a hostile
                # 1e300 would make an axis label of 300 digits): drawn at the floor.
                tuple((at, None if v is None else max(v, BUDGET_FLOOR)) for at, v in budget),
                BUDGET_GONE,
                "ratio",
                changes=tuple(changes),
                caption=f"error budget left of {window_text(signal.slo.period)}",
                include=(1.0,),
            )
        return cls(
            tuple(signal.history),
            signal.thresholds,
            signal.unit,
            signal.baseline,
            tuple(changes),
        )


def y_range(values: Sequence[float], data: ChartData) -> tuple[float, float]:
    """The value range drawn: always includes the limits and the baseline, so they sit
    where they belong and the data is judged against them. Starts at zero when low is
    not bad and nothing is negative."""
    limits = [
        v
        for v in (
            data.thresholds.warning if data.thresholds else None,
            data.thresholds.critical if data.thresholds else None,
            data.baseline,
        )
        if v is not None
    ]
    points = [*values, *limits, *data.include]
    if not points:
        return 0.0, 1.0
    low, high = min(points), max(points)
    below = bool(data.thresholds and data.thresholds.below)
    if not below and low >= 0:
        low = 0.0
    span = high - low
    if span <= 0:
        span = abs(high) or 1.0
        low = low - span * 0.5 if below or low < 0 else low
    high += span * 0.1
    if below:
        low -= span * 0.1
    if data.unit in ("ratio",):
        high = min(high, 1.0) if max(points) <= 1.0 else high
        low = max(low, 0.0) if min(points) >= 0 else low
    if high <= low:
        high = low + 1.0
    return low, high


def bucket(
    samples: Sequence[tuple[float, float | None]],
    start: float,
    end: float,
    columns: int,
    below: bool,
) -> list[float | None]:
    """The worst value of each of `columns` equal time slices of [start, end).

    A slice between two samples that are closer than twice the usual spacing takes the
    previous value (samples every 30 s on a 12 s-per-column chart are a line, not a
    comb); a longer gap stays empty: no data is never drawn as data."""
    out: list[float | None] = [None] * columns
    width = (end - start) / columns if columns else 1.0
    times: list[float] = []
    for at, value in samples:
        if value is None or at < start or at >= end:
            continue
        times.append(at)
        index = min(columns - 1, int((at - start) / width))
        current = out[index]
        if current is None or (value < current if below else value > current):
            out[index] = value
    if len(times) >= 2:
        gaps = sorted(b - a for a, b in itertools.pairwise(times))
        reach = 2 * gaps[len(gaps) // 2]
        last: float | None = None
        last_at = -math.inf
        for index in range(columns):
            value = out[index]
            if value is not None:
                last, last_at = value, start + index * width
            elif last is not None and start + index * width - last_at < reach:
                out[index] = last
    return out


class HistoryChart(Widget):
    """The detail screen's chart; call `show(data)` when the data changes."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "history-chart--axis",
        "history-chart--ok",
        "history-chart--warning",
        "history-chart--critical",
        "history-chart--unknown",
        "history-chart--baseline",
        "history-chart--change",
    }

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        window: float = 900.0,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.window = window
        self.data: ChartData | None = None
        self._lines: list[Strip] = []
        self._drawn_for: tuple[object, ...] | None = None
        self._styles: dict[str, Style] = {}

    @property
    def text(self) -> str:
        """The chart as plain text (for tests)."""
        return "\n".join(strip.text for strip in self._lines)

    def show(self, data: ChartData | None) -> None:
        if data == self.data:
            return
        self.data = data
        self._redraw()

    def set_window(self, window: float) -> None:
        self.window = window
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._drawn_for = None
        if self.is_mounted:
            self.call_after_refresh(self._redraw)

    def _style(self, name: str) -> Style:
        # Looked up once a draw per name, not per cell: a CSS lookup for each of the
        # ~1,500 cells cost a detail ~50 ms every second.
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self._lookup(name)
        return style

    def _lookup(self, name: str) -> Style:
        if self.app.no_color:
            return Style(bold=name in ("critical", "change"), reverse=False)
        style = self.get_visual_style(f"history-chart--{name}").rich_style
        return Style(color=style.color, bold=style.bold)

    def _redraw(self) -> None:
        if self._drawn():
            self.refresh()

    def _drawn(self) -> bool:
        """Draw the lines again if what they show changed; whether they did."""
        width, height = self.size.width, self.size.height
        now = self.clock()
        key = (self.data, width, height, self.window, math.floor(now))
        if key == self._drawn_for:
            return False
        self._drawn_for = key
        self._lines = self._draw(width, height, now) if width > 12 and height > 2 else []
        return True

    def render_line(self, y: int) -> Strip:
        if self._drawn_for is None or self._drawn_for[1:3] != tuple(self.size):
            # Laid out at a new size and painted before its resize is handled (a
            # detail's first frame): drawn now, not blank for a frame.
            self._drawn()
        if 0 <= y < len(self._lines):
            return self._lines[y].adjust_cell_length(self.size.width, Style())
        return Strip.blank(self.size.width, Style())

    def _draw(self, width: int, height: int, now: float) -> list[Strip]:
        self._styles = {}  # the theme or NO_COLOR may have changed since the last draw
        data = self.data
        if data is None:
            return [Strip([Segment("no data", self._style("axis"))])]
        thresholds = data.thresholds
        below = bool(thresholds and thresholds.below)
        end = now
        start = now - self.window
        values = [v for at, v in data.samples if v is not None and at >= start]
        if not values:
            note = "no values in this window" if data.samples else "no values to chart"
            return [Strip([Segment(f"{note} ([ ] change the window)", self._style("axis"))])]
        low, high = y_range(values, data)
        labels = {
            "top": format_level(high, data.unit),
            "bottom": format_level(low, data.unit),
        }
        axis_width = max(cell_len(t) for t in labels.values())
        for limit in (thresholds.warning, thresholds.critical) if thresholds else ():
            if limit is not None:
                axis_width = max(axis_width, cell_len(format_level(limit, data.unit)))
        plot_width = max(1, width - axis_width - 1)
        rows = height - 1
        columns = bucket(data.samples, start, end, plot_width, below)

        def row_of(value: float) -> float:
            """Height in rows (0 = bottom edge, rows = top edge)."""
            return (value - low) / (high - low) * rows

        marks: dict[int, tuple[str, str, str]] = {}  # row -> (char, style, label)
        if data.baseline is not None:
            marks[_row_index(row_of(data.baseline), rows)] = (
                "┄",
                "baseline",
                format_level(data.baseline, data.unit),
            )
        if thresholds is not None:
            for limit, name in ((thresholds.warning, "warning"), (thresholds.critical, "critical")):
                if limit is not None:
                    marks[_row_index(row_of(limit), rows)] = (
                        "─",
                        name,
                        format_level(limit, data.unit),
                    )
        change_columns = {
            min(plot_width - 1, int((at - start) / (self.window / plot_width)))
            for at in data.changes
            if start <= at < end
        }
        status_of = [
            (thresholds.level(v) if thresholds else Status.OK) if v is not None else None
            for v in columns
        ]
        axis = self._style("axis")
        lines: list[Strip] = []
        for r in range(rows):
            level = rows - r - 1  # row from the bottom
            mark = marks.get(level)
            if mark is not None:
                label = mark[2]  # a limit's value says more than the axis end
            elif r == 0:
                label = labels["top"]
            elif r == rows - 1:
                label = labels["bottom"]
            else:
                label = ""
            segments = [Segment(label.rjust(axis_width) + "┤", axis)]
            for c, value in enumerate(columns):
                char = " "
                style_name = "axis"
                if value is not None:
                    filled = row_of(value) - level
                    if filled >= 1:
                        char = "█"
                    elif filled > 0:
                        char = EIGHTHS[max(1, min(8, round(filled * 8)))]
                    if char != " ":
                        status = status_of[c] or Status.OK
                        style_name = status.value
                if char == " ":
                    if c in change_columns:
                        char, style_name = "│", "change"
                    elif mark is not None:
                        char, style_name = mark[0], mark[1]
                segments.append(Segment(char, self._style(style_name)))
            lines.append(Strip(segments))
        lines.append(Strip([Segment(self._x_axis(axis_width, plot_width, data.caption), axis)]))
        return lines

    def _x_axis(self, axis_width: int, plot_width: int, caption: str = "") -> str:
        """The time axis; a caption takes the middle tick's place (no row is spent on
        it: the narrow detail has six)."""
        left = f"-{format_duration(self.window)}"
        middle = f"· {caption} ·" if caption else f"-{format_duration(self.window / 2)}"
        right = "now"
        line = [" "] * (axis_width + 1 + plot_width)
        line[axis_width] = "└"

        def put(text: str, at: int) -> None:
            for i, ch in enumerate(text):
                if 0 <= at + i < len(line):
                    line[at + i] = ch

        put(left, axis_width + 1)
        mid = axis_width + 1 + plot_width // 2 - len(middle) // 2
        if mid > axis_width + 1 + len(left) + 1:
            put(middle, mid)
        put(right, len(line) - len(right))
        return "".join(line)


def _row_index(height: float, rows: int) -> int:
    return max(0, min(rows - 1, int(height)))
