"""The why of a row is whole: a row never cuts the limit its value is compared with
(`(critical ≥ 1.…` read as another limit at 120x40), and a wide screen's room is used
(at 200x60 the board was one column with half the screen empty)."""

from __future__ import annotations

import re

import pytest
from rich.cells import cell_len

from cascade_support import cascade_app, shown_rows
from oncall_tui.core.present.row_text import summary_cell
from oncall_tui.core.signals.model import Signal, Status

SUMMARIES = [
    ("(critical ≥ 1.00s) overloaded: traffic 3x normal, worker pool saturated", "≥ 1.00s)"),
    ("blocks 23.3x its baseline of 1.4% (critical ≥ 20%) real users refused", "≥ 20%)"),
    ("critical: ≥ 5% (usual 0.2%)", "≥ 5%"),
    ("warning: 3.2x its usual 1% (≥ 3x)", "≥ 3x)"),
]


@pytest.mark.parametrize(("summary", "limit"), SUMMARIES)
def test_a_summary_cell_never_cuts_its_limit(summary: str, limit: str) -> None:
    signal = Signal(
        key="k", kind="health", name="n", source="s", labels={}, unit="seconds",
        value=2.0, status=Status.CRITICAL, summary=summary,
    )  # fmt: skip
    for width in range(1, 90):
        cell = summary_cell(signal, width)
        assert cell_len(cell) == width
        if "≥" in cell:
            assert limit.rstrip(")") in cell, (width, cell)
        if width >= 20:  # room for the limit: it is there, first or where it was
            assert limit in cell, (width, cell)


CUT_LIMIT = re.compile(r"[≥≤] [\d.]*…")


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)], ids=str)
async def test_the_roots_rows_show_their_limit_whole(size: tuple[int, int]) -> None:
    app = await cascade_app("overload")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        board = app.dashboard
        cause = board.cause.cause
        assert cause is not None and cause.component == "pay-api"
        rows = shown_rows(app)
        for key, row in rows.items():
            assert not CUT_LIMIT.search(row), (key, row)
        for key in cause.signals:
            if size[0] >= 120 and app.engine.store.signals[key].status is Status.CRITICAL:
                assert re.search(r"≥ [\d.]+m?s?%?\b", rows[key]), rows[key]
        if size == (200, 60):  # both halves used: two columns, limits and ages shown
            assert board.has_class("-wide") and not board.has_class("-stacked")
            health = board.panels["health"]
            assert health.columns.limit and health.columns.age
            assert health.region.width < 110


@pytest.mark.parametrize("incident", ["none", "cascade"])
async def test_ok_risk_rows_say_their_limits_not_a_cut_word(incident: str) -> None:
    """At 120x40 the Risk rules panel leaves an OK rule 8-16 cells after its trend: its
    summary cut there read `blocks …`; the rule's limits are what the cells can say."""
    app = await cascade_app(incident)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        store = app.engine.store
        rules = {
            key: row
            for key, row in shown_rows(app).items()
            if store.signals[key].kind == "risk_rule" and store.signals[key].status is Status.OK
        }
        assert len(rules) >= 6, rules
        for key, row in rules.items():
            assert "≥5%/20%" in row, (key, row)
            assert not re.search(r"blocks\s*…", row), (key, row)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 60)], ids=str)
async def test_a_symptoms_row_reads_value_limit_root(size: tuple[int, int]) -> None:
    """`13.5% ≥ 5% ← credit-bureau`, never `13.5% ← credit-bureau ≥ 5%`: the limit the
    value is compared with comes right after the value (its column or the summary's
    head), the root after it; too narrow for both, the root alone."""
    app = await cascade_app("cascade")
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        marked = {key: row for key, row in shown_rows(app).items() if "← credit-bureau" in row}
        assert len(marked) >= 2, marked
        for key, row in marked.items():
            signal = app.engine.store.signals[key]
            before = row.split("← credit-bureau", 1)[0]
            value = before.split(signal.name, 1)[1].split()[0]
            assert value[0].isdigit(), row
            if signal.thresholds is not None and size != (120, 40):
                assert re.search(r"[≥≤] ?[\d.]+", before), (key, row)
        if size == (80, 24):
            errors = marked["demo/svc/loan-api/errors"]
            assert re.search(r"%\s.*≥ 5%\)? ← credit-bureau", errors), errors
