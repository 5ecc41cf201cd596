"""On the board, a symptom's row points at its root.

Driven by the real demo plugin playing its cascade (the credit bureau down; the loan
service and the credit-limit rule critical too), collected once on a frozen clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from cascade_support import cascade_app, shown_rows
from demo_triage_support import demo_config
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.present.panel_rows import Columns, layout_columns, row_parts
from oncall_tui.core.present.row_text import symptom_parts
from oncall_tui.core.present.words import choose_symbols
from oncall_tui.core.signals.model import Signal, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui_demo import DemoPlugin
from ui_support import T0

BUREAU = "demo/dep/credit-bureau/availability"
SYMPTOMS = (
    "demo/svc/loan-api/errors",
    "demo/svc/loan-api/latency",
    "demo/slo/loan-api",  # its SLO burns with its errors: a symptom too
    "demo/rule/cashloan/credit-limit",
)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_the_symptoms_rows_point_at_their_root_and_the_roots_do_not(
    size: tuple[int, int],
) -> None:
    app = await cascade_app()
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        board = app.dashboard
        assert board.cause.cause is not None and board.cause.cause.component == "credit-bureau"
        rows = shown_rows(app)
        store = app.engine.store
        for key in SYMPTOMS:
            signal = store.signals[key]
            assert signal.status is Status.CRITICAL
            text = rows[key]
            assert "← credit-bureau" in text, text
            # The status and the value are never pushed out by the mark.
            assert "✖ CRIT" in text and signal.name in text
            before_mark = text.split("←")[0]
            value = text.split(signal.name)[1].split()[0]
            assert value[0].isdigit() and value in before_mark
        assert "←" not in rows[BUREAU] and "✖ CRIT" in rows[BUREAU]
        # Rows that are not failing carry no mark, even of a symptom component.
        assert all("←" not in text for key, text in rows.items() if key not in SYMPTOMS)


async def test_the_why_line_says_what_the_selected_row_is_a_symptom_of() -> None:
    """The row's `← credit-bureau` is cut first when room runs out; the why-line under
    the panels says it whole for the selected row, and nothing for the root."""
    app = await cascade_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        board = app.dashboard
        # loan-api's errors are on Health (1), the bureau on Dependencies (3).
        for key, panel_key, said in ((SYMPTOMS[0], "1", True), (BUREAU, "3", False)):
            await pilot.press(panel_key)
            panel = board.selected_panel
            assert panel is not None and key in panel.model.position
            while panel.selected_signal is None or panel.selected_signal.key != key:
                before = panel.model.cursor
                await pilot.press("j")
                assert panel.model.cursor != before, f"{key} not reached with j"
            await pilot.pause()
            assert ("symptom of credit-bureau" in board.selection.text) is said, (
                board.selection.text
            )


async def test_a_calm_board_and_a_board_without_topology_have_no_marks() -> None:
    for app in (await cascade_app("none"), _without_topology(await cascade_app())):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert all("←" not in text for text in shown_rows(app).values())


def _without_topology(app: OncallApp) -> OncallApp:
    app.engine.config.topology = {}
    return app


async def test_the_detail_of_a_symptom_names_its_root() -> None:
    app = await cascade_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_detail("demo/svc/loan-api/errors")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SignalDetailScreen)
        assert screen._facts is not None
        assert ("cause", "symptom of credit-bureau (likely cause)") in screen._facts
        await pilot.press("escape")
        app.open_detail(BUREAU)
        await pilot.pause()
        facts = dict(app.screen._facts or [])  # type: ignore[attr-defined]
        assert facts["cause"] == "likely cause: explains cashloan/credit-limit, loan-api"


async def test_the_ascii_console_gets_an_ascii_arrow() -> None:
    choose_symbols(ascii=True)
    try:
        app = await cascade_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            text = shown_rows(app)["demo/svc/loan-api/errors"]
            assert "<- credit-bureau" in text and "←" not in text, text
    finally:
        choose_symbols(ascii=False)


def test_the_mark_drops_before_the_value_and_the_status_do() -> None:
    """Priority: status, name, value, then the mark (whole), then trend, limit, age."""
    mark = "← credit-bureau"
    wide = layout_columns(78, 28, 6, 8, mark=len(mark))
    assert wide.summary >= len(mark) and wide.value == 6
    tight = layout_columns(60, 28, 6, 8, mark=len(mark))
    assert tight.spark == 0 and tight.summary >= len(mark)  # the trend made room
    assert layout_columns(60, 28, 6, 8).spark > 0  # ...which it keeps without a mark
    signal = Signal(
        key="k",
        kind="health",
        name="loan-api error ratio",
        source="demo",
        labels={},
        unit="ratio",
        value=0.139,
        status=Status.CRITICAL,
        summary="loan applications failing",
    )
    for width in range(8, 80):
        columns = layout_columns(width, 28, 6, 8, mark=len(mark))
        text = "".join(part for part, _ in row_parts(signal, columns, T0, mark=mark))
        assert len(text) <= width - 1
        assert text.startswith("✖ CRIT")
        if mark[0] in text:  # whole (its arrow against the name at a pinch) or not at all
            assert mark in text or mark.replace(" ", "", 1) in text, text
            assert columns.value and "13.9" in text.split(mark)[0]
    # A column too narrow for the mark keeps the summary instead.
    parts = row_parts(signal, Columns(name=28, value=6, summary=10), T0, mark=mark)
    assert "←" not in "".join(text for text, _ in parts)


def test_cascade_picture(
    snap_compare: Callable[..., bool], monkeypatch: pytest.MonkeyPatch, utc: None
) -> None:
    """The demo's cascade at 80x24: the cause line, and each symptom pointing at it."""
    monkeypatch.setattr(DemoPlugin, "wall_clock", lambda: T0)  # dates the change markers
    config = parse_config(demo_config("cascade"), Path("."))
    engine = Engine(config, store=SignalStore(clock=lambda: T0), seed=1)
    asyncio.run(engine.collect_once())
    app = OncallApp(engine, clock=lambda: T0, start_engine=False)
    assert snap_compare(app, terminal_size=(80, 24))


def test_an_ascii_mark_a_cell_too_wide_keeps_its_arrow_against_the_name() -> None:
    """`<- credit-bureau` is a cell wider than `← credit-bureau`: in the 15 cells the
    demo's Health panel leaves at 120x40 the ASCII board dropped the mark from every
    loan-api row; the arrow then touches the name."""
    signal = Signal(
        key="k", kind="health", name="loan-api SLO", source="demo", labels={},
        unit="count", value=6.9, status=Status.CRITICAL, summary="burning 6.9x budget",
    )  # fmt: skip
    parts = symptom_parts(signal, 15, "<- credit-bureau")
    assert ("<-credit-bureau", "symptom") in parts, parts
    assert "".join(text for text, _ in parts) == "<-credit-bureau"
    assert symptom_parts(signal, 16, "<- credit-bureau")[0] == ("<- credit-bureau", "symptom")
    assert all(role != "symptom" for _, role in symptom_parts(signal, 14, "<- credit-bureau"))
