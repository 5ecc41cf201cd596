"""Pilot tests of the dashboard: selection, keys, in-place updates, hostile strings,
source errors, size, and one run against the real engine with the demo plugin."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.theme import Theme
from textual.widgets import Static

from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.present.cell_width import fit
from oncall_tui.core.present.panel_rows import layout_columns
from oncall_tui.core.present.report import to_json
from oncall_tui.core.present.row_text import row_summary
from oncall_tui.core.signals.model import Kind, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dashboard import PANEL_KINDS, DashboardScreen
from oncall_tui.ui.screens.detail import SignalDetailScreen
from oncall_tui.ui.textual_compat import notification_messages
from oncall_tui.ui.widgets.signal_panel import CURSOR_MARK, SignalPanel
from oncall_tui.ui.widgets.status_header import HEARTBEAT
from test_ui_support import (
    ALL_KINDS,
    RATIO,
    T0,
    demo_readings,
    make_app,
    make_engine,
    make_store,
    reading,
    refreshes,
)
from waiting import pilot_until as wait_for

BIG = (160, 50)
SMALL = (80, 24)


def panels(app: OncallApp) -> dict[str, SignalPanel]:
    return app.dashboard.panels


def panel_lines(panel: SignalPanel) -> list[str]:
    """What the panel shows, line by line, as plain text."""
    return [panel.render_line(y).text for y in range(panel.scrollable_content_region.height)]


async def settle(pilot: Pilot[Any], app: OncallApp) -> None:
    """Apply pending store changes now instead of at the next debounced sync."""
    await pilot.pause()
    app.dashboard.sync()
    await pilot.pause()


# -- launch -------------------------------------------------------------------------


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


# -- keys ---------------------------------------------------------------------------


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


# -- live updates -------------------------------------------------------------------


async def test_rows_update_in_place_and_only_changed_lines_repaint() -> None:
    store = make_store("ok")
    app = make_app(store)
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("1")
        before = dict(panels(app))
        health = before["health"]
        with refreshes({"health": health}) as calls:
            # same statuses, new values: pay-api error ratio 0.4% -> 0.5%
            store.apply("demo", demo_readings("none", step=1), at=T0 + 1)
            await settle(pilot, app)
        assert panels(app) == before and all(
            panels(app)[kind] is before[kind] for kind in PANEL_KINDS
        )
        assert any("0.5%" in line and "pay-api error ratio" in line for line in panel_lines(health))
        assert calls, "changed rows were not repainted"
        assert all(len(c.regions) == 1 and c.regions[0].height == 1 for c in calls)
        assert len(calls) <= 3  # pay-api, loan-api errors; nothing else moved


async def test_selection_follows_its_signal_when_rows_resort() -> None:
    store = make_store("ok")
    app = make_app(store)
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("1")
        health = panels(app)["health"]
        target = "demo/pay-api/p99"
        await pilot.press("G")  # the user moved: the cursor stays with their row
        assert health.select_key(target)
        index_before = health.cursor_index
        readings = [
            reading(
                "pay-api/p99", "health", "pay-api p99 latency", 2.5, "seconds", thresholds=RATIO
            )
            if r.key == "pay-api/p99"
            else r
            for r in demo_readings("none")
        ]
        store.apply("demo", readings, at=T0 + 1)
        await settle(pilot, app)
        assert health.selected_key == target
        assert health.row_keys[0] == target and health.cursor_index == 0 != index_before
        assert health.counts[Status.CRITICAL] == 1
        assert panel_lines(health)[1].startswith(f"{CURSOR_MARK}✖ CRIT pay-api p99 latency")


async def test_a_failing_refresh_does_not_kill_the_app(caplog: pytest.LogCaptureFixture) -> None:
    store = make_store("ok")
    app = make_app(store)
    async with app.run_test(size=BIG) as pilot:
        health = panels(app)["health"]

        def broken(changed: object = None) -> None:
            raise RuntimeError("bug in a panel")

        health.sync = broken  # type: ignore[method-assign]
        store.apply("demo", demo_readings("critical"), at=T0 + 1)
        await wait_for(pilot, lambda: app.dashboard.sync_errors > 0)
        assert app.is_running
        # the other panels still updated
        assert panels(app)["dependency"].counts[Status.CRITICAL] == 1
        assert "bug in a panel" in caplog.text


# -- hostile strings, errors, size ----------------------------------------------------


HOSTILE = [
    "disk [/mnt] full",
    "[@click=app.quit]x",
    "[bold red]not bold[/]",
    "[link=https://x.io]x[/link]",
    "名前が長いサービス-[x]",
]


async def test_markup_like_strings_render_literally() -> None:
    readings = [
        reading(f"h{i}", "health", name, 0.5, summary=f"summary {name}")
        for i, name in enumerate(HOSTILE)
    ]
    store = make_store("ok", readings=readings)
    app = make_app(store)
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("1")
        lines = "\n".join(panel_lines(panels(app)["health"]))
        for name in HOSTILE:
            assert name in lines
        assert "summary disk [/mnt] full" in lines
        for _ in HOSTILE:
            await pilot.press("enter")
            assert isinstance(app.screen, SignalDetailScreen)
            await pilot.pause()
            title = app.screen.query_one("#detail-title", Static).content
            assert isinstance(title, Text) and store.signals[app.screen.key].name in title.plain
            await pilot.press("escape", "j")
        assert app.is_running


async def test_escape_sequences_from_sources_are_shown_escaped() -> None:
    readings = [reading("x", "health", "evil\x1b]52;c;aGk=\x07name\u202e", 0.5)]
    app = make_app(make_store("ok", readings=readings))
    async with app.run_test(size=(220, 50)) as pilot:
        await pilot.press("1")
        text = "\n".join(panel_lines(panels(app)["health"]))
        assert "\x1b" not in text and "\\x1b]52" in text and "\\u202e" in text


async def test_source_error_shows_inside_the_panels_it_feeds() -> None:
    store = make_store("ok")
    store.fail("alerts", "cannot connect to 127.0.0.1:9093 (connection refused)", at=T0)
    app = make_app(store)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        alerts = panel_lines(panels(app)["alert"])
        since = time.strftime("%H:%M:%S", time.localtime(T0))
        assert alerts[1].startswith(
            f"⚠ source alerts failing since {since}: cannot connect to 127.0.0.1:9093"
        )
        assert "no signals" in alerts[0]  # an empty panel says why on its one line
        for kind in ("health", "risk_rule", "dependency"):
            assert not any("source alerts" in line for line in panel_lines(panels(app)[kind]))
        assert "1 source failing" in app.dashboard.header.text
        # the demo source fails too: its three panels say so, rows turn unknown
        store.fail("demo", "timed out after 3s", at=T0 + 1)
        await settle(pilot, app)
        health = panel_lines(panels(app)["health"])
        since = time.strftime("%H:%M:%S", time.localtime(T0 + 1))
        assert health[1].startswith(f"⚠ source demo failing since {since}: timed out after 3s")
        # failing again: still failing since the first failure
        store.fail("alerts", "cannot connect to 127.0.0.1:9093 (connection refused)", at=T0 + 9)
        await settle(pilot, app)
        assert panel_lines(panels(app)["alert"])[1].startswith(
            f"⚠ source alerts failing since {time.strftime('%H:%M:%S', time.localtime(T0))}:"
        )
        assert "? UNKN" in health[2] and "source error: timed out" in health[2]
        assert "UNKNOWN" in app.dashboard.header.text


async def test_stale_signals_say_so() -> None:
    app = make_app(make_store("stale"))
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        lines = panel_lines(panels(app)["health"])
        assert "? UNKN" in lines[1] and "stale: last data 30s ago" in lines[1]
        assert "data 30s old" in app.dashboard.header.text


async def test_two_thousand_signals_mount_and_navigate() -> None:
    kinds: list[Kind] = ["health", "risk_rule", "dependency"]
    readings = [
        reading(f"k{i}", kinds[i % 3], f"signal-{i:04}", (i % 100) / 1000) for i in range(2000)
    ]
    store = make_store("ok", readings=readings)
    app = make_app(store)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        total = sum(len(panel.row_keys) for panel in panels(app).values())
        assert total == 2000
        await pilot.press("1", "G")
        health = panels(app)["health"]
        assert health.cursor_index == len(health.row_keys) - 1
        store.apply("demo", readings[::-1], at=T0 + 1)
        await settle(pilot, app)
        assert app.is_running


async def test_layout_stacks_when_narrow_or_when_it_fits_else_two_columns() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        shown = [panel for panel in panels(app).values() if panel.display]
        regions = [panel.region for panel in shown]
        assert all(region.x == 0 and region.width >= 78 for region in regions)
        # sized to content: a panel with rows shows some; an empty one takes one line
        for panel in shown:
            assert panel.region.height >= min(panel.wanted_height, 2)
            if not panel.row_keys:
                assert panel.region.height == 1
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        # everything fits stacked at 160x50: full-width rows (room for the limit, the
        # age and the whole why), every panel shows all its rows, none more
        layers = [panels(app)[kind].region for kind in PANEL_KINDS]
        assert all(region.x == 0 and region.width >= 158 for region in layers)
        for panel in shown:
            assert panel.region.height == panel.wanted_height
        # too tall to stack: two columns, and still every row shown
        await pilot.resize_terminal(160, 18)
        await pilot.pause()
        layers = [panels(app)[kind].region for kind in PANEL_KINDS]
        assert len({region.x for region in layers}) == 2
        for panel in shown:
            assert panel.region.height == panel.wanted_height


async def test_header_spells_out_status_counts_and_read_only() -> None:
    app = make_app(make_store("critical"), read_only=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        text = app.dashboard.header.text
        assert "CRITICAL" in text
        assert "✖ 5 crit · ? 0 unkn · ▲ 2 warn · ● 6 ok" in text
        assert "READ-ONLY" in text and "data 2s old" in text
        assert "Credit payments on-call" in text
    app = make_app(make_store("ok"))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert "READ-ONLY" not in app.dashboard.header.text


async def test_heartbeat_moves_with_the_clock() -> None:
    now = [T0]
    store = make_store("ok")
    app = OncallApp(make_engine(store), clock=lambda: now[0], start_engine=False)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        header = app.dashboard.header
        frames = set()
        for step in range(4):
            now[0] = T0 + step
            header.update_status()
            frames.add(next(ch for ch in header.text if ch in HEARTBEAT))
        assert len(frames) == 4


# -- the real engine ------------------------------------------------------------------


async def test_real_engine_with_the_demo_plugin(tmp_path: Path) -> None:
    config = parse_config(
        'title = "demo test"\nrefresh = "1s"\n'
        '[sources.demo]\nplugin = "demo"\nservices = 6\nrules = 12\ndependencies = 4\n'
        'incident = "dependency"\nseed = 3\n',
        tmp_path,
    )
    engine = Engine(config)
    app = OncallApp(engine)
    async with app.run_test(size=BIG) as pilot:
        await wait_for(pilot, lambda: bool(engine.store.signals))
        await wait_for(
            pilot,
            lambda: isinstance(app.focused, SignalPanel) and app.focused.selected_key is not None,
        )
        worst = engine.store.worst()
        assert worst is not None
        focused = app.focused
        assert isinstance(focused, SignalPanel) and focused.selected_key is not None
        # Equally bad signals: the first panel wins, so compare statuses, not keys.
        assert engine.store.signals[focused.selected_key].status is worst.status
        # Every signal is on a panel, business ones included; change markers are events,
        # never rows.
        shown = [s for s in engine.store.signals.values() if s.kind in panels(app)]
        assert sum(len(panel.row_keys) for panel in panels(app).values()) == len(shown)
        assert "demo test" in app.dashboard.header.text
        assert engine.running
        await pilot.press("q")
        await pilot.pause()
    assert not engine.running, "the engine was not stopped on exit"


# -- helpers --------------------------------------------------------------------------


def test_fit_pads_cuts_and_counts_cells() -> None:
    assert fit("abc", 5) == "abc  "
    assert fit("abc", 5, right=True) == "  abc"
    assert fit("abcdef", 4) == "abc…"
    assert fit("名前名前", 5) == "名前…"
    assert fit("x", 0) == ""


def test_row_summary_names_the_reason_of_unknown() -> None:
    store = make_store("error")
    signal = store.signals["demo/pay-api/errors"]
    assert row_summary(signal) == "source error: timed out after 3s"
    critical = make_store("critical").signals["demo/loan-api/p99"]
    assert row_summary(critical) == "critical: ≥ 1s"


@pytest.mark.parametrize("width", range(0, 220, 7))
def test_column_widths_never_overflow_and_keep_the_name(width: int) -> None:
    columns = layout_columns(width, 30, 6, 8)
    widths = [columns.name, columns.value, columns.spark, columns.limit, columns.age]
    used = 7 + sum(w + 1 for w in [*widths, columns.summary] if w)
    assert used <= width or width <= 8
    if width >= 60:
        assert columns.name == 30 and columns.value == 6 and columns.spark
    if width >= 120:
        assert columns.limit and columns.age and columns.summary
    if width >= 99:  # either half of a 200-column screen shows how long
        assert columns.age


async def test_no_color_keeps_status_words_and_the_cursor_mark(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(make_store("critical"))
    async with app.run_test(size=BIG) as pilot:
        await pilot.press("1")
        assert app.no_color
        lines = panel_lines(panels(app)["health"])
        assert lines[1].startswith(f"{CURSOR_MARK}✖ CRIT ")
        assert any(line.startswith(" ▲ WARN ") for line in lines)
        assert "CRITICAL" in app.dashboard.header.text
        await pilot.press("enter")
        assert isinstance(app.screen, SignalDetailScreen)
        app.export_screenshot()  # renders every line through the monochrome filter
        await pilot.press("escape", "j", "tab")
        assert app.is_running


async def test_every_builtin_theme_and_a_theme_with_its_own_status_colours() -> None:
    app = make_app(make_store("critical"))
    async with app.run_test(size=BIG) as pilot:
        app.register_theme(
            Theme(
                name="wallboard-test",
                primary="#3366ff",
                variables={"status-critical": "#ff00ff"},
            )
        )
        for name in [*app.available_themes, "wallboard-test"]:
            app.theme = name
            await pilot.pause()
            app.export_screenshot()
        assert app.get_css_variables()["status-critical"] == "#ff00ff"
        health = panels(app)["health"]
        style = health.get_visual_style("signal-panel--critical").rich_style
        assert style.color is not None and style.color.triplet is not None
        assert style.color.triplet.hex == "#ff00ff"


async def test_a_longer_name_widens_the_name_column_of_every_row() -> None:
    store = make_store("ok")
    app = make_app(store)
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press("1")
        health = panels(app)["health"]
        before = panel_lines(health)
        readings = [
            reading(r.key, r.kind, "pay-api error ratio, all regions, all products", 0.004)
            if r.key == "pay-api/errors"
            else r
            for r in demo_readings("none")
        ]
        with refreshes({"health": health}) as calls:
            store.apply("demo", readings, at=T0 + 1)
            await settle(pilot, app)
        after = panel_lines(health)
        assert after != before and any(c.whole for c in calls)
        # every row's value column moved right, not only the renamed row's
        assert all(
            old.index("%" if "%" in old else "ms") < new.index("%" if "%" in new else "ms")
            for old, new in zip(before[1:7], after[1:7], strict=True)
        )


async def test_a_broken_listener_never_raises_into_the_engine() -> None:
    store = make_store("ok")
    app = make_app(store)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()

        def broken(*args: object, **kwargs: object) -> None:
            raise RuntimeError("no timers today")

        app.dashboard.set_timer = broken  # type: ignore[method-assign,assignment]
        # Called directly: the store would swallow an exception itself.
        app.dashboard._store_changed({"demo/svc/pay-api/errors"})  # must not raise
        assert app.is_running


# -- read-only ----------------------------------------------------------------------


async def test_read_only_refuses_file_writes_and_the_browser(tmp_path: Path) -> None:
    app = make_app(make_store("ok"), read_only=True)
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert "Screenshot" not in titles and "Quit" in titles
        assert app.save_screenshot("x.svg", str(tmp_path)) == ""
        assert app.deliver_screenshot("y.svg", str(tmp_path)) is None
        app.open_url("https://runbooks.example.com/x")
        await pilot.pause()
        assert list(tmp_path.iterdir()) == []
        assert any("read-only" in m for m in notification_messages(app))


async def test_without_read_only_a_screenshot_is_written(tmp_path: Path) -> None:
    app = make_app(make_store("ok"))
    async with app.run_test(size=BIG) as pilot:
        await pilot.pause()
        assert "Screenshot" in [c.title for c in app.get_system_commands(app.screen)]
        assert app.save_screenshot("x.svg", str(tmp_path))
        assert (tmp_path / "x.svg").is_file()
