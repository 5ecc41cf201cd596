"""The demo source's incidents: each is critical in its own layers only, with the
values and summaries that tell its story."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from demo_plugin_support import (
    LAYER,
    LAYERS,
    by_key,
    critical_layers,
    fixed_wall_clock,  # noqa: F401  (autouse: the wall clock pinned)
    level,
    make,
    measured,
)
from oncall_tui.core.signals.model import Kind, Reading, Status
from oncall_tui_demo import DemoPlugin
from oncall_tui_demo.catalog import build
from oncall_tui_demo.describe import Describer


@pytest.mark.parametrize("incident", ["overload", "risk_rule", "dependency", "cascade"])
async def test_fixed_incident_is_critical_in_its_layers_only(incident: str) -> None:
    plugin = make(incident=incident, services=10, rules=16, dependencies=6)
    for _ in range(60):
        readings = await plugin.collect()
        assert critical_layers(readings) == LAYER[incident]
        layers = [r for r in readings if r.kind in LAYERS]
        worst = max(layers, key=lambda r: level(r).severity)
        assert worst.kind in LAYER[incident]


async def test_overload_hits_a_couple_of_services_on_both_measures() -> None:
    readings = by_key(await make(incident="overload").collect())
    critical = {k for k, r in readings.items() if r.kind in LAYERS and level(r) is Status.CRITICAL}
    assert {"svc/pay-api/errors", "svc/pay-api/latency"} <= critical
    services = {readings[k].labels["service"] for k in critical}
    assert 1 < len(services) <= 3
    assert "overload" in readings["svc/pay-api/errors"].summary
    assert "(critical ≥ 5%)" in readings["svc/pay-api/errors"].summary


async def test_risk_rule_incident_blocks_far_above_baseline_with_services_green() -> None:
    readings = await make(incident="risk_rule").collect()
    spiking = [r for r in readings if r.kind in LAYERS and level(r) is Status.CRITICAL]
    assert [r.key for r in spiking] == ["rule/paylater/device-fingerprint"]
    rule = spiking[0]
    assert rule.value is not None and rule.baseline is not None
    assert rule.value > 10 * rule.baseline
    assert "blocks" in rule.summary and "baseline" in rule.summary
    assert "%" not in rule.summary.split("baseline")[0]  # the value has its own column
    services = [r for r in readings if r.kind == "health"]
    assert all(level(r) is not Status.CRITICAL for r in services)


async def test_dependency_incident_takes_the_bureau_down_and_slows_loan_api() -> None:
    plugin = make(incident="dependency")
    for _ in range(30):
        readings = by_key(await plugin.collect())
        bureau = readings["dep/credit-bureau/availability"]
        assert level(bureau) is Status.CRITICAL
        assert level(readings["dep/credit-bureau/latency"]) is Status.CRITICAL
        # The knock-on is visible but never outranks the cause.
        assert level(readings["svc/loan-api/latency"]) is Status.WARNING
        assert "credit-bureau" in readings["svc/loan-api/latency"].summary
    assert "(critical ≤ 95%)" in bureau.summary


@pytest.mark.parametrize(
    ("options", "incident", "layer"),
    [
        ({"rules": 2}, "risk_rule", "risk_rule"),
        ({"dependencies": 1}, "dependency", "dependency"),
        ({"services": 1}, "overload", "health"),
    ],
)
async def test_small_platforms_still_show_each_incident(
    options: dict[str, Any], incident: str, layer: Kind
) -> None:
    readings = await make(incident=incident, **options).collect()
    assert critical_layers(readings) == {layer}


async def test_summaries_name_the_threshold_they_cross() -> None:
    readings: list[Reading] = []
    for incident in ("overload", "risk_rule", "dependency"):
        readings += measured(
            await make(incident=incident, services=30, rules=30, dependencies=8).collect()
        )
    seen = Counter(level(r) for r in readings)
    assert seen[Status.CRITICAL] and seen[Status.WARNING] and seen[Status.OK]
    for reading in readings:
        status = level(reading)
        assert ("(critical" in reading.summary) == (status is Status.CRITICAL), reading
        assert ("(warning" in reading.summary) == (status is Status.WARNING), reading


def test_touching_a_threshold_names_it() -> None:
    # Same rule as the status (Thresholds.level): reaching the limit counts, whichever
    # way the limits point.
    specs = build(DemoPlugin.Config(), random.Random(1))
    errors = next(s for s in specs if s.metric == "errors")
    availability = next(s for s in specs if s.metric == "availability")
    for spec in (errors, availability):
        describe = Describer(spec)
        limits = spec.thresholds
        assert limits.warning is not None and limits.critical is not None
        assert "(critical" in describe(limits.critical, None)
        assert "(warning" in describe(limits.warning, None)
        nudge = 0.001 if limits.below else -0.001
        assert "(" not in describe(limits.warning + nudge, None)
    assert Describer(availability)(0.95, None) == "(critical ≤ 95%)"
