"""The board's optional row columns as data: one `Column` entry each.

Every row is the cursor mark, the status badge, the name, then these columns in table
order, then the summary. A column says once how wide its content is (`measure`, or a
width that depends on the panel's), from which panel width and with how much room left
for the columns after it it is shown (`minimum`, `reserve`), what it draws (`cell`)
and which component class each of its style names takes (`style`). Layout
(`panel_rows.layout_columns`), the rows (`row_parts`), width measuring
(`PanelRows.resort`) and styling (`PART_CLASS`) all iterate `COLUMNS`, so adding a
column is adding an entry here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from oncall_tui.core.present.cell_width import cell_width, fit
from oncall_tui.core.present.formatting import age_text, format_value, limit_text
from oncall_tui.core.present.parts import Part
from oncall_tui.core.present.sparkline import SparkCache, live, spark_cells, spark_width
from oncall_tui.core.present.words import symbols
from oncall_tui.core.signals.model import Signal, Status, Thresholds, Unit

NAME_PRIORITY = 10
"""The name's place in the order room is given: columns with a lower priority are
given room before the name (the value), the others after it."""


@dataclass(frozen=True, slots=True)
class RowContext:
    """What a cell may need besides its signal: the time and the trend cache."""

    now: float
    sparks: SparkCache | None = None


@dataclass(frozen=True, slots=True)
class Column:
    """One optional column of a board row."""

    name: str
    priority: int
    """Order in which room is given (lower first; see NAME_PRIORITY)."""
    minimum: int
    """Narrowest panel (cells) that shows the column."""
    cell: Callable[[Signal, int, RowContext], list[Part]]
    """The column's parts for one signal in `width` cells."""
    measure: Callable[[Signal], int] | None = None
    """Cells one signal's content takes; None: the width comes from `panel_width`."""
    cap: int = 0
    """Widest a measured column grows (0: no cap)."""
    sticky: bool = False
    """Never narrower than before: a value hovering around a width (99.9% / 100%) must
    not re-lay out (repaint) the whole panel each time the widest one flips."""
    panel_width: Callable[[int], int] | None = None
    """The column's width for a panel this wide, when it does not depend on content."""
    reserve: int = 0
    """Cells that must stay free after the column for it to be shown."""
    yields_to_mark: bool = True
    """Whether the symptom mark (`← credit-bureau`) must still fit after it."""
    style: Mapping[str, str] = field(default_factory=dict)
    """Style name it draws with -> the panel's component class (without its prefix)."""

    def content_width(self, measured: int, panel: int) -> int:
        """The column's width before room is checked: its content's or the panel's."""
        if self.panel_width is not None:
            return self.panel_width(panel)
        return measured


def _per_status(prefix: str, classes: Mapping[Status, str]) -> dict[str, str]:
    return {f"{prefix}-{status.value}": cls for status, cls in classes.items()}


def _value_cell(signal: Signal, width: int, row: RowContext) -> list[Part]:
    value = fit(format_value(signal.value, signal.unit), width, right=True)
    return [(value, f"value-{signal.status.value}")]


def _value_width(signal: Signal) -> int:
    return cell_width(format_value(signal.value, signal.unit))


def _spark_cell(signal: Signal, width: int, row: RowContext) -> list[Part]:
    if row.sparks is not None:
        cells = row.sparks.get(signal, row.now, width)
    else:
        cells = spark_cells(signal.history, signal.thresholds, row.now, width, current=live(signal))
    parts: list[Part] = []
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
    return parts


def _limit_cell(signal: Signal, width: int, row: RowContext) -> list[Part]:
    return [(fit(limit_text(signal.thresholds, signal.unit), width), "muted")]


def _limit_width(signal: Signal) -> int:
    return _limit_cells(signal.thresholds, signal.unit, id(symbols()))


@lru_cache(maxsize=1024)
def _limit_cells(thresholds: Thresholds | None, unit: Unit, symbols_id: int) -> int:
    """A board shares a few dozen limits among thousands of rows; formatting one
    (~10 µs) for every changed row was most of what a re-sort measured."""
    return cell_width(limit_text(thresholds, unit))


AGE_WIDTH = 8
"""'for 59m', 'for 23h'."""
AGE_FROM = 90
"""Panel width from which rows show the age (both halves of a 200-column screen)."""
ROOM = 16
"""Cells the limit and the age leave for the summary (or the symptom mark)."""


def _age_cell(signal: Signal, width: int, row: RowContext) -> list[Part]:
    return [(fit(age_text(signal, row.now), width), "muted")]


COLUMNS: tuple[Column, ...] = (
    Column(
        "value",
        priority=0,
        minimum=0,
        cell=_value_cell,
        measure=_value_width,
        cap=9,
        sticky=True,
        reserve=12,
        yields_to_mark=False,
        style=_per_status(
            "value",
            {
                Status.CRITICAL: "critical",
                Status.UNKNOWN: "muted",
                Status.WARNING: "warning",
                Status.OK: "plain",
            },
        ),
    ),
    Column(
        "spark",
        priority=20,
        minimum=0,
        cell=_spark_cell,
        panel_width=spark_width,
        style={
            **_per_status(
                "spark",
                {
                    Status.CRITICAL: "critical",
                    Status.UNKNOWN: "unknown",
                    Status.WARNING: "warning",
                    Status.OK: "muted",
                },
            ),
            "spark-none": "muted",
        },
    ),
    Column(
        "limit",
        priority=30,
        minimum=90,
        cell=_limit_cell,
        measure=_limit_width,
        cap=16,
        reserve=ROOM,
    ),
    Column(
        "age",
        priority=40,
        minimum=AGE_FROM,
        cell=_age_cell,
        panel_width=lambda panel: AGE_WIDTH,
        reserve=ROOM,
    ),
)
"""The optional columns in the order a row shows them."""
