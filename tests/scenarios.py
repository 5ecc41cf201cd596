"""A credit platform whose incident can be switched in place, for the end-to-end tests
of issues 5 and 8: the same situations read through Prometheus + Alertmanager, and
through `http`, `openmetrics` and `command` sources without them.

    healthy     every service, rule and dependency fine
    overload    payment-api overloaded 3 minutes after a deploy: 30% of its requests
                fail, its /health says 503
    risk_rule   the paylater credit_limit rule refuses 40% of decisions, 90 s after
                an edit of the rule
    bureau_down the credit bureau is down: dependency_up 0, its /health says 503
    cascade     the credit bureau is down and its symptoms are louder than it: the
                risk engine that calls it fails 20% of requests, payment-api (calling
                the risk engine) 10%, and the credit_limit rule, failing closed without
                bureau data, refuses 45% of paylater decisions. The risk engine was
                deployed 10 minutes earlier: a symptom's change, never the cause's.

Business counters move with the incident, as users feel it: `payments_total{result}`
(99.2% success, payment-api's errors on top: ~70% in overload, ~89% in cascade) and
`loan_decisions_total{product, decision}` (approved, refused by a rule or by policy,
review: a cash loan waiting for a bureau report a human must fetch). Approvals drop
with the credit_limit refusals (risk_rule, cascade) and, the bureau down, with the
cash loans sent to review (bureau_down, cascade).

Changes are gauges holding the unix time of the last change (what DESIGN.md's
`kind = "change"` reads): `deploy_timestamp_seconds{service}` and
`risk_rule_edited_timestamp_seconds{product, rule}`. Switching to a scenario dates its
change that long BEFORE the switch, so the change precedes both the breach and the
oncall-tui that looks at it: a one-shot `check` must attach it by its value. Before any
switch every change is two days old, outside the default 1 h `change_window`.

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
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Literal

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from servers_http import HTTPTestServer, serve_http

Scenario = Literal["healthy", "overload", "risk_rule", "bureau_down", "cascade"]
SCENARIOS: tuple[Scenario, ...] = ("healthy", "overload", "risk_rule", "bureau_down", "cascade")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

REQUESTS_PER_SECOND = {"payment-api": 100.0, "risk-engine": 50.0}
HEALTHY_ERROR_RATIO = 0.001
ERROR_RATIO: dict[tuple[Scenario, str], float] = {
    ("overload", "payment-api"): 0.3,
    ("cascade", "risk-engine"): 0.2,
    ("cascade", "payment-api"): 0.1,
}
"""Error ratios other than HEALTHY_ERROR_RATIO (critical is 0.05 in the examples)."""
DECISIONS_PER_SECOND = {"paylater": 100.0, "cashloan": 50.0}
RULE_HITS_PER_SECOND = {
    ("paylater", "velocity_check"): 1.0,  # 0.01
    ("paylater", "credit_limit"): 2.0,  # 0.02; 0.40 in risk_rule, 0.45 in cascade
    ("cashloan", "device_fingerprint"): 1.0,  # 0.02
}
CREDIT_LIMIT_REFUSALS: dict[Scenario, float] = {"risk_rule": 0.4, "cascade": 0.45}
"""Share of paylater decisions the credit_limit rule refuses, where not its usual."""
PAYMENTS_PER_SECOND = 40.0
PAY_SUCCESS = 0.992
"""Share of payments that succeed when payment-api is healthy; its extra errors fail
payments on top (`pay_success`)."""
POLICY_REFUSALS = 0.1
"""Share of each product's decisions refused by policy (not by a watched rule)."""
BUREAU_REVIEW = 0.3
"""Share of cashloan decisions sent to manual review while the credit bureau is down."""
DEPENDENCIES = ("credit-bureau", "payment-gateway", "sms-otp")
BUREAU_DOWN: frozenset[Scenario] = frozenset({"bureau_down", "cascade"})

OLD_CHANGE = 2 * 86400.0
"""Seconds before the platform started that every deploy and rule edit was made."""
CHANGE_BEFORE: dict[Scenario, tuple[tuple[str, ...], float]] = {
    "overload": (("deploy", "payment-api"), 180.0),
    "risk_rule": (("edit", "paylater", "credit_limit"), 90.0),
    "cascade": (("deploy", "risk-engine"), 600.0),
}
"""The change each scenario follows, and how many seconds before the switch it was made:
("deploy", service) or ("edit", product, rule)."""


RUNBOOKS = "https://runbooks.example.com"
VERSION = "1.0.0"
"""The release every service runs (`http_requests_total{version}`): the examples'
canary query finds one cohort per service, so no canary row."""


@dataclass(frozen=True)
class Expected:
    """What a scenario must look like on the board (the examples' topology)."""

    cause: str | None
    """The one probable cause (a component), None when nothing fails."""
    affects: frozenset[str] = frozenset()
    """Failing components downstream of the cause: its symptoms."""
    change: str | None = None
    """Name of the change marker attached to the cause."""
    alerts: dict[str, str] = field(default_factory=dict)
    """Alert signal name -> its runbook_url; each alert firing, critical."""
    business: dict[str, str] = field(default_factory=dict)
    """Business signal name -> its status where not ok (BUSINESS names them all): the
    impact, never a cause."""

    @property
    def components(self) -> frozenset[str]:
        """Every component with a critical health/risk_rule/dependency signal."""
        return self.affects | ({self.cause} if self.cause else set())

    @property
    def alertnames(self) -> frozenset[str]:
        return frozenset(name.split()[0] for name in self.alerts)

    @property
    def exit_code(self) -> int:
        return 2 if self.cause else 0


BUSINESS = ("pay success", "paylater approvals", "cashloan approvals")
"""The business signals both example configs read."""

EXPECTED: dict[Scenario, Expected] = {
    "healthy": Expected(None),
    "overload": Expected(
        "payment-api",
        change="payment-api deployed",
        alerts={"ServiceErrorRateHigh": f"{RUNBOOKS}/services/payment-api/errors"},
        business={"pay success": "critical"},  # ~70%
    ),
    "risk_rule": Expected(
        "paylater/credit_limit",
        change="paylater/credit_limit edited",
        alerts={"RiskRuleHitRateHigh": f"{RUNBOOKS}/risk/credit_limit"},
        business={"paylater approvals": "critical"},  # 49/s, usual 87/s
    ),
    "bureau_down": Expected(
        "credit-bureau",
        alerts={"DependencyDown": f"{RUNBOOKS}/dependencies/credit-bureau"},
        business={"cashloan approvals": "warning"},  # 29/s, usual 44/s
    ),
    "cascade": Expected(
        "credit-bureau",
        affects=frozenset({"risk-engine", "payment-api", "paylater/credit_limit"}),
        alerts={
            "DependencyDown": f"{RUNBOOKS}/dependencies/credit-bureau",
            "ServiceErrorRateHigh payment-api": f"{RUNBOOKS}/services/payment-api/errors",
            "ServiceErrorRateHigh risk-engine": f"{RUNBOOKS}/services/risk-engine/errors",
            "RiskRuleHitRateHigh": f"{RUNBOOKS}/risk/credit_limit",
        },
        business={
            "pay success": "critical",  # ~89%
            "paylater approvals": "critical",  # 44/s
            "cashloan approvals": "warning",  # 29/s
        },
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
        old = time.time() - OLD_CHANGE
        self.changed_at: dict[tuple[str, ...], float] = {
            **{("deploy", service): old for service in REQUESTS_PER_SECOND},
            **{("edit", product, rule): old for product, rule in RULE_HITS_PER_SECOND},
        }
        """Unix time of each deploy and rule edit, as the gauges expose it."""

    @property
    def scenario(self) -> Scenario:
        return self._scenario

    def switch(self, scenario: Scenario) -> None:
        """Change rates from now on; date the scenario's change before now. A change
        stays made: a later scenario sees it as history."""
        with self._lock:
            self._advance()
            self._scenario = scenario
            if scenario in CHANGE_BEFORE:
                what, before = CHANGE_BEFORE[scenario]
                self.changed_at[what] = time.time() - before

    @contextlib.contextmanager
    def stalled(self) -> Iterator[None]:
        """Every scrape waits until the block ends: an exporter that does not answer
        within Prometheus's scrape timeout (its scrapes fail meanwhile)."""
        with self._lock:
            yield

    def _rates(self) -> dict[tuple[str, ...], float]:
        rates: dict[tuple[str, ...], float] = {}
        for service, per_second in REQUESTS_PER_SECOND.items():
            ratio = ERROR_RATIO.get((self._scenario, service), HEALTHY_ERROR_RATIO)
            rates[("requests", service, "200")] = per_second * (1 - ratio)
            rates[("requests", service, "500")] = per_second * ratio
        for product, per_second in DECISIONS_PER_SECOND.items():
            rates[("decisions", product)] = per_second
        refusals = CREDIT_LIMIT_REFUSALS.get(self._scenario)
        for (product, rule), per_second in RULE_HITS_PER_SECOND.items():
            if refusals is not None and (product, rule) == ("paylater", "credit_limit"):
                per_second = refusals * DECISIONS_PER_SECOND[product]
            rates[("hits", product, rule)] = per_second
        success = self.pay_success()
        rates[("payments", "success")] = PAYMENTS_PER_SECOND * success
        rates[("payments", "failed")] = PAYMENTS_PER_SECOND * (1 - success)
        for product, per_second in DECISIONS_PER_SECOND.items():
            hits = sum(rates[("hits", p, rule)] for p, rule in RULE_HITS_PER_SECOND if p == product)
            review = BUREAU_REVIEW if product == "cashloan" and self._bureau_down() else 0.0
            refused = hits + per_second * POLICY_REFUSALS
            rates[("loans", product, "refused")] = refused
            rates[("loans", product, "review")] = per_second * review
            rates[("loans", product, "approved")] = per_second * (1 - review) - refused
        return rates

    def pay_success(self) -> float:
        """Share of payments that succeed: payment-api's errors beyond its usual fail
        payments that would have succeeded."""
        ratio = ERROR_RATIO.get((self._scenario, "payment-api"), HEALTHY_ERROR_RATIO)
        return PAY_SUCCESS * (1 - ratio) / (1 - HEALTHY_ERROR_RATIO)

    def _bureau_down(self) -> bool:
        return self._scenario in BUREAU_DOWN

    def _advance(self) -> None:
        now = time.monotonic()
        elapsed, self._at = now - self._at, now
        for key, per_second in self._rates().items():
            self._totals[key] = self._totals.get(key, 0.0) + per_second * elapsed

    def dependency_up(self, dependency: str) -> bool:
        return not (self._bureau_down() and dependency == "credit-bureau")

    def service_healthy(self, service: str) -> bool:
        return not (self._scenario == "overload" and service == "payment-api")

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        with self._lock:
            self._advance()
            totals = dict(self._totals)
            up = {dependency: self.dependency_up(dependency) for dependency in DEPENDENCIES}
            changed_at = dict(self.changed_at)
        requests = CounterMetricFamily(
            "http_requests", "Requests served", labels=["service", "version", "code"]
        )
        decisions = CounterMetricFamily("risk_decisions", "Risk decisions", labels=["product"])
        hits = CounterMetricFamily(
            "risk_rule_hits", "Decisions refused by a risk rule", labels=["product", "rule"]
        )
        payments = CounterMetricFamily("payments", "Payments by result", labels=["result"])
        loans = CounterMetricFamily(
            "loan_decisions", "Loan applications decided", labels=["product", "decision"]
        )
        families = {
            "requests": requests,
            "decisions": decisions,
            "hits": hits,
            "payments": payments,
            "loans": loans,
        }
        for key, total in sorted(totals.items()):
            labels = list(key[1:])
            if key[0] == "requests":  # one release per service: no canary under way
                labels.insert(1, VERSION)
            families[key[0]].add_metric(labels, total)
        yield from families.values()
        gauge = GaugeMetricFamily("dependency_up", "1 when reachable", labels=["dependency"])
        for dependency, value in up.items():
            gauge.add_metric([dependency], 1.0 if value else 0.0)
        yield gauge
        deploys = GaugeMetricFamily(
            "deploy_timestamp_seconds", "Unix time of the last deploy", labels=["service"]
        )
        edits = GaugeMetricFamily(
            "risk_rule_edited_timestamp_seconds",
            "Unix time of the rule's last edit",
            labels=["product", "rule"],
        )
        for key, at in sorted(changed_at.items()):
            (deploys if key[0] == "deploy" else edits).add_metric(list(key[1:]), at)
        yield deploys
        yield edits


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
