"""The simulated credit platform: an in-process exporter with known rates, and the
whole stack (exporter -> Prometheus -> Alertmanager) started in one call."""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
)
from prometheus_client.registry import Collector

from servers import ServerProcess, no_proxy
from servers_alertmanager import start_alertmanager
from servers_prometheus import start_prometheus

EVIL_RULE = "evil\x1b[31m\u202erule"
"""A rule label carrying an ESC colour sequence and a bidi override. Prometheus stores
any UTF-8, so this reaches the plugins exactly as an attacker would send it."""

DECISIONS_PER_SECOND = {"paylater": 100.0, "cashloan": 50.0}
"""Rate of risk_decisions_total per product."""

RULE_HITS_PER_SECOND = {
    ("paylater", "velocity_check"): 1.0,  # ratio 0.01: ok
    ("paylater", "credit_limit"): 8.0,  # ratio 0.08: warning at 0.05
    ("paylater", EVIL_RULE): 0.5,  # ratio 0.005: ok
    ("cashloan", "device_fingerprint"): 15.0,  # ratio 0.30: critical at 0.2
}
"""Rate of risk_rule_hits_total per (product, rule); ratios to decisions in comments."""

SERVICE_UP = {"risk-engine": 1.0, "payment-api": 1.0, "ledger": 0.0}

DEPLOYED_AGO = {"payment-api": 600.0, "risk-engine": 7200.0}
"""Seconds before the exporter started that each service was last deployed: the
`deploy_timestamp_seconds` gauge (a change marker) is start time minus this."""


# --------------------------------------------------------------------------- exporter


class PlatformCollector(Collector):
    """Metrics of a small credit-payment platform, computed at scrape time.

    Counters grow linearly with wall time at fixed rates, so rate()-based ratios are
    known exactly (both counters are read in the same scrape): tests can assert which
    rule is ok, warning or critical without racing a background thread.
    """

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.service_up = dict(SERVICE_UP)
        self.extra_gauges: dict[str, float] = {}
        now = time.time()
        self.deployed_at = {service: now - ago for service, ago in DEPLOYED_AGO.items()}
        """Unix time of each service's last deploy; a test sets one to "deploy" it."""

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        elapsed = time.monotonic() - self.started
        decisions = CounterMetricFamily("risk_decisions", "Risk decisions made", labels=["product"])
        for product, per_second in DECISIONS_PER_SECOND.items():
            decisions.add_metric([product], per_second * elapsed)
        yield decisions

        hits = CounterMetricFamily(
            "risk_rule_hits", "Decisions refused by a risk rule", labels=["product", "rule"]
        )
        for (product, rule), per_second in RULE_HITS_PER_SECOND.items():
            hits.add_metric([product, rule], per_second * elapsed)
        yield hits

        refunds = CounterMetricFamily("payments_refunded", "Refunds (always 0)", labels=[])
        refunds.add_metric([], 0.0)
        yield refunds

        up = GaugeMetricFamily("service_up", "1 when the service is healthy", labels=["service"])
        for service, value in self.service_up.items():
            up.add_metric([service], value)
        yield up

        deploys = GaugeMetricFamily(
            "deploy_timestamp_seconds", "Unix time of the last deploy", labels=["service"]
        )
        for service, at in self.deployed_at.items():
            deploys.add_metric([service], at)
        yield deploys

        for name, value in self.extra_gauges.items():
            yield GaugeMetricFamily(name, "test gauge", value=value)

        latency = HistogramMetricFamily(
            "http_request_duration_seconds", "Request latency", labels=["service"]
        )
        for service, slow in (("payment-api", 0.05), ("risk-engine", 0.4)):
            count = 100.0 * elapsed
            buckets = [
                ("0.1", count * (0.9 if slow < 0.1 else 0.2)),
                ("0.5", count * (0.99 if slow < 0.1 else 0.9)),
                ("+Inf", count),
            ]
            latency.add_metric([service], buckets, sum_value=count * slow)
        yield latency


@dataclass
class Exporter:
    """A prometheus_client HTTP server in this process."""

    server: WSGIServer
    thread: threading.Thread
    collector: PlatformCollector
    registry: CollectorRegistry
    port: int = field(init=False)

    def __post_init__(self) -> None:
        self.port = int(self.server.server_port)

    @property
    def target(self) -> str:
        """The scrape target, "127.0.0.1:PORT"."""
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.target}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@contextlib.contextmanager
def start_exporter(collector: Collector | None = None) -> Iterator[Exporter]:
    """Serve `collector` (a PlatformCollector by default) on a free loopback port.

    Port 0 is handed to the server itself, so unlike a subprocess there is no race.
    """
    platform = collector if isinstance(collector, PlatformCollector) else PlatformCollector()
    registry = CollectorRegistry()
    registry.register(collector or platform)
    server, thread = start_http_server(0, addr="127.0.0.1", registry=registry)
    exporter = Exporter(server, thread, platform, registry)
    try:
        yield exporter
    finally:
        exporter.stop()


# --------------------------------------------------------------------------- platform


PLATFORM_RULES = """\
groups:
  - name: platform
    rules:
      - alert: ServiceDown
        expr: service_up == 0
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.service }} is down"
          runbook_url: "https://runbooks.example.com/services/{{ $labels.service }}"
      - alert: RiskRuleHitRateHigh
        expr: >-
          sum by (product, rule) (rate(risk_rule_hits_total[15s]))
          / ignoring(rule) group_left sum by (product) (rate(risk_decisions_total[15s]))
          > 0.2
        labels:
          severity: warning
        annotations:
          summary: "{{ $labels.rule }} refuses {{ $value | humanizePercentage }}"
"""
"""Alert rules over the exporter's metrics: a critical and a warning alert fire within
seconds of the first scrapes (`for` is 0)."""


RATIO = (
    "sum by (product, rule) (rate(risk_rule_hits_total[15s]))"
    " / ignoring(rule) group_left"
    " sum by (product) (rate(risk_decisions_total[15s]))"
)
"""DESIGN.md's risk-rule hit-rate query, with a window short enough for a test."""


@dataclass
class Platform:
    """The whole monitoring stack of the simulated credit platform."""

    exporter: Exporter
    prometheus: ServerProcess
    alertmanager: ServerProcess | None
    """None when started without one (see `start_platform`)."""


@contextlib.contextmanager
def start_platform(alertmanager: bool | None = None) -> Iterator[Platform]:
    """Exporter -> Prometheus (scraping, evaluating PLATFORM_RULES) -> Alertmanager.

    `alertmanager=None` includes Alertmanager when it is installed (always under CI), so
    Prometheus-only tests still run on a machine without it. Costs ~6 s, almost all of
    it Prometheus's first target discovery: share one per module or session. Proxy
    variables are removed for the duration.
    """
    if alertmanager is None:
        alertmanager = bool(os.environ.get("CI") or shutil.which("prometheus-alertmanager"))
    with contextlib.ExitStack() as stack:
        stack.enter_context(no_proxy())
        exporter = stack.enter_context(start_exporter())
        manager = stack.enter_context(start_alertmanager()) if alertmanager else None
        prometheus = stack.enter_context(
            start_prometheus(
                [exporter.target],
                rules=PLATFORM_RULES,
                alertmanager=manager.target if manager else None,
            )
        )
        yield Platform(exporter, prometheus, manager)
