"""`p` pauses the board: what is on the screen stays as it was while the engine goes on
collecting, and the news shows once the pause ends."""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.ui.app import OncallApp
from ui_support import board_update_runs
from waiting import pilot_until


async def test_pause_freezes_the_screen_while_the_engine_collects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before the frozen rows are compared, what would have changed them has happened:
    the store holds a value a frozen row does not show, and the board's update has run
    since (and held)."""
    config = parse_config(
        'title = "pause test"\nrefresh = "1s"\n'
        '[sources.demo]\nplugin = "demo"\nservices = 4\nrules = 4\ndependencies = 2\n'
        "change_rate = 1.0\nseed = 5\n",
        tmp_path,
    )
    engine = Engine(config)
    app = OncallApp(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot_until(pilot, lambda: engine.runners["demo"].collections >= 2)
        updates = app.dashboard.updates
        await pilot_until(pilot, lambda: not updates.armed and not updates.pending)  # shown
        await pilot.press("p")
        assert app.paused and "PAUSED" in app.dashboard.header.text
        health = app.dashboard.panels["health"]
        frozen = [health.render_line(y).text for y in range(6)]
        shown = {key: engine.store.signals[key].value for key in health.row_keys[:5]}

        def news() -> bool:
            return any(engine.store.signals[key].value != value for key, value in shown.items())

        await pilot_until(pilot, news, what="a new value for a frozen row")
        runs = board_update_runs(monkeypatch)
        await pilot_until(pilot, lambda: runs[0] >= 1, what="a run of the board's update")
        await pilot.pause()  # and a frame
        assert [health.render_line(y).text for y in range(6)] == frozen
        await pilot.press("p")
        assert not app.paused and "PAUSED" not in app.dashboard.header.text
        await pilot_until(pilot, lambda: [health.render_line(y).text for y in range(6)] != frozen)
        await pilot.press("q")
