"""A platform for the early-warning end-to-end tests: six cases side by side in one
exporter (each series labelled `case`), so one Prometheus watches them all at once and
the cases run in parallel instead of one switch after another.

    fast_burn    repayment fails 2% of requests: 20x the budget of its 99.9% SLO
    slow_burn    repayment fails 0.4%: 4x, a ticket, never a page
    bad_canary   jiebei-loan 2.4.0 takes 10% of traffic and fails 30% of it (the
                 service as a whole at 3%); 2.3.1 fails nothing
    good_canary  2.4.0 at 10% of traffic; both versions fail 1%
    low_canary   2.4.0 gets a request every few seconds, half of them failing
    healthy      every service well within its budget, no canary

Counters are integrated piecewise (as tests/scenarios.py does), so `start_canaries()`
changes rates from that moment on: until then jiebei-loan runs 2.3.1 alone, so
Prometheus holds the time before the deploy and a change's effect can be read
against it. `deploy_timestamp_seconds{case, service}` dates the canary's deploy.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

Case = Literal["fast_burn", "slow_burn", "bad_canary", "good_canary", "low_canary", "healthy"]
CASES: tuple[Case, ...] = (
    "fast_burn", "slow_burn", "bad_canary", "good_canary", "low_canary", "healthy",
)  # fmt: skip

HEALTHY = 0.0002
"""Error ratio of a healthy service: a fifth of a 99.9% SLO's budget."""
REPAYMENT = 100.0
LOAN = 100.0
"""Requests per second of each service."""
REPAYMENT_ERRORS: dict[Case, float] = {"fast_burn": 0.02, "slow_burn": 0.004}
CANARY: dict[Case, tuple[float, float, float]] = {
    "bad_canary": (0.1, 0.30, 0.0),
    "good_canary": (0.1, 0.01, 0.01),
    "low_canary": (0.002, 0.5, HEALTHY),
}
"""Case -> (2.4.0's share of traffic, its error ratio, 2.3.1's error ratio)."""
OLD = 2 * 86400.0


class EarlyCollector(Collector):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at = time.monotonic()
        self._totals: dict[tuple[str, ...], float] = {}
        self.canaries_at: float | None = None
        """Unix time the canaries were deployed; None before."""
        self._started = time.time()

    def start_canaries(self) -> float:
        with self._lock:
            self._advance()
            self.canaries_at = time.time()
            return self.canaries_at

    def _rates(self) -> dict[tuple[str, ...], float]:
        rates: dict[tuple[str, ...], float] = {}
        for case in CASES:
            ratio = REPAYMENT_ERRORS.get(case, HEALTHY)
            rates[(case, "repayment", "1.0.0", "200")] = REPAYMENT * (1 - ratio)
            rates[(case, "repayment", "1.0.0", "500")] = REPAYMENT * ratio
            share, canary, base = CANARY.get(case, (0.0, 0.0, HEALTHY))
            if self.canaries_at is None:
                share, base = 0.0, (base if case != "low_canary" else HEALTHY)
            rates[(case, "jiebei-loan", "2.3.1", "200")] = LOAN * (1 - share) * (1 - base)
            rates[(case, "jiebei-loan", "2.3.1", "500")] = LOAN * (1 - share) * base
            if share:
                rates[(case, "jiebei-loan", "2.4.0", "200")] = LOAN * share * (1 - canary)
                rates[(case, "jiebei-loan", "2.4.0", "500")] = LOAN * share * canary
        return rates

    def _advance(self) -> None:
        now = time.monotonic()
        elapsed, self._at = now - self._at, now
        for key, per_second in self._rates().items():
            self._totals[key] = self._totals.get(key, 0.0) + per_second * elapsed

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        with self._lock:
            self._advance()
            totals = dict(self._totals)
            canaries_at = self.canaries_at
        requests = CounterMetricFamily(
            "http_requests", "Requests served", labels=["case", "service", "version", "code"]
        )
        for key, total in sorted(totals.items()):
            requests.add_metric(list(key), total)
        yield requests
        deploys = GaugeMetricFamily(
            "deploy_timestamp_seconds", "Unix time of the last deploy", labels=["case", "service"]
        )
        for case in CASES:
            deploys.add_metric([case, "repayment"], self._started - OLD)
            loan = canaries_at if canaries_at is not None and case in CANARY else None
            deploys.add_metric([case, "jiebei-loan"], loan or self._started - OLD)
        yield deploys


@dataclass
class EarlyPlatform:
    collector: EarlyCollector
    target: str
    """host:port of its /metrics."""


@contextlib.contextmanager
def start_early_platform() -> Iterator[EarlyPlatform]:
    collector = EarlyCollector()
    registry = CollectorRegistry()
    registry.register(collector)
    server, thread = start_http_server(0, addr="127.0.0.1", registry=registry)
    try:
        yield EarlyPlatform(collector, f"127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# -- Sloth and Pyrra rule files, as those generators write them ---------------------------

SLOTH_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
PYRRA_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "4d")
SHORT_RANGE = "10s"
"""Every generator window is recorded over this range here: the cases are steady, so
each window reads the same ratio, and seconds of data are enough."""


def sloth_rules(case: Case) -> str:
    """Sloth's output for one SLO (repayment requests-availability, 99.9% over 30d) of
    `case`, its windows' expressions over SHORT_RANGE (the record names and labels are
    Sloth's: what the source reads)."""
    labels = {
        "sloth_id": "repayment-requests-availability",
        "sloth_service": "repayment",
        "sloth_slo": "requests-availability",
    }
    selector = ", ".join(f'{k}="{v}"' for k, v in labels.items())
    ratio = (
        f'(sum(rate(http_requests_total{{case="{case}",service="repayment",code=~"5.."}}'
        f"[{SHORT_RANGE}])))\n      /\n      "
        f'(sum(rate(http_requests_total{{case="{case}",service="repayment"}}[{SHORT_RANGE}])))'
    )
    lines = ["groups:", "- name: sloth-slo-sli-recordings-repayment-requests-availability"]
    lines.append("  rules:")
    for window in SLOTH_WINDOWS:
        lines += [
            f"  - record: slo:sli_error:ratio_rate{window}",
            "    expr: |",
            f"      {ratio}",
            "    labels:",
            *(f"      {k}: {v}" for k, v in labels.items()),
            f"      sloth_window: {window}",
        ]
    lines += [
        "  - record: slo:sli_error:ratio_rate30d",
        "    expr: |",
        f"      sum_over_time(slo:sli_error:ratio_rate5m{{{selector}}}[30d])",
        "      / ignoring (sloth_window)",
        f"      count_over_time(slo:sli_error:ratio_rate5m{{{selector}}}[30d])",
        "    labels:",
        "      sloth_window: 30d",
        "- name: sloth-slo-meta-recordings-repayment-requests-availability",
        "  rules:",
    ]
    meta = {
        "slo:objective:ratio": "vector(0.9990000000000001)",
        "slo:error_budget:ratio": "vector(1-0.9990000000000001)",
        "slo:time_period:days": "vector(30)",
        "slo:period_burn_rate:ratio": (
            f"slo:sli_error:ratio_rate30d{{{selector}}} / on(sloth_id, sloth_slo, "
            f"sloth_service) group_left slo:error_budget:ratio{{{selector}}}"
        ),
        "slo:period_error_budget_remaining:ratio": (
            f"1 - slo:period_burn_rate:ratio{{{selector}}}"
        ),
    }
    for record, expr in meta.items():
        lines += [
            f"  - record: {record}",
            f"    expr: {expr}",
            "    labels:",
            *(f"      {k}: {v}" for k, v in labels.items()),
        ]
    return "\n".join(lines) + "\n"


def pyrra_rules(case: Case) -> str:
    """Pyrra's output for one ratio SLO (repayment-errors, 99.9% over 28d) of `case`:
    `http_requests:burnrate<window>` labelled `slo` and its generic rules."""
    errors = f'http_requests_total{{case="{case}",service="repayment",code=~"5.."}}'
    total = f'http_requests_total{{case="{case}",service="repayment"}}'
    lines = ["groups:", "- name: repayment-errors", "  interval: 1s", "  rules:"]
    for window in PYRRA_WINDOWS:
        lines += [
            f"  - record: http_requests:burnrate{window}",
            f"    expr: sum(rate({errors}[{SHORT_RANGE}])) / sum(rate({total}[{SHORT_RANGE}]))",
            "    labels:",
            "      slo: repayment-errors",
            "      service: repayment",
        ]
    lines += ["- name: pyrra-generic", "  interval: 1s", "  rules:"]
    generic = {
        "pyrra_objective": "vector(0.999)",
        "pyrra_window": "vector(2419200)",
        "pyrra_availability": (
            f"1 - sum(rate({errors}[{SHORT_RANGE}])) / sum(rate({total}[{SHORT_RANGE}]))"
        ),
    }
    for record, expr in generic.items():
        lines += [
            f"  - record: {record}",
            f"    expr: {expr}",
            "    labels:",
            "      slo: repayment-errors",
        ]
    return "\n".join(lines) + "\n"
