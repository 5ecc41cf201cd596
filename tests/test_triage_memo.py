"""The probable cause is not worked out again while nothing it reads has changed: values
of ok signals moving bump the store's version, not its triage version, and a caller
holding a Topology gets the last diagnosis back. Everything triage does read (a status,
a source failing, a new component, a change marker, a value of a cause's component
once a change is attached) still gives a fresh answer."""

from __future__ import annotations

from dataclasses import replace

from oncall_tui.core.signals.model import Reading, SourceState, Status, Thresholds
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import diagnose, store_diagnosis
from oncall_tui.core.triage.topology import Topology

LIMITS = Thresholds(warning=0.05, critical=0.2)


def _store() -> SignalStore:
    store = SignalStore(clock=lambda: 0.0, history=50, events=50)
    store.add_source(SourceState("prom", "prometheus", frozenset({"health"}), interval=5))
    return store


def _errors(service: str, value: float, **kw: object) -> Reading:
    return Reading(
        key=f"{service}/errors",
        kind="health",
        name=f"{service} errors",
        value=value,
        unit="ratio",
        component=service,
        thresholds=LIMITS,
        **kw,  # type: ignore[arg-type]
    )


def _fresh(store: SignalStore, topology: Topology) -> object:
    """What a diagnosis made from scratch says."""
    return diagnose(store.signals.values(), topology, 600.0, sources=store.sources)


def test_ok_values_moving_give_the_same_diagnosis_without_triage() -> None:
    store, topology = _store(), Topology({"pay-api": ["wallet"]})
    store.apply("prom", [_errors("pay-api", 0.3), _errors("wallet", 0.01)], at=1)
    first = store_diagnosis(store, topology, 600.0)
    assert first.cause is not None and first.cause.component == "pay-api"
    triage, version = store.triage_version, store.version
    store.apply("prom", [_errors("pay-api", 0.3), _errors("wallet", 0.02)], at=2)
    assert store.version > version and store.triage_version == triage
    assert store_diagnosis(store, topology, 600.0) is first
    assert store_diagnosis(store, topology, 600.0) == _fresh(store, topology)


def test_a_status_change_a_failing_value_and_a_failed_source_give_a_new_diagnosis() -> None:
    store, topology = _store(), Topology({})
    store.apply("prom", [_errors("pay-api", 0.01), _errors("wallet", 0.01)], at=1)
    calm = store_diagnosis(store, topology, 600.0)
    assert calm.cause is None
    store.apply("prom", [_errors("pay-api", 0.01), _errors("wallet", 0.1)], at=2)
    warning = store_diagnosis(store, topology, 600.0)
    assert warning.cause is not None and warning.cause.status is Status.WARNING
    store.apply("prom", [_errors("pay-api", 0.01), _errors("wallet", 0.3)], at=3)
    critical = store_diagnosis(store, topology, 600.0)
    assert critical.cause is not None and critical.cause.status is Status.CRITICAL
    store.fail("prom", "connection refused", at=4)
    blind = store_diagnosis(store, topology, 600.0)
    assert blind.cause is None and blind.blind_spots
    assert blind == _fresh(store, topology)


def test_an_ok_signal_moving_to_another_component_is_news_to_triage() -> None:
    store, topology = _store(), Topology({"pay-api": ["wallet"], "ledger": []})
    store.apply("prom", [_errors("pay-api", 0.01)], at=1)
    before = store_diagnosis(store, topology, 600.0)
    assert "ledger" in before.unmatched
    store.apply("prom", [replace(_errors("pay-api", 0.01), component="ledger")], at=2)
    after = store_diagnosis(store, topology, 600.0)
    assert "ledger" not in after.unmatched and "pay-api" in after.unmatched
    assert after == _fresh(store, topology)


def test_a_cause_with_a_change_is_judged_again_as_its_values_move() -> None:
    store, topology = _store(), Topology({})
    deploy = Reading(
        key="d", kind="change", name="pay-api deployed", component="pay-api", value=0.5
    )
    latency = Reading(
        key="p99", kind="health", name="pay-api p99", unit="seconds", component="pay-api"
    )
    for at, errors in enumerate((0.01, 0.01, 0.3, 0.3), start=1):
        store.apply(
            "prom", [deploy, _errors("pay-api", errors), replace(latency, value=0.1)], at=at
        )
    with_change = store_diagnosis(store, topology, 600.0)
    assert with_change.cause is not None and with_change.cause.changes
    triage = store.triage_version
    store.apply("prom", [deploy, _errors("pay-api", 0.3), replace(latency, value=0.9)], at=5)
    assert store.triage_version == triage, "an ok latency moved: no news to triage itself"
    again = store_diagnosis(store, topology, 600.0)
    assert again is not with_change, "the change's effect is read from the values"
    events = [event for event in store.events if event.change]
    assert again == diagnose(
        store.signals.values(), topology, 600.0, sources=store.sources, events=events
    )


def test_a_failing_value_moving_within_its_status_gives_the_same_diagnosis() -> None:
    """What triage reads of a failing signal is its status, its start, its words and
    labels, not its number: a value moving inside its breach is no new diagnosis; a
    new headline is."""
    store, topology = _store(), Topology({})
    store.apply("prom", [_errors("pay-api", 0.3), _errors("wallet", 0.01)], at=1)
    first = store_diagnosis(store, topology, 600.0)
    assert first.cause is not None and first.cause.status is Status.CRITICAL
    triage = store.triage_version
    store.apply("prom", [_errors("pay-api", 0.4), _errors("wallet", 0.02)], at=2)
    assert store.triage_version == triage
    assert store_diagnosis(store, topology, 600.0) is first
    assert first == _fresh(store, topology)
    store.apply(
        "prom", [_errors("pay-api", 0.4, headline="errors 40%"), _errors("wallet", 0.02)], at=3
    )
    again = store_diagnosis(store, topology, 600.0)
    assert again is not first and again.cause is not None
    assert again.cause.headline == "errors 40%"
    assert again == _fresh(store, topology)
