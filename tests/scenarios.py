"""A credit platform whose incident can be switched in place, for the end-to-end tests
of issue 5's "done when": the same four situations read through Prometheus +
Alertmanager, and through `http`, `openmetrics` and `command` sources without them.

    healthy     every service, rule and dependency fine
    overload    payment-api overloaded: 30% of its requests fail, its /health says 503
    risk_rule   the paylater credit_limit rule refuses 40% of decisions
    bureau_down the credit bureau is down: dependency_up 0, its /health says 503

One `ScenarioPlatform` serves both faces of the platform: an exporter (/metrics, the
prometheus_client reference server) and the services' health endpoints
(/health/<name>, JSON). Counters grow at the scenario's rates and are integrated
piecewise, so a switch changes rates from that moment on and counters never go down:
a rate over two scrapes after the switch is exactly the new rate.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Literal

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from servers import HTTPTestServer, serve_http

Scenario = Literal["healthy", "overload", "risk_rule", "bureau_down"]
SCENARIOS: tuple[Scenario, ...] = ("healthy", "overload", "risk_rule", "bureau_down")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

REQUESTS_PER_SECOND = {"payment-api": 100.0, "risk-engine": 50.0}
HEALTHY_ERROR_RATIO = 0.001
OVERLOAD_ERROR_RATIO = 0.3
DECISIONS_PER_SECOND = {"paylater": 100.0, "cashloan": 50.0}
RULE_HITS_PER_SECOND = {
    ("paylater", "velocity_check"): 1.0,  # 0.01
    ("paylater", "credit_limit"): 2.0,  # 0.02; 40.0 (0.40) in risk_rule
    ("cashloan", "device_fingerprint"): 1.0,  # 0.02
}
DEPENDENCIES = ("credit-bureau", "payment-gateway", "sms-otp")


@dataclass(frozen=True)
class Expected:
    """What a scenario must look like on the board."""

    components: frozenset[str]
    """Components of the critical health/risk_rule/dependency signals (the cause)."""
    alerts: frozenset[str]
    """Alertnames firing, each critical with its runbook_url."""
    runbook: str
    """The runbook_url of the firing alert ("" when none)."""

    @property
    def exit_code(self) -> int:
        return 2 if self.components else 0


EXPECTED: dict[Scenario, Expected] = {
    "healthy": Expected(frozenset(), frozenset(), ""),
    "overload": Expected(
        frozenset({"payment-api"}),
        frozenset({"ServiceErrorRateHigh"}),
        "https://runbooks.example.com/services/payment-api/errors",
    ),
    "risk_rule": Expected(
        frozenset({"paylater/credit_limit"}),
        frozenset({"RiskRuleHitRateHigh"}),
        "https://runbooks.example.com/risk/credit_limit",
    ),
    "bureau_down": Expected(
        frozenset({"credit-bureau"}),
        frozenset({"DependencyDown"}),
        "https://runbooks.example.com/dependencies/credit-bureau",
    ),
}


class ScenarioCollector(Collector):
    """The platform's metrics under the current scenario (thread-safe: the exporter
    scrapes from its own threads while a test switches)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scenario: Scenario = "healthy"
        self._at = time.monotonic()
        self._totals: dict[tuple[str, ...], float] = {}

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    def switch(self, scenario: Scenario) -> None:
        with self._lock:
            self._advance()
            self._scenario = scenario

    def _rates(self) -> dict[tuple[str, ...], float]:
        rates: dict[tuple[str, ...], float] = {}
        for service, per_second in REQUESTS_PER_SECOND.items():
            ratio = HEALTHY_ERROR_RATIO
            if self._scenario == "overload" and service == "payment-api":
                ratio = OVERLOAD_ERROR_RATIO
            rates[("requests", service, "200")] = per_second * (1 - ratio)
            rates[("requests", service, "500")] = per_second * ratio
        for product, per_second in DECISIONS_PER_SECOND.items():
            rates[("decisions", product)] = per_second
        for (product, rule), per_second in RULE_HITS_PER_SECOND.items():
            if self._scenario == "risk_rule" and rule == "credit_limit":
                per_second = 0.4 * DECISIONS_PER_SECOND[product]
            rates[("hits", product, rule)] = per_second
        return rates

    def _advance(self) -> None:
        now = time.monotonic()
        elapsed, self._at = now - self._at, now
        for key, per_second in self._rates().items():
            self._totals[key] = self._totals.get(key, 0.0) + per_second * elapsed

    def dependency_up(self, dependency: str) -> bool:
        return not (self._scenario == "bureau_down" and dependency == "credit-bureau")

    def service_healthy(self, service: str) -> bool:
        return not (self._scenario == "overload" and service == "payment-api")

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        with self._lock:
            self._advance()
            totals = dict(self._totals)
            up = {dependency: self.dependency_up(dependency) for dependency in DEPENDENCIES}
        requests = CounterMetricFamily(
            "http_requests", "Requests served", labels=["service", "code"]
        )
        decisions = CounterMetricFamily("risk_decisions", "Risk decisions", labels=["product"])
        hits = CounterMetricFamily(
            "risk_rule_hits", "Decisions refused by a risk rule", labels=["product", "rule"]
        )
        for key, total in sorted(totals.items()):
            family = {"requests": requests, "decisions": decisions, "hits": hits}[key[0]]
            family.add_metric(list(key[1:]), total)
        yield requests
        yield decisions
        yield hits
        gauge = GaugeMetricFamily("dependency_up", "1 when reachable", labels=["dependency"])
        for dependency, value in up.items():
            gauge.add_metric([dependency], 1.0 if value else 0.0)
        yield gauge


def health_handler(collector: ScenarioCollector) -> type[BaseHTTPRequestHandler]:
    """/health/<service or dependency>: 200 {"status": "UP"}, or 503 with "DOWN" (a
    dependency) or "OVERLOADED" (a service) when the scenario says so."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            parts = [part for part in self.path.split("?", 1)[0].split("/") if part]
            name = parts[1] if len(parts) == 2 and parts[0] == "health" else ""
            if name in DEPENDENCIES:
                ok, word = collector.dependency_up(name), "DOWN"
            elif name in REQUESTS_PER_SECOND:
                ok, word = collector.service_healthy(name), "OVERLOADED"
            else:
                self._send(404, {"error": "no such component"})
                return
            self._send(200 if ok else 503, {"status": "UP" if ok else word, "name": name})

        def _send(self, status: int, document: dict[str, str]) -> None:
            body = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@dataclass
class ScenarioPlatform:
    collector: ScenarioCollector
    metrics_url: str
    """The exporter's /metrics."""
    health: HTTPTestServer
    """Serves /health/<name>."""

    @property
    def metrics_target(self) -> str:
        return self.metrics_url.removeprefix("http://").removesuffix("/metrics")

    def switch(self, scenario: Scenario) -> None:
        self.collector.switch(scenario)


@contextlib.contextmanager
def start_scenario_platform() -> Iterator[ScenarioPlatform]:
    collector = ScenarioCollector()
    registry = CollectorRegistry()
    registry.register(collector)
    server, thread = start_http_server(0, addr="127.0.0.1", registry=registry)
    try:
        with serve_http(health_handler(collector)) as health:
            url = f"http://127.0.0.1:{server.server_port}/metrics"
            yield ScenarioPlatform(collector, url, health)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def example(name: str, replacements: dict[str, str]) -> str:
    """A committed example file with the replacements made (each must occur): what a
    user would run, pointed at the test's servers and compressed in time."""
    text = (EXAMPLES / name).read_text()
    for old, new in replacements.items():
        assert old in text, f"{old!r} is no longer in examples/{name}"
        text = text.replace(old, new)
    return text


def fast_rules() -> str:
    """examples/alert-rules.yml with 5 s windows and no `for`: alerts follow a switch
    within seconds (1 s scrape and evaluation)."""
    return example("alert-rules.yml", {"[1m]": "[5s]", "for: 1m": "for: 0s"})
