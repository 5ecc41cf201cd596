"""Pilot tests of the dashboard's selection: what is selected and focused at launch,
how a new critical moves an untouched cursor, and the keys and clicks that move it or
open the detail."""

from __future__ import annotations

from rich.text import Text

from dashboard_support import BIG, SMALL, panel_lines, panels, settle
from oncall_tui.core.present.report import to_json
from oncall_tui.core.signals.model import SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.ui.screens.dashboard import PANEL_KINDS, DashboardScreen
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.widgets.signal_panel import SignalPanel
from ui_support import (
    ALL_KINDS,
    T0,
    demo_readings,
    make_app,
    make_store,
    reading,
)
from waiting import pilot_until as wait_for


async def test_worst_signal_selected_and_its_panel_focused_at_launch() -> None:
    # The only critical signal is a dependency: its panel gets the focus.
    readings = [
        r
        if r.key != "dep/gateway"
        else reading("dep/gateway", "dependency", "payment-gateway availability", 0.5)
        for r in demo_readings("none")
    ]
    store = make_store("ok", readings=readings)
    app = make_app(store)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        dependencies = panels(app)["dependency"]
        assert app.focused is dependencies
        assert dependencies.selected_key == "demo/dep/gateway"
        # every other panel starts on its own worst row
        for panel in panels(app).values():
            if panel.row_keys:
                assert panel.selected_key == panel.row_keys[0]


async def test_launch_selection_is_the_signal_check_lists_first() -> None:
    # Five criticals in four panels: the one `check --format json` lists first wins
    # (one sort everywhere), wherever its panel is.
    store = make_store("critical")
    first = to_json(store, T0)["signals"][0]["key"]
    app = make_app(store)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        focused = app.focused
        assert isinstance(focused, SignalPanel)
        assert focused.selected_key == first
        assert store.signals[first].status is Status.CRITICAL


async def test_untouched_cursor_follows_a_new_critical_a_touched_one_stays() -> None:
    store = SignalStore(clock=lambda: T0)
    store.add_source(SourceState(name="demo", plugin="demo", kinds=ALL_KINDS, interval=5))
    app = make_app(store)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        assert "WAITING" in app.dashboard.header.text
        assert "waiting for first collection…" in panel_lines(panels(app)["health"])[0]
        readings = [
            r
            if r.key != "rule/limit"
            else reading("rule/limit", "risk_rule", "cashloan/credit-limit", 0.5)
            for r in demo_readings("none")
        ]
        store.apply("demo", readings, at=T0)
        # through the store listener and the debounce timer, not a direct sync
        await wait_for(pilot, lambda: app.focused is panels(app)["risk_rule"])
        assert panels(app)["risk_rule"].selected_key == "demo/rule/limit"
        # A new critical elsewhere, nobody touched the keys: the cursor follows it.
        gateway = [
            r
            if r.key != "dep/gateway"
            else reading("dep/gateway", "dependency", "a-gateway availability", 0.5)
            for r in readings
        ]
        store.apply("demo", gateway, at=T0 + 1)
        await wait_for(pilot, lambda: app.focused is panels(app)["dependency"])
        assert panels(app)["dependency"].selected_key == "demo/dep/gateway"
        assert "[w]" not in app.dashboard.selection.text
        # The user moves: from now on the cursor stays with their row, by key.
        await pilot.press("2", "j")
        mine = panels(app)["risk_rule"].selected_key
        assert mine is not None and mine != "demo/rule/limit"
        store.apply("demo", demo_readings("critical"), at=T0 + 2)
        await settle(pilot, app)
        assert app.focused is panels(app)["risk_rule"]
        assert panels(app)["risk_rule"].selected_key == mine
        # ... and the why-line offers the way back to the worst.
        worst = app.dashboard.worst_signal()
        assert worst is not None
        assert f"[w] go to worst: ✖ CRIT {worst[1].name}" in app.dashboard.selection.text
        await pilot.press("w")
        assert app.dashboard.selected_key == worst[1].key
        assert "[w]" not in app.dashboard.selection.text


async def test_empty_store_and_no_sources() -> None:
    store = SignalStore(clock=lambda: T0)
    app = make_app(store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert "NO SOURCES" in app.dashboard.header.text
        assert not panels(app)["host"].display  # no host source: no "this host" panel
        for panel in app.dashboard.panel_list:
            assert panel.row_keys == []
            assert "no source feeds this panel" in panel_lines(panel)[0]
        for key in ("j", "k", "g", "G", "enter", "tab", "4", "r"):
            await pilot.press(key)
        assert app.is_running and isinstance(app.screen, DashboardScreen)


async def test_keys_move_the_selection() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("1")
        health = panels(app)["health"]
        assert app.focused is health
        keys = health.row_keys
        assert health.selected_key == keys[0]
        await pilot.press("j")
        assert health.selected_key == keys[1]
        await pilot.press("down", "down")
        assert health.selected_key == keys[3]
        await pilot.press("k")
        assert health.selected_key == keys[2]
        await pilot.press("up", "up", "up")  # stops at the top
        assert health.selected_key == keys[0]
        await pilot.press("G")
        assert health.selected_key == keys[-1]
        await pilot.press("j")  # stops at the bottom
        assert health.selected_key == keys[-1]
        await pilot.press("g")
        assert health.selected_key == keys[0]
        await pilot.press("end")
        assert health.selected_key == keys[-1]
        await pilot.press("home")
        assert health.selected_key == keys[0]

        await pilot.press("tab")
        assert app.focused is panels(app)["risk_rule"]
        order = app.dashboard.panel_list  # every panel shown, the empty ones too
        for _ in range(len(order) - 1):
            await pilot.press("tab")  # wraps around
        assert app.focused is health
        await pilot.press("shift+tab")
        assert app.focused is order[order.index(health) - 1]
        for key, kind in zip("1234", PANEL_KINDS, strict=True):
            await pilot.press(key)
            assert app.focused is panels(app)[kind]
        # each panel kept its own selection
        assert health.selected_key == keys[0]


async def test_selection_scrolls_into_view_in_a_small_panel() -> None:
    readings = [reading(f"s{i:03}", "health", f"svc-{i:03}", 0.001) for i in range(60)]
    app = make_app(make_store("ok", readings=readings))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("1")
        health = panels(app)["health"]
        await pilot.press("G")
        assert health.selected_key == "demo/s059"
        assert health.scroll_offset.y > 0
        assert any("svc-059" in line for line in panel_lines(health))
        await pilot.press("g")
        assert health.scroll_offset.y == 0
        await pilot.press("pagedown")
        assert health.cursor_index > 1


async def test_enter_opens_the_detail_and_escape_comes_back() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("1", "j")
        health = panels(app)["health"]
        key = health.selected_key
        await pilot.press("enter")
        assert isinstance(app.screen, SignalDetailScreen)
        assert app.screen.key == key
        # The detail follows the store: a new value shows without leaving the screen.
        detail = app.screen
        store = app.engine.store
        store.apply("demo", demo_readings("none"), at=T0 + 5)
        detail._refresh_body()
        title = detail.title_line.content
        assert isinstance(title, Text) and "OK" in title.plain and "CRIT" not in title.plain
        # Gone from the source (two answers without it): unknown, no data.
        store.apply("demo", [], at=T0 + 6)
        store.apply("demo", [], at=T0 + 7)
        detail._refresh_body()
        assert "no data" in str(detail._facts)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        assert health.selected_key == key and app.focused is health


async def test_click_selects_and_double_click_opens() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=BIG) as pilot:
        health = panels(app)["health"]
        await pilot.pause()  # the panels' heights are shared out after the first layout
        # line 0 is the title, the rows start at line 1
        await pilot.click(health, offset=(20, 3))
        assert health.selected_key == health.row_keys[2]
        await pilot.click(health, offset=(20, 2), times=2)
        await pilot.pause()
        assert isinstance(app.screen, SignalDetailScreen)
        assert app.screen.key == health.row_keys[1]


async def test_r_asks_the_engine_for_a_refresh_and_q_quits() -> None:
    app = make_app(make_store("ok"))
    calls: list[int] = []
    app.engine.refresh_now = lambda: calls.append(1)  # type: ignore[method-assign,assignment]
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("r")
        assert calls == [1]
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
