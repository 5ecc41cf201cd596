"""An SLO signal as a person reads it: its value is a burn rate, written `20x` on the
board, the detail, the wallboard and in `check` text (JSON keeps the number, with unit
`burn_rate`); and its detail charts the error budget left as it fell, not only the burn.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from oncall_tui.core.signals.model import Reading, SourceState, Status
from oncall_tui.core.signals.slo import BurnWindow, judge_slo
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.textual_compat import screen_lines
from scenario_monitoring import run_cli
from test_ui_support import T0, make_engine
from waiting import pilot_until

PAIRS = (BurnWindow(3600.0, 300.0, 14.4, Status.CRITICAL),)
PERIOD = 30 * 86400.0


def slo_reading(burn: float, budget_left: float) -> Reading:
    """repayment's availability SLO (99.9%) burning `burn` times its budget."""
    ratio = burn * 0.001
    verdict = judge_slo(
        0.999, {3600.0: ratio, 300.0: ratio}, None, windows=PAIRS, budget_left=budget_left
    )
    return Reading(
        key="slo/repayment",
        kind="health",
        name="repayment availability",
        value=verdict.value,
        unit="burn_rate",
        summary=verdict.summary,
        status=verdict.status,
        component="repayment",
        headline=verdict.headline,
        slo=verdict.facts,
    )


def burning_store(steps: int = 20, every: float = 30.0) -> SignalStore:
    """A board whose SLO has burnt 20x for `steps` collections `every` seconds apart,
    the budget falling from 80% by 2 points a collection (to 42% at the end)."""
    store = SignalStore(clock=lambda: T0)
    store.add_source(
        SourceState(name="demo", plugin="demo", kinds=frozenset({"health"}), interval=every),
        max_age=2 * every,
    )
    for step in range(steps):
        at = T0 - (steps - 1 - step) * every
        store.apply("demo", [slo_reading(20.0, 0.8 - 0.02 * step)], at=at)
    return store


def _text(app: OncallApp) -> str:
    return "\n".join(screen_lines(app.screen))


def test_check_text_writes_a_burn_rate_with_its_unit(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[sources.demo]\nplugin = "demo"\nseed = 1\n')
    text = run_cli(["check", "--config", str(config)]).stdout
    rows = [line for line in text.splitlines() if " SLO " in line]
    assert len(rows) >= 4, text
    for row in rows:
        # "OK    health     pay-api SLO    0.067x  burning 0.067x budget (1m) · ..."
        value = row.split(" SLO ", 1)[1].split()[0]
        assert re.fullmatch(r"(\d+(\.\d+)?|>999)x", value), row
        assert f"burning {value} budget" in row, row
    document = json.loads(run_cli(["check", "--config", str(config), "--format", "json"]).stdout)
    slos = [s for s in document["signals"] if "slo" in s]
    assert slos and all(s["unit"] == "burn_rate" for s in slos)
    assert all(isinstance(s["value"], float) for s in slos)


async def test_board_detail_and_wallboard_say_20x() -> None:
    store = burning_store()
    app = OncallApp(make_engine(store), clock=lambda: T0, start_engine=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        row = next(line for line in screen_lines(app.screen) if "repayment availability" in line)
        assert re.search(r"repayment availability\s+20x\s", row), row
        app.open_detail("demo/slo/repayment")
        await pilot_until(pilot, lambda: "burn  5m 20x · 1h 20x" in _text(app), what="the detail")
        value = next(line for line in screen_lines(app.screen) if "value  " in line)
        assert "value  20x" in value, value
    wall = OncallApp(
        make_engine(store),
        clock=lambda: T0,
        start_engine=False,
        wallboard=True,
    )
    async with wall.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        text = _text(wall)
        assert "repayment availability" in text
        line = next(line for line in text.splitlines() if "repayment availability" in line)
        assert "20x" in line, line
        assert not re.search(r"repayment availability\s+20(?!x)", text), text
