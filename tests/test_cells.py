"""Plain-text output measured in terminal cells."""

from __future__ import annotations

from oncall_tui.core.present.cell_width import cell_width, cut, pad
from oncall_tui.core.present.report import render_text
from oncall_tui.core.signals.model import Reading, SourceState, Thresholds
from oncall_tui.core.signals.store import SignalStore


def test_cells_of_wide_and_combining_text() -> None:
    assert cell_width("支付网关") == 8
    assert cell_width("cafe\u0301") == 4
    assert pad("支付", 6) == "支付  "
    assert cut("支付网关错误", 7) == "支付网…"
    assert cell_width(cut("支付网关错误", 6)) <= 6


def test_check_text_columns_line_up_in_cells() -> None:
    store = SignalStore(clock=lambda: 0.0)
    store.add_source(SourceState("s", "x", frozenset({"health"}), interval=5))
    limits = Thresholds(warning=0.5, critical=0.9)
    names = ["支付网关 errors", "cafe\u0301 errors", "plain errors"]
    store.apply(
        "s",
        [
            Reading(key=name, kind="health", name=name, value=0.1, unit="ratio", thresholds=limits)
            for name in names
        ],
        at=0,
    )
    rows = [line for line in render_text(store, width=120).splitlines() if "errors" in line]
    value_columns = {cell_width(row[: row.index("10%")]) for row in rows}
    assert len(rows) == 3 and len(value_columns) == 1, rows
