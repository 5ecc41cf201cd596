"""The demo source's shape: how many signals of each kind its options make, their
names and keys, and a large demo collecting off the event loop."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from clock_support import FakeClock
from demo_plugin_support import (
    LAYERS,
    by_key,
    fixed_wall_clock,  # noqa: F401  (autouse: the wall clock pinned)
    make,
    measured,
)
from loop_turns import loop_turns_during


@pytest.mark.parametrize(
    ("services", "rules", "dependencies"),
    [(6, 12, 4), (0, 0, 0), (1, 1, 1), (12, 20, 9), (500, 600, 200)],
)
async def test_counts_per_kind_scale_with_options(
    services: int, rules: int, dependencies: int
) -> None:
    plugin = make(services=services, rules=rules, dependencies=dependencies)
    readings = await plugin.collect()
    counts = Counter(r.kind for r in measured(readings))
    assert counts["health"] == 2 * services
    slos = [r for r in readings if r.key.startswith("slo/")]
    assert len(slos) == services  # an SLO per service
    canaries = [r for r in readings if r.key.startswith("canary/")]
    assert len(canaries) == (1 if services >= 3 else 0)  # repayment-api takes canaries
    assert counts["risk_rule"] == rules
    assert counts["dependency"] == 2 * dependencies
    assert counts["business"] == 3
    changes = [r for r in readings if r.kind == "change"]
    assert len(changes) == services + rules + dependencies  # one per component
    assert len({r.key for r in readings}) == len(readings), "keys must be unique"
    assert {r.kind for r in readings} <= plugin.kinds()


async def test_two_thousand_signals() -> None:
    plugin = make(services=500, rules=600, dependencies=200, change_rate=0.1)
    for _ in range(3):
        readings = await plugin.collect()
        assert len([r for r in measured(readings) if r.kind in LAYERS]) == 2000
        assert all(r.value is not None and math.isfinite(r.value) for r in measured(readings))


def test_kinds_are_the_three_layers_the_impact_and_changes() -> None:
    assert make().kinds() == frozenset({"business", "health", "risk_rule", "dependency", "change"})


async def test_default_platform_names() -> None:
    readings = by_key(await make(incident="none").collect())
    for service in ("pay-api", "loan-api", "repayment-api", "checkout-web", "wallet-api"):
        assert f"svc/{service}/errors" in readings
        assert f"svc/{service}/latency" in readings
    assert readings["rule/paylater/velocity-check"].name == "paylater/velocity-check"
    assert readings["rule/cashloan/device-fingerprint"].labels["product"] == "cashloan"
    for dependency in ("payment-gateway", "credit-bureau", "sms-otp", "bank-core"):
        assert f"dep/{dependency}/availability" in readings
    pay = readings["svc/pay-api/errors"]
    assert pay.labels["service"] == "pay-api"
    assert pay.labels["product"] == "paylater"
    assert pay.unit == "ratio"
    assert 'service="pay-api"' in pay.query
    availability = readings["dep/credit-bureau/availability"]
    assert availability.thresholds is not None and availability.thresholds.below


async def test_names_beyond_the_catalog_get_a_suffix() -> None:
    readings = await make(services=30, rules=40, dependencies=10).collect()
    keys = {r.key for r in readings}
    assert "svc/pay-api-2/errors" in keys
    assert "svc/pay-api-3/latency" in keys
    assert "rule/paylater/velocity-check-2" in keys
    assert "dep/credit-bureau-2/availability" in keys


async def test_keys_and_names_stable_across_collections() -> None:
    clock = FakeClock()
    plugin = make(clock)
    first = [(r.key, r.name, r.kind) for r in await plugin.collect()]
    for step in range(1, 40):
        clock.now += 20.0 * step
        assert [(r.key, r.name, r.kind) for r in await plugin.collect()] == first


async def test_rules_carry_their_baseline_and_explain_it() -> None:
    readings = await make(incident="none").collect()
    rules = [r for r in readings if r.kind == "risk_rule"]
    assert rules
    for rule in rules:
        assert rule.baseline is not None and 0.0 < rule.baseline < 0.05
        assert "baseline" in rule.summary
        assert rule.unit == "ratio"


async def test_a_large_demo_collects_off_the_event_loop() -> None:
    """A 10,000-signal demo's collection is tens of ms of Python: on the event loop it
    held every key press that long once a second. On a worker thread the loop keeps
    turning meanwhile."""
    plugin = make(services=3000, rules=5000, dependencies=2000)
    readings, turns = await loop_turns_during(plugin.collect())
    assert len(readings) == 10_000  # a source's cap: the demo makes no more
    assert turns > 10, f"the loop turned {turns} times during the collection"
