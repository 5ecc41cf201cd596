"""The demo source's values: the same seed gives the same values, the change rate
moves that share of them, and calm values wander but stay plausible."""

from __future__ import annotations

import itertools
import math
import statistics
from typing import Any

import pytest

from clock_support import FakeClock
from demo_plugin_support import (
    fixed_wall_clock,  # noqa: F401  (autouse: the wall clock pinned)
    level,
    make,
    measured,
)
from oncall_tui.core.signals.model import Status
from oncall_tui_demo import DemoPlugin


async def collect_values(plugin: DemoPlugin, clock: FakeClock, times: int) -> list[list[Any]]:
    rounds = []
    for _ in range(times):
        clock.now += 7.0
        rounds.append([(r.key, r.value, r.summary) for r in await plugin.collect()])
    return rounds


async def test_same_seed_same_values() -> None:
    a_clock, b_clock = FakeClock(), FakeClock()
    a = await collect_values(make(a_clock, seed=42, change_rate=0.5), a_clock, 30)
    b = await collect_values(make(b_clock, seed=42, change_rate=0.5), b_clock, 30)
    assert a == b


async def test_other_seed_other_values() -> None:
    a_clock, b_clock = FakeClock(), FakeClock()
    a = await collect_values(make(a_clock, seed=1), a_clock, 3)
    b = await collect_values(make(b_clock, seed=2), b_clock, 3)
    assert a != b


@pytest.mark.parametrize("rate", [0.1, 0.5])
async def test_change_rate_moves_that_share_of_values(rate: float) -> None:
    plugin = make(incident="none", services=300, rules=300, dependencies=100, change_rate=rate)
    previous = measured(await plugin.collect())
    for _ in range(5):
        current = measured(await plugin.collect())
        changed = sum(a.value != b.value for a, b in zip(previous, current, strict=True))
        assert changed / len(current) == pytest.approx(rate, abs=0.01)
        # The others repeat exactly, summary included.
        assert all(a == b for a, b in zip(previous, current, strict=True) if a.value == b.value)
        previous = current


async def test_full_change_rate_moves_everything_and_zero_moves_nothing() -> None:
    moving = make(incident="none", change_rate=1.0)
    before = measured(await moving.collect())
    after = measured(await moving.collect())
    assert all(
        a.value != b.value for a, b in zip(before, after, strict=True) if a.kind != "business"
    )
    frozen = make(incident="none", change_rate=0.0)
    # (The SLOs drawn from them still spend their budget as time passes.)
    assert measured(await frozen.collect()) == measured(await frozen.collect())


async def test_calm_values_wander_but_stay_plausible() -> None:
    """A mean-reverting walk: bounded, near its normal level, and smooth (successive
    values are close), unlike white noise or a runaway random walk."""
    plugin = make(incident="none", services=20, rules=30, dependencies=10)
    series: dict[str, list[float]] = {}
    for _ in range(400):
        for reading in measured(await plugin.collect()):
            assert reading.value is not None and math.isfinite(reading.value)
            assert level(reading) is not Status.CRITICAL, reading
            if reading.unit == "ratio":
                assert 0.0 <= reading.value <= 1.0
            elif reading.kind == "business":
                assert reading.baseline is not None
                assert 0.5 * reading.baseline < reading.value < 2 * reading.baseline
            else:
                assert 0.0 < reading.value < 5.0
            series.setdefault(reading.key, []).append(reading.value)

    smoothness = []
    for key, values in series.items():
        logs = [math.log(v if not key.endswith("/availability") else 1.0 - v) for v in values]
        steps = [b - a for a, b in itertools.pairwise(logs)]
        assert statistics.pstdev(logs) > 0.0, f"{key} never moves"
        smoothness.append(statistics.pstdev(steps) / statistics.pstdev(logs))
    # White noise gives about 1.4; a slow mean-reverting walk far less.
    assert statistics.median(smoothness) < 0.5

    # Mean reversion: rules hover around their baseline instead of drifting away.
    readings = await plugin.collect()
    ratios = [
        statistics.mean(series[r.key]) / r.baseline
        for r in readings
        if r.kind == "risk_rule" and r.baseline
    ]
    assert 0.7 < statistics.median(ratios) < 1.4
