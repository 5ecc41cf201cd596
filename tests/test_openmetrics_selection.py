"""The openmetrics plugin against a real prometheus_client exporter on loopback:
gauges and label matchers, counter rates and resets, ratios, histogram quantiles,
templates and thresholds, caps, a missing metric, and hostile text kept raw until the
store escapes it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

from oncall_tui.core.signals.model import SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui_openmetrics.plugin import series_key
from oncall_tui_openmetrics.series import histogram_quantile
from openmetrics_support import (
    EXPECTED_RATIOS,
    HOSTILE_HELP,
    HOSTILE_VALUE,
    RISK,
    by_name,
    hostile_exporter,  # noqa: F401  (the fixture `exporter`)
    plugin_for,
    twice,
)
from servers import no_proxy
from servers_platform import Exporter, start_exporter


class SettableCounter(Collector):
    """A counter the test sets, to make it drop (a restarted target)."""

    def __init__(self) -> None:
        self.value = 100.0

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily("payments", "Payments made", labels=["product"])
        family.add_metric(["paylater"], self.value)
        yield family


async def test_gauges_and_label_matchers(exporter: Exporter) -> None:
    up = {"name": "{service} up", "metric": "service_up"}
    async with plugin_for(exporter.url, up) as plugin:
        assert set(by_name(await plugin.collect())) == {
            "ledger up",
            "payment-api up",
            "risk-engine up",
        }
    exact = {**up, "match": {"service": "ledger"}}
    regex = {**up, "match": {"service": "~pay.*|risk-.*"}}
    partial = {**up, "match": {"service": "~pay"}}
    absent = {**up, "match": {"zone": ""}}
    async with plugin_for(exporter.url, exact, regex, partial, absent) as plugin:
        readings = await plugin.collect()
    names = sorted(r.name for r in readings)
    assert names.count("ledger up") == 2, "exact match, and a missing label counts as empty"
    assert names.count("payment-api up") == 2 and names.count("risk-engine up") == 2
    assert len(readings) == 6, "a regex matches the whole value, not a prefix"
    ledger = next(r for r in readings if r.name == "ledger up")
    assert ledger.value == 0.0 and ledger.labels == {"service": "ledger"}
    assert ledger.query == 'service_up{service="ledger"}'


async def test_counter_rate_needs_two_scrapes(exporter: Exporter) -> None:
    metric = {"name": "{product} decisions", "metric": "risk_decisions_total", "rate": True}
    async with plugin_for(exporter.url, metric) as plugin:
        assert plugin.needs_two_samples()
        readings = await twice(plugin)
    assert readings["paylater decisions"].value == pytest.approx(100.0, rel=0.1)
    assert readings["cashloan decisions"].value == pytest.approx(50.0, rel=0.1)
    assert readings["paylater decisions"].unit == "per_second"
    assert readings["paylater decisions"].summary == "Risk decisions made"
    assert readings["paylater decisions"].query == "rate(risk_decisions_total)"

    raw = {**metric, "rate": False}
    async with plugin_for(exporter.url, raw) as plugin:
        assert not plugin.needs_two_samples()
        total = by_name(await plugin.collect())["paylater decisions"]
    assert total.value is not None and total.value > 0 and total.unit == "count"


async def test_counter_reset_counts_from_zero() -> None:
    counter = SettableCounter()
    metric = {"name": "{product} payments", "metric": "payments_total", "rate": True}
    with no_proxy(), start_exporter(counter) as exporter:
        async with plugin_for(exporter.url, metric) as plugin:
            await plugin.collect()
            counter.value = 150.0
            await asyncio.sleep(0.2)  # time for a rate, as above
            second = (await plugin.collect())[0]
            assert second.value is not None and second.value > 0
            counter.value = 20.0  # the target restarted and counted 20 since
            outer = time.monotonic()
            await asyncio.sleep(0.3)  # the gap the rate is divided by
            inner = time.monotonic()
            third = (await plugin.collect())[0]
            after = time.monotonic()
    assert third.value is not None
    # The plugin's gap lies between the sleep alone and the sleep plus both scrapes.
    assert 20.0 / (after - outer + 0.5) <= third.value <= 20.0 / (inner - outer) * 1.01


async def test_ratio_of_counters_per_product(exporter: Exporter) -> None:
    async with plugin_for(exporter.url, RISK) as plugin:
        readings = await twice(plugin)
    assert set(readings) == set(EXPECTED_RATIOS)
    for name, expected in EXPECTED_RATIOS.items():
        assert readings[name].value == pytest.approx(expected, rel=1e-6), name
        assert readings[name].unit == "ratio" and readings[name].kind == "risk_rule"
    assert readings["paylater/credit_limit"].summary == "Decisions refused by a risk rule"
    assert readings["paylater/credit_limit"].query == (
        "rate(risk_rule_hits_total) / on(product) group_left "
        "sum by (product) (rate(risk_decisions_total))"
    )
    store = SignalStore()
    store.add_source(SourceState(name="om", plugin="openmetrics", kinds=frozenset({"risk_rule"})))
    store.apply("om", list(readings.values()))
    statuses = {signal.name: signal.status for signal in store.signals.values()}
    assert statuses["cashloan/device_fingerprint"] is Status.CRITICAL
    assert statuses["paylater/credit_limit"] is Status.WARNING
    assert statuses["paylater/velocity_check"] is Status.OK


async def test_ratio_by_and_without_rate(exporter: Exporter) -> None:
    overall = {**RISK, "ratio_of": {**RISK["ratio_of"], "by": []}}
    async with plugin_for(exporter.url, overall) as plugin:
        readings = await twice(plugin)
    # 15 hits/s over all 150 decisions/s, not over cashloan's 50.
    assert readings["cashloan/device_fingerprint"].value == pytest.approx(0.1, rel=1e-6)
    lifetime = {**RISK, "rate": False, "match": {"product": "cashloan"}}
    async with plugin_for(exporter.url, lifetime) as plugin:
        first = by_name(await plugin.collect())
    assert set(first) == {"cashloan/device_fingerprint"}
    assert first["cashloan/device_fingerprint"].value == pytest.approx(0.3, rel=1e-6)


async def test_histogram_quantile(exporter: Exporter) -> None:
    p50 = {"name": "{service} p50", "metric": "http_request_duration_seconds", "quantile": 0.5}
    p99 = {**p50, "name": "{service} p99", "quantile": 0.99, "rate": True}
    async with plugin_for(exporter.url, p50) as plugin:
        readings = by_name(await plugin.collect())
    # payment-api: 90% under 0.1 s, so the median is 0.1 * 0.5/0.9 into the first bucket.
    assert readings["payment-api p50"].value == pytest.approx(0.1 * 0.5 / 0.9)
    assert readings["risk-engine p50"].value == pytest.approx(0.1 + 0.4 * 0.3 / 0.7)
    assert readings["payment-api p50"].unit == "seconds"
    assert readings["payment-api p50"].labels == {"service": "payment-api"}
    async with plugin_for(exporter.url, p99) as plugin:
        rated = await twice(plugin)
    assert rated["payment-api p99"].value == pytest.approx(0.5)
    assert rated["risk-engine p99"].value == pytest.approx(0.5), "beyond the last finite bucket"
    assert rated["risk-engine p99"].query == (
        "histogram_quantile(0.99, rate(http_request_duration_seconds_bucket))"
    )


def test_histogram_quantile_matches_prometheus() -> None:
    inf = float("inf")
    assert histogram_quantile(0.5, [(1.0, 10.0), (2.0, 20.0), (inf, 20.0)]) == 1.0
    assert histogram_quantile(0.75, [(1.0, 10.0), (2.0, 20.0), (inf, 20.0)]) == 1.5
    assert histogram_quantile(0.5, [(1.0, 0.0), (inf, 0.0)]) is None, "no observations"
    assert histogram_quantile(0.5, [(1.0, 5.0), (2.0, 10.0)]) is None, "no +Inf bucket"
    assert histogram_quantile(0.5, [(-1.0, 10.0), (inf, 20.0)]) == -1.0
    assert histogram_quantile(0.5, [(1.0, None), (inf, 2.0)]) is None
    # Non-monotonic buckets are made monotonic, as Prometheus does.
    assert histogram_quantile(0.5, [(1.0, 10.0), (2.0, 8.0), (inf, 20.0)]) == 1.0


async def test_templates_kind_unit_thresholds(exporter: Exporter, tmp_path: Path) -> None:
    metric = {
        "kind": "dependency",
        "name": "svc {service}",
        "metric": "service_up",
        "component": "{service}",
        "summary": "{service} health gauge",
        "runbook": "https://runbooks.example.com/services/{service}",
        "unit": "bool",
        "critical": 0.5,
        "below": True,
        "for": "30s",
    }
    files = {**metric, "name": "file {service}", "runbook": "runbooks/{service}.md"}
    async with plugin_for(exporter.url, metric, files, config_dir=tmp_path) as plugin:
        readings = by_name(await plugin.collect())
    ledger = readings["svc ledger"]
    assert ledger.kind == "dependency" and ledger.component == "ledger"
    assert ledger.summary == "ledger health gauge" and ledger.unit == "bool"
    assert ledger.runbook == Runbook.link("https://runbooks.example.com/services/ledger")
    assert readings["file ledger"].runbook == Runbook.file(tmp_path / "runbooks" / "ledger.md")
    assert ledger.thresholds is not None
    assert (ledger.thresholds.critical, ledger.thresholds.below) == (0.5, True)
    assert ledger.thresholds.for_seconds == 30
    assert ledger.key == series_key(0, {"service": "ledger"})


async def test_max_series_caps_and_says_so(exporter: Exporter) -> None:
    metric = {"name": "{service} up", "metric": "service_up", "max_series": 2}
    async with plugin_for(exporter.url, metric) as plugin:
        readings = await plugin.collect()
    assert len(readings) == 2
    assert {r.name for r in readings} == {"ledger up", "payment-api up"}, "first by key"
    assert all("only 2 of 3 series shown" in r.summary for r in readings)


async def test_missing_metric_fails_only_its_table(exporter: Exporter) -> None:
    up = {"name": "{service} up", "metric": "service_up"}
    typo = {"name": "x", "metric": "service_upp"}
    async with plugin_for(exporter.url, up, typo) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    assert str(caught.value) == "metrics[1]: no metric named 'service_upp' in the exposition"
    assert caught.value.readings is not None and len(caught.value.readings) == 3
    async with plugin_for(exporter.url, typo) as plugin:
        with pytest.raises(SourceError) as caught:
            await plugin.collect()
    assert caught.value.readings is None
    declared = {"name": "{code} errors", "metric": "payment_errors_total", "rate": True}
    async with plugin_for(exporter.url, declared) as plugin:
        assert await plugin.collect() == [], "declared without samples: nothing to show yet"


async def test_hostile_text_reaches_the_store_raw_and_leaves_it_escaped(
    exporter: Exporter,
) -> None:
    metric = {"name": "{worker}", "metric": "queue_depth"}
    async with plugin_for(exporter.url, metric) as plugin:
        reading = (await plugin.collect())[0]
    assert reading.summary == HOSTILE_HELP and reading.labels == {"worker": HOSTILE_VALUE}
    store = SignalStore()
    store.add_source(SourceState(name="om", plugin="openmetrics", kinds=frozenset({"health"})))
    store.apply("om", [reading])
    signal = next(iter(store.signals.values()))
    for text in (signal.name, signal.summary, *signal.labels.values()):
        assert "\x1b" not in text and "\u202e" not in text and "\u2066" not in text
    assert "\\x1b]52" in signal.summary
