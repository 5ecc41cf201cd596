"""A board column is one entry of `COLUMNS`: layout, rows, width measuring and styling
all follow from it, with no other edit."""

from __future__ import annotations

import dataclasses

import pytest

from oncall_tui.core.present import panel_rows
from oncall_tui.core.present.board_columns import COLUMNS, Column, RowContext
from oncall_tui.core.present.cell_width import cell_width, fit
from oncall_tui.core.present.panel_rows import Columns, PanelRows, layout_columns, row_parts
from oncall_tui.core.signals.model import Signal, Status, Thresholds


def _signal(name: str, value: float, source: str = "prom") -> Signal:
    return Signal(
        key=f"{source}/{name}",
        source=source,
        kind="health",
        name=name,
        labels={},
        status=Status.WARNING,
        reason=None,
        value=value,
        unit="ratio",
        thresholds=Thresholds(warning=0.5, critical=0.9),
    )


def _source_cell(signal: Signal, width: int, row: RowContext) -> list[tuple[str, str]]:
    return [(fit(signal.source, width), "source")]


SOURCE = Column(
    "source",
    priority=50,
    minimum=100,
    cell=_source_cell,
    measure=lambda signal: cell_width(signal.source),
    cap=16,
    reserve=16,
    style={"source": "muted"},
)


def test_a_new_column_is_one_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(panel_rows, "COLUMNS", (*COLUMNS, SOURCE))
    rows = PanelRows(lambda signal: True)
    rows.resort([_signal("pay-api errors", 0.6, "payments-prom"), _signal("b", 0.7)])
    assert rows.widths["source"] == len("payments-prom")

    wide = layout_columns(160, rows.longest_name, measured=rows.widths)
    assert wide.source == len("payments-prom") and wide.summary
    assert layout_columns(80, rows.longest_name, measured=rows.widths).source == 0

    parts = row_parts(rows.rows[rows.position["payments-prom/pay-api errors"]], wide, now=0.0)
    assert ("payments-prom", "source") in parts
    text = "".join(text for text, _ in parts)
    assert cell_width(text) == 160 - 1  # the cursor mark takes the first cell


def test_every_column_style_has_a_component_class() -> None:
    for column in COLUMNS:
        for name in column.style:
            assert panel_rows.PART_CLASS[name] == column.style[name]


def test_columns_know_only_the_table() -> None:
    assert Columns(name=4, value=3).value == 3
    assert Columns().age == 0
    with pytest.raises(TypeError, match="no such column: nope"):
        Columns(nope=1)
    with pytest.raises(AttributeError):
        _ = Columns().nope


def test_a_sticky_column_never_narrows_and_says_when_it_widens() -> None:
    value = next(c for c in COLUMNS if c.name == "value")
    assert value.sticky and dataclasses.replace(value).cap == 9
    rows = PanelRows(lambda signal: True)
    wide = _signal("a", 0.123456)
    rows.resort([wide])
    before = rows.widths["value"]
    rows.resort([_signal("a", 0.5)])
    assert rows.widths["value"] == before
