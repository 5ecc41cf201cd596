"""The demo source's triage signals: every signal's component, business KPIs against
their usual level (moving in steps, reached by an incident within one), and change
markers dating each component's last change."""

from __future__ import annotations

import itertools

import pytest

from clock_support import FakeClock
from demo_plugin_support import (
    LAYERS,
    WALL,
    business,
    changes,
    fixed_wall_clock,  # noqa: F401  (autouse: the wall clock pinned)
    level,
    make,
)
from oncall_tui.core.signals.model import Status
from oncall_tui_demo.plugin import BUSINESS_STEP
from oncall_tui_demo.scenario import CALM, CYCLE, RAMP


async def test_every_signal_names_its_component() -> None:
    readings = await make(incident="none", services=12, rules=20, dependencies=8).collect()
    for reading in readings:
        assert reading.component, reading.key
        for label in ("service", "rule", "dependency"):
            if label in reading.labels and reading.kind not in ("risk_rule", "business"):
                assert reading.component == reading.labels[label], reading.key
        if reading.kind == "risk_rule":
            assert reading.component == reading.name
    components = {r.component for r in readings if r.kind == "dependency"}
    assert {"credit-bureau", "sms-otp", "payment-gateway", "bank-core"} <= components


async def test_business_signals_stand_against_their_usual_level() -> None:
    calm = business(await make(incident="none").collect())
    assert set(calm) == {"biz/pay-success", "biz/loan-approvals", "biz/repayments"}
    pay = calm["biz/pay-success"]
    assert (pay.name, pay.unit, pay.baseline, pay.component) == (
        "pay success rate", "ratio", 0.992, "paylater"
    )  # fmt: skip
    assert pay.summary == "usual 99.2%"
    assert calm["biz/loan-approvals"].summary == "usual 120"
    assert calm["biz/repayments"].summary == "usual 46k"
    assert all(level(r) is Status.OK for r in calm.values())
    assert all(r.runbook is not None and r.runbook.is_file for r in calm.values())


@pytest.mark.parametrize(
    ("incident", "hit", "spared"),
    [
        ("overload", {"biz/pay-success": Status.CRITICAL}, {"biz/loan-approvals"}),
        ("risk_rule", {"biz/pay-success": Status.CRITICAL}, {"biz/loan-approvals"}),
        ("dependency", {"biz/loan-approvals": Status.CRITICAL}, {"biz/pay-success"}),
        ("cascade", {"biz/loan-approvals": Status.CRITICAL}, {"biz/pay-success"}),
    ],
)
async def test_business_signals_move_with_each_incident(
    incident: str, hit: dict[str, Status], spared: set[str]
) -> None:
    plugin = make(incident=incident)
    for _ in range(20):
        readings = business(await plugin.collect())
        for key, status in hit.items():
            assert level(readings[key]) is status, (incident, key, readings[key].value)
            assert "usual" in readings[key].summary and "(critical" in readings[key].summary
        for key in spared:
            assert level(readings[key]) is Status.OK, (incident, key)
    pay = readings["biz/pay-success"]
    if incident == "risk_rule":
        # "pay success 71% (usual 99.2%)"
        assert pay.value == pytest.approx(0.71, abs=0.03)
        assert "refused" in pay.summary


async def test_change_markers_date_each_component_s_last_change() -> None:
    readings = await make(incident="none").collect()
    markers = changes(readings)
    components = {r.component for r in readings if r.kind in LAYERS}
    assert set(markers) == components
    assert markers["pay-api"].name == "pay-api deployed"
    assert markers["paylater/device-fingerprint"].name == "paylater/device-fingerprint edited"
    assert markers["credit-bureau"].name == "credit-bureau client config reloaded"
    for marker in markers.values():
        assert marker.value is not None
        # All made before the simulation started, hours to weeks ago.
        assert WALL - 15 * 86400 < marker.value < WALL - 3 * 3600
        assert marker.runbook is not None and marker.runbook.is_file
        assert marker.status is None and marker.thresholds is None


@pytest.mark.parametrize(
    ("incident", "component", "lead"),
    [("overload", "pay-api", 60.0), ("risk_rule", "paylater/device-fingerprint", 75.0),
     ("cascade", "credit-bureau", 60.0)],
)  # fmt: skip
async def test_a_fixed_incident_follows_its_change(
    incident: str, component: str, lead: float
) -> None:
    """The change was made before the simulation started: a one-shot check sees it."""
    readings = await make(incident=incident).collect()
    marker = changes(readings)[component]
    assert marker.value == WALL - lead
    others = [r for c, r in changes(readings).items() if c != component]
    assert all(r.value is not None and r.value < WALL - 3 * 3600 for r in others)


async def test_dependency_outage_has_no_change_of_ours() -> None:
    readings = await make(incident="dependency").collect()
    assert all(
        r.value is not None and r.value < WALL - 3 * 3600 for r in changes(readings).values()
    )


async def test_change_markers_are_handed_back_unchanged_until_a_change() -> None:
    """The store skips a reading it gets back as the same object: markers cost nothing
    between changes."""
    clock = FakeClock()
    plugin = make(clock)
    start = clock.now
    first = changes(await plugin.collect())
    clock.now = start + 10
    second = changes(await plugin.collect())
    assert all(second[c] is first[c] for c in first)
    overload = next(w for w in CYCLE if w.kind == "overload")
    clock.now = start + overload.start - 59
    third = changes(await plugin.collect())
    assert third["pay-api"].value == WALL + overload.start - 60
    assert [c for c in first if third[c] is not first[c]] == ["pay-api"]


@pytest.mark.parametrize("interval", [1.0, 5.0])
async def test_business_values_move_in_steps_not_every_collection(interval: float) -> None:
    """A business KPI is a per-minute rate over minutes: it moves every BUSINESS_STEP
    seconds of collections, whatever the change rate, and holds in between."""
    plugin = make(incident="none", change_rate=1.0, interval=interval)
    every = round(BUSINESS_STEP / interval)
    series = [business(await plugin.collect()) for _ in range(3 * every + 1)]
    for key in ("biz/pay-success", "biz/loan-approvals", "biz/repayments"):
        values = [readings[key].value for readings in series]
        moves = [i for i, (a, b) in enumerate(itertools.pairwise(values), 1) if a != b]
        assert moves == [every, 2 * every, 3 * every], (key, values)


async def test_an_incident_reaches_the_business_panel_within_one_step() -> None:
    clock = FakeClock(0.0)
    plugin = make(clock=clock, incident="cycle")
    window = next(w for w in CYCLE if w.kind == "dependency")

    async def levels_from(at: float) -> list[Status]:
        clock.now = at
        found = []
        for _ in range(round(BUSINESS_STEP)):
            found.append(level(business(await plugin.collect())["biz/loan-approvals"]))
            clock.now += 1.0
        return found

    assert set(await levels_from(0.0)) == {Status.OK}
    assert (await levels_from(window.start + RAMP))[-1] is Status.CRITICAL  # full strength
    assert (await levels_from(window.end + CALM / 2))[-1] is Status.OK  # calm again
