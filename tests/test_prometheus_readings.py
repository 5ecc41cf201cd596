"""The prometheus plugin's readings from a real Prometheus scraping an in-process
exporter: one per series, stable keys, thresholds, NaN and Inf as no data, quantiles,
label values passed on raw for the store to sanitise, and the harness's alerts reaching
Alertmanager (what the alertmanager plugin's tests build on).

The session's platform (see `platform`) is shared: its first scrape takes ~5 s, the
tests after it take milliseconds each.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from oncall_tui.core.signals.model import RECOVER_FOR, Status, Thresholds
from oncall_tui.core.sources.runbook import Runbook
from prometheus_plugin_support import RISK_QUERY, by_name, plugin_for, prom_url
from servers import require_binary
from servers_alertmanager import wait_for_alert
from servers_platform import EVIL_RULE, RATIO, Platform


@pytest.mark.servers
async def test_risk_rule_ratio_one_reading_per_series(platform: Platform) -> None:
    async with plugin_for(prom_url(platform), RISK_QUERY) as plugin:
        readings = by_name(list(await plugin.collect()))

    assert set(readings) == {
        "paylater/velocity_check",
        "paylater/credit_limit",
        f"paylater/{EVIL_RULE}",
        "cashloan/device_fingerprint",
    }
    limit = readings["paylater/credit_limit"]
    assert limit.kind == "risk_rule"
    assert limit.unit == "ratio"
    assert limit.value == pytest.approx(0.08)
    assert dict(limit.labels) == {"product": "paylater", "rule": "credit_limit"}
    assert limit.runbook == Runbook.link("https://runbooks.example.com/risk/credit_limit")
    assert limit.summary == "credit_limit refuses paylater payments"
    assert limit.query == RATIO
    assert limit.thresholds == Thresholds(
        0.05, 0.2, below=False, for_seconds=30.0, recover_seconds=RECOVER_FOR
    )
    assert limit.status is None, "thresholds decide, not the plugin"

    levels = {
        name: reading.thresholds.level(reading.value)
        for name, reading in readings.items()
        if reading.thresholds is not None and reading.value is not None
    }
    assert levels == {
        "paylater/velocity_check": Status.OK,
        "paylater/credit_limit": Status.WARNING,
        f"paylater/{EVIL_RULE}": Status.OK,
        "cashloan/device_fingerprint": Status.CRITICAL,
    }


@pytest.mark.servers
async def test_keys_are_stable_and_client_is_reused(platform: Platform) -> None:
    async with plugin_for(
        prom_url(platform), RISK_QUERY, {**RISK_QUERY, "name": "b/{rule}"}
    ) as plugin:
        first = await plugin.collect()
        client = plugin._client
        second = await plugin.collect()
        assert plugin._client is client, "one AsyncClient per plugin instance"
    assert client is not None and client.is_closed, "aclose() closes the client"
    assert plugin._client is None

    assert [r.key for r in first] == [r.key for r in second]
    assert len({r.key for r in first}) == 8, "two queries, four series each, all distinct"
    assert {r.key[:3] for r in first} == {"q0{", "q1{"}
    assert all(r.key.isascii() and r.key.isprintable() for r in first)


@pytest.mark.servers
async def test_below_thresholds_and_missing_labels(platform: Platform) -> None:
    query = {
        "kind": "health",
        "name": "{service}/{zone}",
        "query": "service_up",
        "unit": "bool",
        "below": True,
        "warning": 0.5,
        "critical": 0,
        "summary": "{service} scraped from {job}",
        "runbook": "runbooks/{service}.md",
    }
    async with plugin_for(prom_url(platform), query) as plugin:
        readings = by_name(list(await plugin.collect()))
        assert plugin.kinds() == frozenset({"health"})

    ledger = readings["ledger/?"]
    assert ledger.value == 0.0
    assert ledger.thresholds is not None
    assert ledger.thresholds.level(0.0) is Status.CRITICAL
    assert ledger.thresholds.level(1.0) is Status.OK
    assert ledger.summary == "ledger scraped from platform"
    assert ledger.runbook == Runbook.file(Path("runbooks/ledger.md"))
    assert readings["payment-api/?"].value == 1.0
    assert ledger.labels["__name__"] == "service_up"


@pytest.mark.servers
async def test_nan_and_inf_are_no_data(platform: Platform) -> None:
    queries = [
        # 0/0 of a counter that never moves: a vector holding NaN.
        {
            "kind": "health",
            "name": "refund ratio",
            "query": "sum(rate(payments_refunded_total[15s]))"
            " / sum(rate(payments_refunded_total[15s]))",
        },
        {"kind": "health", "name": "scalar nan", "query": "0/0"},
        {"kind": "health", "name": "scalar inf", "query": "1/0"},
        {"kind": "health", "name": "scalar two", "query": "1+1"},
    ]
    async with plugin_for(prom_url(platform), *queries) as plugin:
        readings = by_name(list(await plugin.collect()))
    assert readings["refund ratio"].value is None
    assert readings["scalar nan"].value is None
    assert readings["scalar inf"].value is None
    assert readings["scalar two"].value == 2.0
    assert readings["scalar two"].key == "q3{}"


@pytest.mark.servers
async def test_histogram_quantile(platform: Platform) -> None:
    query = {
        "kind": "dependency",
        "name": "{service} p90",
        "query": "histogram_quantile(0.9, sum by (service, le)"
        " (rate(http_request_duration_seconds_bucket[15s])))",
        "unit": "seconds",
        "warning": 0.3,
        "critical": 1,
    }
    async with plugin_for(prom_url(platform), query) as plugin:
        readings = by_name(list(await plugin.collect()))
    assert readings["payment-api p90"].value == pytest.approx(0.1)
    assert readings["risk-engine p90"].value == pytest.approx(0.5)


@pytest.mark.servers
async def test_label_with_escape_sequence_arrives_raw(platform: Platform) -> None:
    # Sanitising is the store's job (one place for every source); the plugin must pass
    # the value through unchanged so the store sees what the attacker sent.
    async with plugin_for(prom_url(platform), RISK_QUERY) as plugin:
        readings = await plugin.collect()
    evil = next(r for r in readings if r.labels.get("rule") == EVIL_RULE)
    assert "\x1b[31m" in evil.name and "\u202e" in evil.name
    # In a URL the value is percent-encoded: it cannot change the link's path or host.
    assert str(evil.runbook) == "https://runbooks.example.com/risk/evil%1B%5B31m%E2%80%AErule"
    assert "\\u001b" in evil.key, "keys are ASCII-escaped"


@pytest.mark.servers
def test_harness_alerts_reach_alertmanager(platform: Platform) -> None:
    # The pipeline the alertmanager plugin's tests will build on.
    require_binary("prometheus-alertmanager", "prometheus-alertmanager")
    assert platform.alertmanager is not None
    alert = wait_for_alert(platform.alertmanager, "ServiceDown")
    assert alert["labels"] == {
        "alertname": "ServiceDown",
        "severity": "critical",
        "service": "ledger",
        "instance": platform.exporter.target,
        "job": "platform",
    }
    assert alert["annotations"] == {
        "summary": "ledger is down",
        "runbook_url": "https://runbooks.example.com/services/ledger",
    }
