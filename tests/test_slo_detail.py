"""An SLO signal as a person reads it: its value is a burn rate, written `20x` on the
board, the detail, the wallboard and in `check` text (JSON keeps the number, with unit
`burn_rate`); and its detail charts the error budget left as it fell, not only the burn.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

from oncall_tui.core.signals.model import Reading, SourceState, Status
from oncall_tui.core.signals.slo import BurnWindow, judge_slo
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.textual_compat import screen_lines
from oncall_tui.ui.widgets.chart import HistoryChart
from scenario_monitoring import run_cli
from ui_support import T0, make_engine
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


def _columns(chart_text: str) -> list[int]:
    """Filled cells per chart column (the axis and its labels left out)."""
    rows = [line.split("┤", 1)[1] for line in chart_text.splitlines() if "┤" in line]
    width = max(len(row) for row in rows)
    return [sum(1 for row in rows if i < len(row) and row[i] in "▁▂▃▄▅▆▇█") for i in range(width)]


async def _budget_detail(size: tuple[int, int]) -> tuple[str, str]:
    """The SLO's detail opened on the burning board: (screen, chart) as text."""
    app = OncallApp(make_engine(burning_store()), clock=lambda: T0, start_engine=False)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.open_detail("demo/slo/repayment")
        await pilot_until(pilot, lambda: "error budget left of 30d" in _text(app))
        return _text(app), app.screen.query_one("#detail-chart", HistoryChart).text


async def test_the_detail_charts_the_budget_as_it_fell() -> None:
    _, text = await _budget_detail((120, 40))
    lines = text.splitlines()
    assert lines[0].lstrip().startswith("100%┤"), text  # the whole budget on the scale
    assert any(line.lstrip().startswith("0%┤") for line in lines), text  # gone at 0%
    filled = [n for n in _columns(text) if n]
    # 80% ten minutes ago, 42% now: the columns fall, they do not hold at the burn.
    assert len(filled) >= 10, text
    assert filled[0] > filled[-1] * 1.6, (filled, text)
    assert filled == sorted(filled, reverse=True), (filled, text)
    assert "22x┤" not in text and "20x" not in text  # not the burn rate's chart


async def test_the_budget_chart_at_80x24() -> None:
    screen, _ = await _budget_detail((80, 24))
    assert "100%┤" in screen and "0%┤" in screen, screen


def test_a_replayed_slo_keeps_its_budget_too() -> None:
    # The replay puts recorded signals into the store (put_signal), not readings.
    store = burning_store(steps=1)
    signal = store.signals["demo/slo/repayment"]
    for step in range(1, 4):
        assert signal.slo is not None
        signal.slo = replace(signal.slo, budget_left=0.8 - 0.1 * step)
        store.put_signal(signal, signal.status, None, T0 + 60 * step, previous=signal.value)
    assert signal.budget is not None
    assert [round(v or 0, 2) for _, v in signal.budget] == [0.8, 0.7, 0.6, 0.5]


def test_the_budget_is_kept_a_minute_apart_and_ends_current() -> None:
    # A budget over days moves slowly: a sample a minute (the newest always current),
    # so the ring of 360 reaches back six hours, not six minutes of 1 s collections.
    store = burning_store(steps=1)
    for second in range(1, 181):
        store.apply("demo", [slo_reading(20.0, 0.8 - 0.001 * second)], at=T0 + second)
    budget = store.signals["demo/slo/repayment"].budget
    assert budget is not None
    times = [at - T0 for at, _ in budget]
    assert times == [0, 60, 120, 180], times
    assert round(list(budget)[-1][1] or 0, 3) == 0.62


def test_the_very_same_slo_reading_still_moves_its_budget_sample_on() -> None:
    # A source handing back the same object (the demo between two judgements): the
    # budget's newest sample still ends at the latest collection, a minute apart.
    store = SignalStore(clock=lambda: T0)
    store.add_source(
        SourceState(name="demo", plugin="demo", kinds=frozenset({"health"}), interval=1.0)
    )
    reading = slo_reading(0.5, 0.7)
    for second in range(0, 131):
        store.apply("demo", [reading], at=T0 + second)
    signal = store.signals["demo/slo/repayment"]
    assert signal.budget is not None
    assert [at - T0 for at, _ in signal.budget] == [0, 60, 120, 130]
    assert signal.observed_at == T0 + 130 and len(signal.history) == 131


def test_only_slo_signals_keep_a_budget() -> None:
    store = burning_store(steps=2)
    assert store.signals["demo/slo/repayment"].budget is not None
    plain = replace(slo_reading(1.0, 0.5), slo=None, key="slo/repayment")
    store.apply("demo", [plain], at=T0 + 1)
    assert store.signals["demo/slo/repayment"].budget is None
