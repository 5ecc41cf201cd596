"""The prometheus source's signal options against the real Prometheus: components
from labels, change markers, baselines with ratio limits, and no_data; the session's
one Prometheus (`platform`) serves them all."""

from __future__ import annotations

import time

import pytest

from oncall_tui.core.signals.model import Reason, Status
from oncall_tui.core.sources.errors import SourceError
from prometheus_features_support import UP, store_for
from prometheus_plugin_support import by_name, plugin_for
from servers_platform import EVIL_RULE, RATIO, Platform
from servers_prometheus import wait_for_query

pytestmark = pytest.mark.servers


async def test_component_is_filled_from_labels(platform: Platform) -> None:
    queries = [
        {**UP, "component": "svc:{service}"},
        {**UP, "name": "{service} up too"},
    ]
    async with plugin_for(platform.prometheus.url, *queries) as plugin:
        readings = by_name(list(await plugin.collect()))
    assert readings["ledger up"].component == "svc:ledger"
    assert readings["ledger up too"].component == "", "unset: the store uses the name"
    store = store_for(plugin.kinds())
    store.apply("prom", list(readings.values()))
    components = {s.name: s.component for s in store.signals.values()}
    assert components["payment-api up"] == "svc:payment-api"
    assert components["payment-api up too"] == "payment-api up too"


async def test_change_markers_are_events_never_statuses(platform: Platform) -> None:
    collector = platform.exporter.collector
    before = dict(collector.deployed_at)
    query = {
        "kind": "change",
        "name": "{service} deployed",
        "component": "{service}",
        "query": "deploy_timestamp_seconds",
    }
    try:
        async with plugin_for(platform.prometheus.url, query) as plugin:
            readings = by_name(list(await plugin.collect()))
            assert set(readings) == {"payment-api deployed", "risk-engine deployed"}
            deployed = readings["payment-api deployed"]
            assert deployed.kind == "change" and deployed.component == "payment-api"
            assert deployed.thresholds is None, "a time is never judged"
            assert deployed.value == pytest.approx(before["payment-api"], abs=0.01)
            store = store_for(plugin.kinds())
            store.apply("prom", list(readings.values()))

            # A new deploy: a second change event, and still no status.
            redeployed = round(time.time(), 3)
            collector.deployed_at["payment-api"] = redeployed
            wait_for_query(
                platform.prometheus,
                f'deploy_timestamp_seconds{{service="payment-api"}} > {redeployed - 1}',
            )
            store.apply("prom", list(await plugin.collect()))
    finally:
        collector.deployed_at.update(before)
    changes = sorted((event.value, event.name) for event in store.events if event.change)
    assert changes == [
        (pytest.approx(before["risk-engine"], abs=0.01), "risk-engine deployed"),
        (pytest.approx(before["payment-api"], abs=0.01), "payment-api deployed"),
        (pytest.approx(redeployed, abs=0.01), "payment-api deployed"),
    ]
    assert {s.status for s in store.signals.values()} == {Status.OK}
    assert not [event for event in store.events if not event.change]


async def test_empty_change_query_is_no_marker(platform: Platform) -> None:
    query = {
        "kind": "change",
        "name": "{service} deployed",
        "query": 'deploy_timestamp_seconds{service="nope"}',
    }
    async with plugin_for(platform.prometheus.url, query) as plugin:
        assert list(await plugin.collect()) == [], "no deploy known is not an unknown signal"


def _split_baseline(cashloan: float, paylater: float) -> str:
    """The usual hit rate: the current one divided by `cashloan` or `paylater`, and
    none at all for the evil rule (a missing baseline series)."""
    return (
        f'(({RATIO}) / {cashloan}) and on(product) risk_decisions_total{{product="cashloan"}}'
        f' or ((({RATIO}) / {paylater}) unless on(rule) risk_rule_hits_total{{rule=~"evil.*"}})'
    )


async def test_a_rule_at_five_times_its_baseline_is_critical(platform: Platform) -> None:
    query = {
        "kind": "risk_rule",
        "name": "{product}/{rule}",
        "query": RATIO,
        "unit": "ratio",
        "warning": 0.5,  # far above every rule: the ratio alone decides
        "critical": 0.9,
        "baseline": _split_baseline(cashloan=5, paylater=1.5),
        "warning_ratio": 2,
        "critical_ratio": 4.5,
    }
    async with plugin_for(platform.prometheus.url, query) as plugin:
        readings = by_name(list(await plugin.collect()))
    fingerprint = readings["cashloan/device_fingerprint"]
    assert fingerprint.baseline == pytest.approx(0.06, rel=0.01)
    assert readings["paylater/credit_limit"].baseline == pytest.approx(0.08 / 1.5, rel=0.01)
    assert readings[f"paylater/{EVIL_RULE}"].baseline is None, "no baseline series"
    assert fingerprint.thresholds is not None
    assert (fingerprint.thresholds.warning_ratio, fingerprint.thresholds.critical_ratio) == (2, 4.5)

    store = store_for(plugin.kinds())
    store.apply("prom", list(readings.values()))
    signals = {s.name: s for s in store.signals.values()}
    assert signals["cashloan/device_fingerprint"].status is Status.CRITICAL
    assert signals["cashloan/device_fingerprint"].summary == "critical: 5x its usual 6% (≥ 4.5x)"
    assert signals["paylater/credit_limit"].status is Status.OK, "1.5x: within its usual"
    evil = next(s for s in signals.values() if s.labels["rule"].startswith("evil"))
    assert (evil.status, evil.summary) == (Status.OK, ""), "no baseline: no ratio check"


async def test_scalar_baseline_applies_to_every_series(platform: Platform) -> None:
    query = {
        "kind": "risk_rule", "name": "{product}/{rule}", "query": RATIO,
        "baseline": "scalar(vector(0.01))", "warning_ratio": 5, "critical_ratio": 20,
    }  # fmt: skip
    async with plugin_for(platform.prometheus.url, query) as plugin:
        readings = by_name(list(await plugin.collect()))
    store = store_for(plugin.kinds())
    store.apply("prom", list(readings.values()))
    status = {s.name: s.status for s in store.signals.values()}
    assert {r.baseline for r in readings.values()} == {0.01}
    assert status["cashloan/device_fingerprint"] is Status.CRITICAL  # 30x
    assert status["paylater/credit_limit"] is Status.WARNING  # 8x
    assert status["paylater/velocity_check"] is Status.OK  # 1x


async def test_broken_baseline_keeps_the_readings_and_says_so(platform: Platform) -> None:
    query = {**UP, "baseline": "service_up offset", "warning_ratio": 2}
    async with plugin_for(platform.prometheus.url, query) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    assert str(caught.value).startswith("queries[0] ({service} up): baseline: bad_data: ")
    assert caught.value.readings is not None
    assert {r.name for r in caught.value.readings} == {
        "ledger up",
        "payment-api up",
        "risk-engine up",
    }
    assert all(r.baseline is None for r in caught.value.readings)


async def test_no_data_ok_and_unknown(platform: Platform) -> None:
    alerting = {
        "kind": "risk_rule",
        "name": "{product}/{rule} blocking",
        "component": "{rule}",
        "query": f"({RATIO}) > 0.9",
        "no_data": "ok",
    }
    watched = {
        "kind": "business",
        "name": "approvals of {product}",
        "query": 'service_up{service="gone"}',
    }
    async with plugin_for(platform.prometheus.url, alerting, watched) as plugin:
        readings = by_name(list(await plugin.collect()))
    store = store_for(plugin.kinds())
    store.apply("prom", list(readings.values()))
    signals = {s.name: s for s in store.signals.values()}
    assert set(signals) == {"blocking", "approvals of"}
    ok, unknown = signals["blocking"], signals["approvals of"]
    assert (ok.status, ok.reason, ok.value) == (Status.OK, None, None)
    assert ok.summary == "no series (nothing to report)"
    assert ok.component == "blocking"
    assert (unknown.status, unknown.reason) == (Status.UNKNOWN, Reason.NO_DATA)
    assert unknown.summary == "no series: the query returned nothing"
    assert unknown.kind == "business"
