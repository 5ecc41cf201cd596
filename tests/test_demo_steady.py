"""The demo does per second only what moved, and says the same as when it did all of it.

Its SLO rows are judged lazily (only when their service's error ratio moved, while they
burn or could start to, or a step after the last time): checked here against a
reference that judges every SLO at every collection, as the demo did before. Past a
source's cap it makes nothing, and says how much it simulates.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from clock_support import FakeClock
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.model import Reading, Status
from oncall_tui.core.signals.slo import judge_slo
from oncall_tui.core.signals.store import MAX_SIGNALS_PER_SOURCE
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui_demo import DemoPlugin
from oncall_tui_demo import plugin as plugin_module
from oncall_tui_demo.early import OBJECTIVE, PERIOD, QUIET_RATIO, SLO_STEP, WINDOWS
from oncall_tui_demo.scenario import PERIOD as CYCLE_PERIOD


@pytest.fixture(autouse=True)
def fixed_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DemoPlugin, "wall_clock", lambda: 1_800_000_000.0)


def make(clock: FakeClock, **options: Any) -> DemoPlugin:
    context = SourceContext(
        name="demo", config_dir=Path("."), interval=1.0, timeout=3.0, clock=clock
    )
    return DemoPlugin(DemoPlugin.Config(**options), context)


class EverySecond:
    """The SLO judge as the demo ran it before it judged lazily: every SLO's means and
    budget stepped, and judged, at every collection."""

    def __init__(self, plugin: DemoPlugin) -> None:
        early = plugin._early
        self.windows = sorted({w for pair in WINDOWS for w in (pair.long, pair.short)})
        self.budget = list(early._budget)
        self.means: dict[str, list[float]] = {}
        self.last: float | None = None

    def judge(self, readings: list[Reading], now: float) -> dict[str, tuple[float, Status]]:
        dt = 0.0 if self.last is None else now - self.last
        self.last = now
        weights = [1.0 - math.exp(-dt / window) for window in self.windows]
        judged = {}
        errors = [r for r in readings if r.key.startswith("svc/") and r.key.endswith("/errors")]
        for slot, reading in enumerate(errors):
            ratio = reading.value
            assert ratio is not None
            means = self.means.setdefault(reading.key, [ratio] * len(self.windows))
            for position, weight in enumerate(weights):
                means[position] += weight * (ratio - means[position])
            self.budget[slot] -= dt / PERIOD * ratio / (1.0 - OBJECTIVE)
            verdict = judge_slo(
                OBJECTIVE,
                dict(zip(self.windows, means, strict=True)),
                None,
                windows=WINDOWS,
                period=PERIOD,
                budget_left=self.budget[slot],
            )
            assert verdict.value is not None
            judged[f"slo/{reading.component}"] = (verdict.value, verdict.status)
        return judged


async def test_lazy_slo_judging_says_what_judging_every_second_says() -> None:
    """A whole incident cycle: whenever the demo judges an SLO its burn rate is the one
    judging every second gives, and its status is that one at every collection (a
    breach is never late); a row handed back unjudged is the very object."""
    clock = FakeClock()
    plugin = make(clock, services=12, rules=4, dependencies=4, change_rate=0.1, seed=3)
    reference = EverySecond(plugin)
    before: dict[str, Reading] = {}
    judged = handed_back = 0
    for _ in range(int(CYCLE_PERIOD) + 60):
        readings = await plugin.collect()
        expected = reference.judge(readings, clock.now)
        slos = {r.key: r for r in readings if r.key.startswith("slo/")}
        assert slos.keys() == expected.keys()
        for key, reading in slos.items():
            value, status = expected[key]
            assert reading.status is status, (clock.now, key)
            if reading is before.get(key):
                handed_back += 1
            else:
                judged += 1
                assert reading.value == pytest.approx(value, rel=1e-9), (clock.now, key)
        before = slos
        clock.now += 1.0
    assert handed_back > 3 * judged, "a calm SLO is not judged every second"


async def test_a_calm_slo_is_handed_back_until_its_ratio_moves_or_its_step_passes() -> None:
    clock = FakeClock()
    plugin = make(clock, services=6, rules=0, dependencies=0, change_rate=0.0, incident="none")
    first = {r.key: r for r in await plugin.collect() if r.key.startswith("slo/")}
    assert all(r.status is Status.OK for r in first.values())
    clock.now += 1.0
    second = {r.key: r for r in await plugin.collect() if r.key.startswith("slo/")}
    assert all(second[key] is first[key] for key in first), "nothing moved: the same rows"
    # Every SLO is judged again within two steps of its first judgement (the first
    # ones are spread over a step), its burn rate having crept on meanwhile.
    clock.now += 2 * SLO_STEP
    third = {r.key: r for r in await plugin.collect() if r.key.startswith("slo/")}
    assert all(third[key] is not first[key] for key in first)


async def test_an_slo_whose_ratio_could_breach_is_judged_every_collection() -> None:
    """At or above `QUIET_RATIO` the means climb toward a paging rate with no change
    of the ratio itself: such an SLO is judged every time."""
    clock = FakeClock()
    plugin = make(clock, services=3, rules=0, dependencies=0, change_rate=0.0, incident="overload")
    readings = await plugin.collect()
    hot = [
        f"slo/{r.component}"
        for r in readings
        if r.key.endswith("/errors") and r.value is not None and r.value >= QUIET_RATIO
    ]
    assert hot, "the overload makes some service's errors burn"
    before = {r.key: r for r in readings}
    for _ in range(3):
        clock.now += 1.0
        after = {r.key: r for r in await plugin.collect()}
        assert all(after[key] is not before[key] for key in hot)
        before = after


async def test_the_canary_row_is_the_same_object_while_no_canary_runs() -> None:
    clock = FakeClock()
    plugin = make(clock, services=3, rules=0, dependencies=0, incident="none")
    rows = []
    for _ in range(3):
        rows.append(next(r for r in await plugin.collect() if r.key.startswith("canary/")))
        clock.now += 1.0
    assert rows[0] is rows[1] is rows[2]
    assert rows[0].summary == "no canary running: all traffic on 2.3.1"


async def test_past_the_cap_the_demo_makes_nothing_and_says_how_much_it_simulates() -> None:
    """services 3000, rules 5000, dependencies 2000: 28,004 signals simulated (SLO,
    canary and change rows included), of which a source keeps 10,000. The demo returns
    those, in the same order, and its note says the rest exist."""
    clock = FakeClock()
    plugin = make(clock, services=3000, rules=5000, dependencies=2000)
    readings = await plugin.collect()
    assert len(readings) == MAX_SIGNALS_PER_SOURCE
    keys = [r.key for r in readings]
    assert keys[:3] == ["biz/pay-success", "biz/loan-approvals", "biz/repayments"]
    assert all(key.startswith("svc/") for key in keys[3:6003])
    assert all(key.startswith("rule/") for key in keys[6003:])
    assert plugin.collection_note() == "28004 signals simulated, only the first 10000 kept"
    small = make(FakeClock(), services=30, rules=50, dependencies=20)
    await small.collect()
    assert small.collection_note() == ""


def test_past_the_cap_the_demo_builds_no_summary_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each signal drawn has a summary writer; one past the cap is never drawn, so it
    gets none: at 10k options 5,003 of the catalog's 15,003 were built at start-up
    (~60 ms of the engine's start, ~4 MiB held for good) and never called."""
    built: list[Any] = []

    class Counted(plugin_module.Describer):
        def __init__(self, spec: Any) -> None:
            built.append(spec)
            super().__init__(spec)

    monkeypatch.setattr(plugin_module, "Describer", Counted)
    make(FakeClock(), services=3000, rules=5000, dependencies=2000)
    assert len(built) == MAX_SIGNALS_PER_SOURCE
    built.clear()
    make(FakeClock(), services=30, rules=50, dependencies=20)
    assert 0 < len(built) < MAX_SIGNALS_PER_SOURCE


async def test_the_cap_note_reaches_the_source_through_the_engine() -> None:
    config = """
title = "cap"
refresh = "1s"
[sources.demo]
plugin = "demo"
services = 3000
rules = 5000
dependencies = 2000
"""
    engine = Engine(parse_config(config, Path(".")))
    try:
        await engine.collect_once()
    finally:
        await engine.stop()
    assert len(engine.store.signals) == MAX_SIGNALS_PER_SOURCE
    state = engine.store.source("demo")
    assert state.ok
    assert "28004 signals simulated, only the first 10000 kept" in state.note


def test_past_the_cap_the_demo_builds_no_change_marker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Markers past the cap are counted for the source's note, never built: at 10k
    options all 10,000 were built at start-up (~30-50 ms) and then dropped. In front
    of the cap they are the ones they were (same keys, ages and triggers)."""
    from oncall_tui_demo import changes as changes_module

    built: list[Any] = []

    class Counted(changes_module.ChangeSpec):
        __slots__ = ()

        def __init__(self, **fields: Any) -> None:
            built.append(fields["key"])
            super().__init__(**fields)

    monkeypatch.setattr(changes_module, "ChangeSpec", Counted)
    big = make(FakeClock(), services=3000, rules=5000, dependencies=2000)
    assert built == [] and big.collection_note().startswith("28004 signals simulated")
    small = make(FakeClock(), services=30, rules=50, dependencies=20)
    assert len(built) == len(small._changes) > 0
    cut = make(FakeClock(), services=1500, rules=2500, dependencies=1000)
    specs = cut._specs
    every = changes_module.build_changes(specs, cut.config.seed)
    assert [c.key for c in cut._changes] == [c.key for c in every[: len(cut._changes)]]
    assert [c.before_start for c in cut._changes] == [
        c.before_start for c in every[: len(cut._changes)]
    ]
