"""The openmetrics plugin against a real prometheus_client exporter on loopback (and
plain loopback HTTP servers for what an exporter would not do: OpenMetrics without
`# EOF`, HTML, auth, TLS)."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from pydantic import ValidationError

from oncall_cli import assert_options_listed, run_oncall
from oncall_tui.core.config.loader import parse_config
from oncall_tui.core.signals.model import Reading, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.contract import SourceContext
from oncall_tui.core.sources.errors import SourceError
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui_openmetrics import Metric as MetricTable
from oncall_tui_openmetrics import OpenMetricsConfig, OpenMetricsPlugin, RatioOf
from oncall_tui_openmetrics.plugin import FIRST_SCRAPE, series_key
from oncall_tui_openmetrics.series import histogram_quantile
from quiet_handler import QuietHandler
from servers import closed_port, no_proxy
from servers_http import SelfSignedCert, self_signed_cert, serve_http
from servers_platform import EVIL_RULE, Exporter, PlatformCollector, start_exporter

RISK: dict[str, Any] = {
    "kind": "risk_rule",
    "name": "{product}/{rule}",
    "rate": True,
    "ratio_of": {
        "numerator": "risk_rule_hits_total",
        "denominator": "risk_decisions_total",
        "by": ["product"],
    },
    "warning": 0.05,
    "critical": 0.2,
}

EXPECTED_RATIOS = {
    "paylater/velocity_check": 0.01,
    "paylater/credit_limit": 0.08,
    f"paylater/{EVIL_RULE}": 0.005,
    "cashloan/device_fingerprint": 0.30,
}

HOSTILE_HELP = "queue depth \x1b]52;c;aGk=\x07 \x1b[2J\u202egnol"
HOSTILE_VALUE = "worker\x1b[31m\u2066red"


class HostileCollector(Collector):
    """The platform's metrics plus a gauge whose HELP text and label value carry
    escape sequences and bidi controls, as anyone who can deploy an exporter can."""

    def __init__(self) -> None:
        self.platform = PlatformCollector()

    def collect(self) -> Iterator[Metric]:
        yield from self.platform.collect()
        gauge = GaugeMetricFamily("queue_depth", HOSTILE_HELP, labels=["worker"])
        gauge.add_metric([HOSTILE_VALUE], 3.0)
        yield gauge
        # Declared, never incremented: HELP and TYPE, no samples.
        yield CounterMetricFamily("payment_errors", "Failed payments", labels=["code"])


class SettableCounter(Collector):
    """A counter the test sets, to make it drop (a restarted target)."""

    def __init__(self) -> None:
        self.value = 100.0

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily("payments", "Payments made", labels=["product"])
        family.add_metric(["paylater"], self.value)
        yield family


@pytest.fixture(scope="module")
def exporter() -> Iterator[Exporter]:
    with no_proxy(), start_exporter(HostileCollector()) as running:
        yield running


def config_for(url: str, *metrics: Mapping[str, Any], **options: Any) -> OpenMetricsConfig:
    return OpenMetricsConfig.model_validate({"url": url, "metrics": list(metrics), **options})


@asynccontextmanager
async def plugin_for(
    url: str, *metrics: Mapping[str, Any], config_dir: Path = Path("."), **options: Any
) -> AsyncIterator[OpenMetricsPlugin]:
    context = SourceContext(name="om", config_dir=config_dir, interval=1.0, timeout=3.0)
    plugin = OpenMetricsPlugin(config_for(url, *metrics, **options), context)
    try:
        yield plugin
    finally:
        await plugin.aclose()


def by_name(readings: object) -> dict[str, Reading]:
    assert isinstance(readings, list | tuple)
    named = {reading.name: reading for reading in readings}
    assert len(named) == len(readings), "names should be unique here"
    return named


async def twice(plugin: OpenMetricsPlugin, gap: float = 0.3) -> dict[str, Reading]:
    first = by_name(await plugin.collect())
    assert first and all(r.value is None and r.summary == FIRST_SCRAPE for r in first.values())
    await asyncio.sleep(gap)  # a rate needs time between the scrapes: time is the test
    return by_name(await plugin.collect())


# --------------------------------------------------------------------------- selection


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


# --------------------------------------------------------------------------- HTTP


class FakeExporter(QuietHandler):
    """What a real exporter would not send: OpenMetrics, broken or not, HTML, 401."""

    TOKEN: ClassVar[str] = "Bearer tok-abcdef123456"
    OPENMETRICS = (
        "# TYPE bank_up gauge\n# HELP bank_up Bank core reachable.\nbank_up 1\n"
        "# TYPE bank_calls counter\nbank_calls_total 12.0\n"
    )

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/auth" and self.headers.get("Authorization") != self.TOKEN:
            return self._send(401, "denied", "text/plain")
        if path in ("/auth", "/openmetrics"):
            return self._send(200, self.OPENMETRICS + "# EOF\n")
        if path == "/no-eof":
            return self._send(200, self.OPENMETRICS)
        if path == "/accept":
            # What content negotiation would give: the text format only when asked.
            text = self.headers.get("Accept", "").startswith("text/plain;version=0.0.4")
            return self._send(200, f"asked_for_text {int(text)}\n", "text/plain; version=0.0.4")
        return self._send(200, "<html><body>login</body></html>\n", "text/html")

    def _send(
        self,
        status: int,
        body: str,
        content_type: str = "application/openmetrics-text; version=1.0.0; charset=utf-8",
    ) -> None:
        data = body.encode()
        self.send_body(status, data, content_type)


UP = {"name": "bank", "metric": "bank_up"}


async def test_openmetrics_content_type_uses_the_openmetrics_parser() -> None:
    with no_proxy(), serve_http(FakeExporter) as server:
        async with plugin_for(server.url + "/openmetrics", UP) as plugin:
            assert (await plugin.collect())[0].value == 1.0
        async with plugin_for(server.url + "/no-eof", UP) as plugin:
            with pytest.raises(SourceError, match=r"cannot parse the OpenMetrics: .*EOF"):
                await plugin.collect()
        async with plugin_for(server.url + "/html", UP) as plugin:
            with pytest.raises(SourceError, match="cannot parse the Prometheus text format"):
                await plugin.collect()
        asked = {"name": "asked", "metric": "asked_for_text"}
        async with plugin_for(server.url + "/accept", asked) as plugin:
            assert (await plugin.collect())[0].value == 1.0


async def test_headers_are_sent_and_never_shown() -> None:
    with no_proxy(), serve_http(FakeExporter) as server:
        async with plugin_for(server.url + "/auth", UP) as plugin:
            with pytest.raises(SourceError, match="HTTP 401"):
                await plugin.collect()
        headers = {"Authorization": FakeExporter.TOKEN}
        async with plugin_for(server.url + "/auth", UP, headers=headers) as plugin:
            assert (await plugin.collect())[0].value == 1.0


@pytest.fixture(scope="module")
def cert() -> Iterator[SelfSignedCert]:
    with self_signed_cert() as made:
        yield made


async def test_verify_tls(cert: SelfSignedCert) -> None:
    with no_proxy(), serve_http(FakeExporter, cert.server_context()) as server:
        async with plugin_for(server.url + "/openmetrics", UP) as plugin:
            with pytest.raises(SourceError, match="TLS certificate not trusted"):
                await plugin.collect()
        async with plugin_for(server.url + "/openmetrics", UP, verify_tls=False) as plugin:
            assert (await plugin.collect())[0].value == 1.0


async def test_unreachable_exporter() -> None:
    with no_proxy():
        async with plugin_for(f"http://127.0.0.1:{closed_port()}", UP) as plugin:
            with pytest.raises(SourceError, match="connection refused"):
                await plugin.collect()


# --------------------------------------------------------------------------- config


def test_config_checks() -> None:
    assert config_for("http://host:9100", UP).url == "http://host:9100/metrics"
    assert config_for("http://host:9100/", UP).url == "http://host:9100/metrics"
    assert config_for("http://host/x/metrics?a=1", UP).url == "http://host/x/metrics?a=1"
    problems = {
        "exactly one": {"name": "x"},
        "exactly one ": {"name": "x", "metric": "a", "ratio_of": RISK["ratio_of"]},
        "not to ratio_of": {**RISK, "quantile": 0.5},
        "invalid regular expression": {**UP, "match": {"a": "~("}},
        "not a label name": {**UP, "match": {"1a": "x"}},
        "not a metric name": {**UP, "metric": "bad-name"},
        "less than or equal to 1": {**UP, "quantile": 1.5},
        "Extra inputs": {**UP, "query": "up"},
        "invalid template": {**UP, "name": "{0}"},
    }
    for expected, metric in problems.items():
        with pytest.raises(ValidationError, match=expected.strip()):
            config_for("http://host:9100", metric)
    with pytest.raises(ValidationError, match="must start with http"):
        config_for("ftp://host", UP)
    with pytest.raises(ValidationError) as caught:
        config_for("http://host", UP, headers={"Authorization": "tok-secret\n"})
    assert "tok-secret" not in str(caught.value)


def test_every_option_is_documented_and_listed() -> None:
    assert_options_listed("openmetrics", OpenMetricsConfig, MetricTable, RatioOf)


# --------------------------------------------------------------------------- check

CHECK_CONFIG = """
[sources.metrics]
plugin = "openmetrics"
url = "{url}"
interval = "1s"

  [[sources.metrics.metrics]]
  kind = "risk_rule"
  name = "{{product}}/{{rule}}"
  rate = true
  warning = 0.05
  critical = 0.2
  runbook = "https://runbooks.example.com/risk/{{rule}}"
    [sources.metrics.metrics.ratio_of]
    numerator = "risk_rule_hits_total"
    denominator = "risk_decisions_total"
    by = ["product"]

  [[sources.metrics.metrics]]
  name = "{{worker}} queue"
  metric = "queue_depth"
"""


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_check_samples_twice_and_escapes_hostile_text(
    exporter: Exporter, tmp_path: Path, fmt: str
) -> None:
    config = tmp_path / "oncall.toml"
    config.write_text(CHECK_CONFIG.format(url=exporter.url))
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    started = time.monotonic()
    result = run_oncall("check", "--config", str(config), "--format", fmt, env=env)
    took = time.monotonic() - started
    assert result.returncode == 2, result.stdout + result.stderr
    for raw in ("\x1b", "\u202e", "\u2066", "\x07"):
        assert raw not in result.stdout and raw not in result.stderr
    assert took >= 1.0, "the second sample waits the source's interval"
    if fmt == "text":
        assert "\\x1b" in result.stdout
        return
    document = json.loads(result.stdout)
    strings = json.dumps(document, ensure_ascii=False)
    assert "\x1b" not in strings and "\u202e" not in strings and "\u2066" not in strings
    signals = {signal["name"]: signal for signal in document["signals"]}
    evil_name = "paylater/evil\\x1b[31m\\u202erule"
    assert set(signals) == {*(n for n in EXPECTED_RATIOS if "evil" not in n), evil_name,
                            "worker\\x1b[31m\\u2066red queue"}  # fmt: skip
    assert signals["cashloan/device_fingerprint"]["status"] == "critical"
    assert signals["cashloan/device_fingerprint"]["value"] == pytest.approx(0.3, rel=1e-6)
    assert signals["paylater/credit_limit"]["status"] == "warning"
    assert signals[evil_name]["status"] == "ok"
    assert signals[evil_name]["runbook"] == (
        "https://runbooks.example.com/risk/evil%1B%5B31m%E2%80%AErule"
    ), "label values are percent-encoded into links"
    assert signals["paylater/velocity_check"]["runbook"] == (
        "https://runbooks.example.com/risk/velocity_check"
    )
    queue = signals["worker\\x1b[31m\\u2066red queue"]
    assert queue["summary"] == "queue depth \\x1b]52;c;aGk=\\x07 \\x1b[2J\\u202egnol"
    assert document["sources"][0]["status"] == "ok"


def test_readme_example_is_a_valid_config(tmp_path: Path) -> None:
    text = (Path(__file__).parent.parent / "README.md").read_text()
    block = text.split("\n### openmetrics\n", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    config = parse_config(block, tmp_path, environ={"METRICS_TOKEN": "t"})
    assert not config.load_errors
    options = config.sources[0].options
    assert isinstance(options, OpenMetricsConfig)
    assert [m.quantile for m in options.metrics] == [None, 0.99, None]
