"""What the screens say, read as a user reads it: an empty filter says it is the
filter, Tab reaches every panel that 1-4 reach."""

from __future__ import annotations

from oncall_tui.core.present.panel_rows import Columns, row_parts
from oncall_tui.core.signals.model import Reading, Status, Thresholds
from oncall_tui.ui.screens.events import EventsScreen
from ui_support import T0, demo_readings, make_app, make_store
from waiting import pilot_until as wait_for


async def test_an_events_filter_without_a_match_says_so() -> None:
    store = make_store("ok")
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        store.apply("demo", demo_readings("critical"), at=T0 + 10)
        await pilot.press("e")
        screen = app.screen
        assert isinstance(screen, EventsScreen)
        assert screen.entries
        while screen.kind_filter != "source":  # no source failed: nothing to show
            await pilot.press("K")
        await wait_for(pilot, lambda: not screen.entries)
        line = screen.list.render_line(0).text
        assert "no events yet" not in line
        assert "no event matches kind: source" in line


async def test_tab_reaches_the_empty_alerts_panel_as_4_does() -> None:
    app = make_app(make_store("ok"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        board = app.dashboard
        assert not board.panels["alert"].row_keys
        seen = []
        for _ in range(len(board.panel_list)):
            await pilot.press("tab")
            seen.append(app.focused)
        assert board.panels["alert"] in seen
        assert set(seen) == set(board.panel_list)


def test_a_bool_dependency_says_down_expected_up() -> None:
    store = make_store("ok")
    limits = Thresholds(critical=0.5, below=True)
    bureau = Reading("bureau-up", "dependency", "credit-bureau", 0.0, "bool", thresholds=limits)
    store.apply("demo", [bureau], at=T0 + 5)
    assert store.signals["demo/bureau-up"].summary == "down (expected up)"


def test_a_value_over_its_limit_inside_for_is_marked_pending() -> None:
    store = make_store("ok")
    limits = Thresholds(warning=90, critical=95, for_seconds=60)
    cpu = Reading("cpu", "health", "host/cpu", 98.1, "percent", thresholds=limits)
    store.apply("demo", [cpu], at=T0 + 5)
    signal = store.signals["demo/cpu"]
    assert signal.status is Status.OK
    columns = Columns(name=20, value=8)
    row = "".join(text for text, _ in row_parts(signal, columns, T0 + 10))
    assert row.startswith("● OK ◔ host/cpu"), row
    store.apply("demo", [cpu], at=T0 + 70)
    row = "".join(text for text, _ in row_parts(store.signals["demo/cpu"], columns, T0 + 70))
    assert row.startswith("✖ CRIT host/cpu"), row


async def test_ascii_says_ge_and_arrows_and_keeps_cursor_and_focus_apart() -> None:
    from oncall_tui.core.present.formatting import format_thresholds, limit_text
    from oncall_tui.core.present.words import choose_symbols

    choose_symbols(ascii=True)
    try:
        limits = Thresholds(warning=0.02, critical=0.05)
        assert format_thresholds(limits, "ratio") == "warn >= 2%, crit >= 5%"
        assert limit_text(limits, "ratio").startswith(">=")
        low = Thresholds(warning=0.99, critical=0.95, below=True)
        assert format_thresholds(low, "ratio").startswith("warn <= 99")
        app = make_app(make_store("critical"))
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("1")
            await pilot.pause()
            board = app.dashboard
            board.cause.refresh_cause(force=True)
            health = board.panels["health"]
            title = health.render_line(0).text
            assert title.startswith("* "), title  # focus
            # the cursor (drawn ">" on the console by the ASCII filter) is not the focus mark
            assert any(health.render_line(y).text[0] in ">\u203a" for y in range(1, 4))
            assert "->" in board.cause.plain or len(board.cause.diagnosis.causes[0].affects) == 0
    finally:
        choose_symbols(ascii=False)
