"""What the demo plugin's tests share: the plugin built with an injected clock (so the
incident cycle is walked through in milliseconds and nothing sleeps), the wall clock
pinned (an autouse fixture: a module imports `fixed_wall_clock` to have it), and the
readings sorted by layer, status and kind."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from clock_support import FakeClock
from oncall_tui.core.signals.model import Kind, Reading, Status
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui_demo import DemoPlugin

LAYERS: frozenset[Kind] = frozenset({"health", "risk_rule", "dependency"})

LAYER: dict[str, frozenset[Kind]] = {
    "overload": frozenset({"health"}),
    "risk_rule": frozenset({"risk_rule"}),
    "dependency": frozenset({"dependency"}),
    "cascade": LAYERS,  # a dependency fails and its symptoms light up the other two
    "canary": frozenset({"health"}),  # the new release's cohort, judged against the old
}


WALL = 1_800_000_000.0


@pytest.fixture(autouse=True)
def fixed_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Change markers are dated in unix time from the wall clock at the first
    collection: pinned, so two runs of one seed are identical to the last digit."""
    monkeypatch.setattr(DemoPlugin, "wall_clock", lambda: WALL)


def make(clock: FakeClock | None = None, interval: float = 1.0, **options: Any) -> DemoPlugin:
    context = SourceContext(
        name="demo", config_dir=Path("."), interval=interval, timeout=3.0, clock=clock
    )
    return DemoPlugin(DemoPlugin.Config(**options), context)


def level(reading: Reading) -> Status:
    if reading.status is not None:  # an SLO or canary verdict: judged by the plugin
        return reading.status
    assert reading.thresholds is not None
    assert reading.value is not None
    return reading.thresholds.level(reading.value)


def by_key(readings: Sequence[Reading]) -> dict[str, Reading]:
    return {r.key: r for r in readings}


def critical_layers(readings: Sequence[Reading]) -> set[Kind]:
    """The layers (health, risk rules, dependencies) with a critical signal."""
    return {r.kind for r in readings if r.kind in LAYERS and level(r) is Status.CRITICAL}


def measured(readings: Sequence[Reading]) -> list[Reading]:
    """The simulated measurements: not change markers (a time, not a measurement), nor
    the SLO and canary verdicts drawn from the measurements (early.py)."""
    return [r for r in readings if r.kind != "change" and not early(r)]


def early(reading: Reading) -> bool:
    return reading.slo is not None or reading.key.startswith(("slo/", "canary/"))


def business(readings: Sequence[Reading]) -> dict[str, Reading]:
    return {r.key: r for r in readings if r.kind == "business"}


def changes(readings: Sequence[Reading]) -> dict[str, Reading]:
    return {r.component: r for r in readings if r.kind == "change"}
