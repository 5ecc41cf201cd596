"""The demo source: a simulated credit platform that must tell the three-layer story.

Every check runs the plugin directly with an injected clock, so the incident cycle is
walked through in milliseconds and nothing sleeps.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from loop_turns import loop_turns_during
from oncall_tui.core.config.field_docs import field_docs
from oncall_tui.core.signals.model import Kind, Reading, Status
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui_demo import DemoPlugin
from oncall_tui_demo.catalog import build
from oncall_tui_demo.describe import Describer
from oncall_tui_demo.plugin import BUSINESS_STEP
from oncall_tui_demo.runbooks import RUNBOOK_DIR
from oncall_tui_demo.scenario import CALM, CYCLE, PERIOD, RAMP

LAYERS: frozenset[Kind] = frozenset({"health", "risk_rule", "dependency"})
LAYER: dict[str, frozenset[Kind]] = {
    "overload": frozenset({"health"}),
    "risk_rule": frozenset({"risk_rule"}),
    "dependency": frozenset({"dependency"}),
    "cascade": LAYERS,  # a dependency fails and its symptoms light up the other two
    "canary": frozenset({"health"}),  # the new release's cohort, judged against the old
}


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


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


# --- shape ------------------------------------------------------------------------


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


# --- determinism and movement -----------------------------------------------------


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


# --- incidents --------------------------------------------------------------------


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


# --- triage: components, business impact, change markers -------------------------


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


def business(readings: Sequence[Reading]) -> dict[str, Reading]:
    return {r.key: r for r in readings if r.kind == "business"}


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


def changes(readings: Sequence[Reading]) -> dict[str, Reading]:
    return {r.component: r for r in readings if r.kind == "change"}


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


# --- the cycle --------------------------------------------------------------------


async def test_cycle_walks_through_every_incident_and_recovers() -> None:
    clock = FakeClock(5000.0)
    plugin = make(clock)
    start = clock.now
    timeline: list[tuple[int, set[Kind]]] = []
    summaries: list[str] = []
    reached: dict[str, set[Kind]] = {}
    first_seen: dict[str, int] = {}
    for offset in range(0, int(PERIOD + CALM), 5):
        clock.now = start + offset
        readings = await plugin.collect()
        layers = critical_layers(readings)
        window = next((w for w in CYCLE if w.start <= offset % PERIOD < w.end), None)
        allowed = LAYER[window.kind] if window is not None else frozenset()
        assert layers <= allowed, f"one incident at a time, got {layers} at {offset}s"
        if window is not None and layers:
            reached.setdefault(window.kind, set()).update(layers)
            first_seen.setdefault(window.kind, offset)
        timeline.append((offset, layers))
        summaries += [r.summary for r in readings]

    assert reached == {kind: set(layers) for kind, layers in LAYER.items()}
    order = ["overload", "risk_rule", "dependency", "cascade", "canary"]
    assert sorted(first_seen, key=first_seen.__getitem__) == order
    # Calm at the start, and calm again once the last incident has recovered.
    assert all(not layers for offset, layers in timeline if offset < CALM)
    assert all(not layers for offset, layers in timeline if offset >= PERIOD)
    # Between incidents the board recovers completely.
    for window in CYCLE:
        after = window.end + 5
        assert all(not layers for offset, layers in timeline if after <= offset < after + 60)
    assert any("recovering" in s for s in summaries)


async def test_cycle_ramps_in_through_warning() -> None:
    """An incident creeps in: the overloaded service warns before it goes critical."""
    clock = FakeClock()
    plugin = make(clock)
    start = clock.now
    await plugin.collect()  # the cycle starts at the first collection
    overload = next(w for w in CYCLE if w.kind == "overload")
    statuses = []
    for second in range(int(overload.start), int(overload.start + RAMP + 10)):
        clock.now = start + second
        statuses.append(level(by_key(await plugin.collect())["svc/pay-api/errors"]))
    assert statuses[0] is Status.OK
    first_critical = statuses.index(Status.CRITICAL)
    assert Status.WARNING in statuses[:first_critical]


async def test_cycle_does_not_stall_when_few_values_move() -> None:
    clock = FakeClock()
    plugin = make(clock, change_rate=0.0)
    start = clock.now
    await plugin.collect()
    for window in CYCLE:
        clock.now = start + window.start + WINDOW_MIDDLE
        assert critical_layers(await plugin.collect()) == LAYER[window.kind]
        clock.now = start + window.end + 1
        assert not critical_layers(await plugin.collect())


WINDOW_MIDDLE = RAMP + 30.0


async def test_class_clock_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    """The engine builds plugins itself; the class attribute lets a test or a screenshot
    run move time for those too."""
    clock = FakeClock()
    monkeypatch.setattr(DemoPlugin, "clock", clock)
    plugin = make()  # no clock in the context
    start = clock.now
    await plugin.collect()
    dependency = next(w for w in CYCLE if w.kind == "dependency")
    clock.now = start + dependency.start + WINDOW_MIDDLE
    assert critical_layers(await plugin.collect()) == {"dependency"}


# --- config -----------------------------------------------------------------------


def test_defaults_match_the_config_contract() -> None:
    config = DemoPlugin.Config()
    assert (config.services, config.rules, config.dependencies) == (6, 12, 4)
    assert config.incident == "cycle"
    assert config.change_rate == 1.0
    assert config.seed == 1


@pytest.mark.parametrize(
    "options",
    [
        {"services": -1},
        {"rules": -3},
        {"dependencies": -1},
        {"services": 5001},
        {"rules": "12"},
        {"services": 2.5},
        {"incident": "meltdown"},
        {"change_rate": 1.5},
        {"change_rate": -0.1},
        {"seed": "one"},
        {"sevices": 6},
    ],
)
def test_config_rejects_bad_values(options: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        DemoPlugin.Config(**options)
    assert caught.value.errors()[0]["loc"] == (next(iter(options)),)


def test_config_accepts_an_integer_change_rate_and_every_incident() -> None:
    assert DemoPlugin.Config(change_rate=1).change_rate == 1.0
    for incident in ("none", "overload", "risk_rule", "dependency", "cascade", "cycle"):
        assert DemoPlugin.Config(incident=incident).incident == incident


def test_every_option_is_documented() -> None:
    docs = field_docs(DemoPlugin.Config)
    for name in DemoPlugin.Config.model_fields:
        assert len(docs.get(name, "")) > 30, name


# --- runbooks ---------------------------------------------------------------------


async def test_runbooks_are_packaged_markdown() -> None:
    readings: list[Reading] = []
    for incident in ("none", "dependency"):
        readings += await make(incident=incident, services=12, rules=20, dependencies=8).collect()
    assert all(r.runbook is not None and r.runbook.is_file for r in readings)
    used = {Path(str(r.runbook)) for r in readings}
    for path in used:
        assert path.is_absolute() and path.suffix == ".md"
        assert path.parent == RUNBOOK_DIR
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# ")
        assert len(text) > 1500, path
        for section in ("## First five minutes", "## Mitigations", "## Escalation"):
            assert section in text, (path, section)
        assert "## When to declare an incident" in text
    # Every shipped runbook is reachable from some signal: none rots unseen.
    assert used == set(RUNBOOK_DIR.glob("*.md"))
    assert len(used) >= 5


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


async def test_a_large_demo_collects_off_the_event_loop() -> None:
    """A 10,000-signal demo's collection is tens of ms of Python: on the event loop it
    held every key press that long once a second. On a worker thread the loop keeps
    turning meanwhile."""
    plugin = make(services=3000, rules=5000, dependencies=2000)
    readings, turns = await loop_turns_during(plugin.collect())
    assert len(readings) == 10_000  # a source's cap: the demo makes no more
    assert turns > 10, f"the loop turned {turns} times during the collection"
