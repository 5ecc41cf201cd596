"""Pilot tests of the dashboard as data changes: rows updated in place, the selection
following its signal, a failing refresh or a broken listener never killing the app,
the heartbeat, and one run against the real engine with the demo plugin."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard_support import BIG, panel_lines, panels, settle
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.model import Status
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dashboard import PANEL_KINDS
from oncall_tui.ui.widgets.signal_panel import CURSOR_MARK, SignalPanel
from oncall_tui.ui.widgets.status_header import HEARTBEAT
from ui_support import (
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
