"""Pilot tests of what sources send that could break the dashboard: markup-like and
escape-sequence strings shown literally, source errors inside the panels they feed,
stale data said as such, and two thousand signals."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import Static

from dashboard_support import BIG, SMALL, panel_lines, panels, settle
from oncall_tui.core.signals.model import Kind
from oncall_tui.ui.screens.detail import SignalDetailScreen
from ui_support import (
    T0,
    make_app,
    make_store,
    reading,
)

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
