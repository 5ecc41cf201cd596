"""A real Alertmanager with nothing firing: the board, the panel and `check` say so,
and a resolved alert leaves the board."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertmanager_api import post_alerts
from alertmanager_plugin_support import (
    board,
    engine_for,
    inhibiting_manager,  # noqa: F401  (the fixture `manager`)
)
from oncall_cli import run_oncall
from oncall_tui.core.signals.model import Status
from servers import ServerProcess

pytestmark = pytest.mark.servers


async def test_no_alerts_firing_is_said_as_such(manager: ServerProcess, case: str) -> None:
    engine = engine_for(manager.url, filter=[f'case="{case}"'])
    runner = engine.runners["alerts"]
    try:
        await runner.collect()
        state = engine.store.source("alerts")
        assert (state.ok, state.error, state.note) == (
            True,
            "",
            "no alerts firing that match the filter",
        )
        assert not engine.store.signals and engine.store.overall() is Status.OK
        post_alerts(manager, case, {"labels": {"alertname": "Now", "severity": "warning"}})
        await runner.collect()
        assert engine.store.source("alerts").note == ""
        assert [s.name for s in engine.store.signals.values()] == ["Now"]
    finally:
        await engine.stop()
    hidden = await board(manager.url, filter=[f'case="{case}"'], include_suppressed=False)
    assert len(hidden.signals) == 1, "include_suppressed only hides suppressed alerts"


async def test_alerts_panel_says_no_alerts_firing(manager: ServerProcess, case: str) -> None:
    from oncall_tui.ui.app import OncallApp  # the one test here that needs Textual

    engine = engine_for(manager.url, filter=[f'case="{case}"'])
    try:
        await engine.collect_once()
        app = OncallApp(engine, start_engine=False)
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            panel = app.dashboard.panels["alert"]
            lines = [panel.render_line(y).text for y in range(panel.size.height)]
    finally:
        await engine.stop()
    assert any("source alerts: no alerts firing that match the filter" in line for line in lines)


async def test_resolved_alert_leaves_the_board(manager: ServerProcess, case: str) -> None:
    engine = engine_for(manager.url, filter=[f'case="{case}"'])
    runner = engine.runners["alerts"]
    alert = {"labels": {"alertname": "Brief", "severity": "critical"}}
    try:
        post_alerts(manager, case, alert)
        await runner.collect()
        assert [s.status for s in engine.store.signals.values()] == [Status.CRITICAL]
        post_alerts(manager, case, {**alert, "endsAt": "2020-01-01T00:00:00Z"})
        await runner.collect()
        assert engine.store.signals == {}, "resolved, not unknown"
        assert engine.store.source("alerts").note == "no alerts firing that match the filter"
    finally:
        await engine.stop()


def test_check_text_says_no_alerts_firing(
    manager: ServerProcess, case: str, tmp_path: Path
) -> None:
    config = tmp_path / "oncall.toml"
    config.write_text(
        f'[sources.alerts]\nplugin = "alertmanager"\nurl = "{manager.url}"\n'
        f"filter = ['case=\"{case}\"']\n"
    )
    result = run_oncall("check", "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ms): ok — no alerts firing that match the filter" in result.stdout
