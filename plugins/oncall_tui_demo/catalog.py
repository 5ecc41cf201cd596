"""The simulated platform: which signals exist, their normal levels and thresholds, and
which incident hits which of them.

Everything here is decided once, when the source starts, so a collection only moves
numbers. Names are those of a pay-later wallet and a cash-loan product sharing one risk
engine; past the named ones, names repeat with a suffix (`pay-api-2`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from oncall_tui.plugin import RECOVER_FOR, Kind, Runbook, Thresholds, Unit
from oncall_tui_demo.config import DemoConfig
from oncall_tui_demo.runbooks import runbook
from oncall_tui_demo.scenario import IncidentKind

Metric = Literal["errors", "latency", "hit_rate", "availability", "dependency_latency", "business"]

SERVICES: tuple[tuple[str, str], ...] = (
    ("pay-api", "paylater"),
    ("loan-api", "cashloan"),
    ("repayment-api", "shared"),
    ("checkout-web", "paylater"),
    ("wallet-api", "paylater"),
    ("limit-service", "shared"),
    ("disbursement-api", "cashloan"),
    ("risk-engine", "shared"),
    ("kyc-service", "shared"),
    ("statement-service", "shared"),
)
"""(service, product it serves); `shared` serves both products."""

PRODUCTS: tuple[str, ...] = ("paylater", "cashloan")

RULES: tuple[tuple[str, float], ...] = (
    ("velocity-check", 0.022),
    ("device-fingerprint", 0.012),
    ("credit-limit", 0.02),
    ("geo-mismatch", 0.006),
    ("blacklist-match", 0.002),
    ("income-verification", 0.015),
    ("multi-account", 0.004),
    ("bin-country", 0.008),
)
"""(rule, share of decisions it normally blocks). Rules differ by an order of magnitude
in normal hit rate, which is why the board shows each one against its own baseline."""

DEPENDENCIES: tuple[tuple[str, float], ...] = (
    ("payment-gateway", 0.18),
    ("credit-bureau", 0.35),
    ("sms-otp", 0.12),
    ("bank-core", 0.25),
)
"""(dependency, its normal p99 latency in seconds)."""

BUSINESS: tuple[tuple[str, str, str, Unit, float, Thresholds], ...] = (
    # (key, name, component, unit, usual level, thresholds)
    (
        "biz/pay-success",
        "pay success rate",
        "paylater",
        "ratio",
        0.992,
        Thresholds(warning=0.97, critical=0.9, below=True, recover_seconds=RECOVER_FOR),
    ),
    (
        "biz/loan-approvals",
        "loan approvals per minute",
        "cashloan",
        "count",
        120.0,
        Thresholds(warning=80.0, critical=40.0, below=True, recover_seconds=RECOVER_FOR),
    ),
    (
        "biz/repayments",
        "repayment volume per minute",
        "repayment",
        "count",
        46_000.0,
        Thresholds(warning=30_000.0, critical=15_000.0, below=True, recover_seconds=RECOVER_FOR),
    ),
)
"""User-facing indicators: are users affected, and how much? Each is shown against its
usual level (the reading's baseline)."""

BUSINESS_IMPACT: Mapping[str, Mapping[IncidentKind, float]] = {
    # Value at full incident strength: failure share for the success rate, the level
    # itself for the others.
    "biz/pay-success": {"overload": 0.2, "risk_rule": 0.29},
    "biz/loan-approvals": {"dependency": 30.0, "cascade": 12.0},
    "biz/repayments": {"overload": 38_000.0},
}
"""How each incident moves each business signal: the overload and the rule spike cost
pay-later payments (a dip in repayments through the same checkout), a bureau outage
costs loan approvals."""

# Thresholds are shared objects: thousands of signals, a handful of policies.
ERRORS = Thresholds(warning=0.02, critical=0.05, recover_seconds=RECOVER_FOR)
LATENCY = Thresholds(warning=0.5, critical=1.0, recover_seconds=RECOVER_FOR)
HIT_RATE = Thresholds(warning=0.05, critical=0.2, recover_seconds=RECOVER_FOR)
AVAILABILITY = Thresholds(warning=0.99, critical=0.95, below=True, recover_seconds=RECOVER_FOR)
DEPENDENCY_LATENCY = Thresholds(warning=1.0, critical=2.5, recover_seconds=RECOVER_FOR)

# How widely each family wanders when calm (log-scale spread of one standard
# deviation). With the walk clamped at 3.5 deviations and the normal levels drawn below,
# a calm value can reach warning now and then but never critical; tests hold this.
SPREAD: Mapping[Metric, float] = {
    "errors": 0.45,
    "latency": 0.3,
    "hit_rate": 0.25,
    "availability": 0.5,
    "dependency_latency": 0.3,
    "business": 0.08,
}
BUSINESS_FAILURE_SPREAD = 0.3
"""The success rate wanders in its failure share (0.8% usual), like availability."""

# Level at full incident strength, in walk space (unavailability for availability).
OVERLOAD_ERRORS = 0.09
OVERLOAD_LATENCY = 2.2
RULE_SPIKE = 0.32
OUTAGE_UNAVAILABILITY = 0.35
OUTAGE_LATENCY = 4.5
KNOCK_ON_LATENCY = 0.7
"""loan-api waits on the bureau: slow enough to warn, not critical, so the worst signal
on the board is still the cause and not the symptom."""
CASCADE_UNAVAILABILITY = 0.12
"""In the cascade the bureau fails one call in eight: critical, yet quieter than..."""
CASCADE_ERRORS = 0.14
CASCADE_LATENCY = 1.6
CASCADE_RULE = 0.45
"""... its symptoms: loan-api erroring and slow, and the credit-limit rule refusing
nearly half the loan decisions because it fails closed without bureau data."""

OVERLOAD_TARGETS = ("pay-api", "checkout-web")
RULE_TARGET = "paylater/device-fingerprint"
OUTAGE_TARGET = "credit-bureau"
KNOCK_ON_TARGET = "loan-api"
CANARY_TARGET = "repayment-api"
"""The service whose new release is the canary phase's."""
CANARY_SERVICE_ERRORS = 0.016
"""repayment-api as a whole while 5% of its traffic fails at 30%: under its warning
(2%), so only the canary verdict sees the bad release."""
FAIL_CLOSED_TARGET = "cashloan/credit-limit"


@dataclass(frozen=True, slots=True)
class SignalSpec:
    """Everything about one simulated signal that does not change between collections."""

    key: str
    kind: Kind
    name: str
    metric: Metric
    unit: Unit
    labels: Mapping[str, str]
    thresholds: Thresholds
    runbook: Runbook
    query: str
    level: float
    """Normal level in walk space; the calm value wanders around it."""
    spread: float
    inverted: bool
    """True when the walk is the complement of the value (walk unavailability, show
    availability), so a multiplicative walk works near 100%."""
    component: str = ""
    """What the signal is about, for the probable cause: a service, a rule, a
    dependency, a product."""
    baseline: float | None = None
    """Shown as the reading's baseline (a rule's normal hit rate, a business signal's
    usual level)."""
    incidents: Mapping[IncidentKind, float] = field(default_factory=dict)
    """The incidents that move this signal, each with the walk-space level it reaches
    at full strength."""
    cause: str = ""
    """What the incident hint names (the failing dependency for a knock-on)."""


def _names(base: Sequence[str], count: int) -> list[tuple[int, str]]:
    """(index into `base`, name) for `count` names: the base names, then `name-2`, ..."""
    names = []
    for n in range(count):
        round_, index = divmod(n, len(base))
        names.append((index, base[index] if round_ == 0 else f"{base[index]}-{round_ + 1}"))
    return names


def _targets(names: Sequence[tuple[int, str]], wanted: Sequence[str]) -> frozenset[str]:
    """The wanted incident targets that exist, else the first signal of the family: a
    small demo (`rules = 2`) still shows every kind of incident."""
    present = {name for _, name in names}
    found = frozenset(name for name in wanted if name in present)
    if found or not names:
        return found
    return frozenset({names[0][1]})


def _services(count: int, outage: str, rng: random.Random) -> Iterator[SignalSpec]:
    names = _names([name for name, _ in SERVICES], count)
    overloaded = _targets(names, OVERLOAD_TARGETS)
    knocked = _targets(names, [KNOCK_ON_TARGET])
    for index, service in names:
        product = SERVICES[index][1]
        labels = {"service": service, "product": product, "env": "demo"}
        selector = f'service="{service}"'
        overload = service in overloaded
        knock_on = service in knocked and bool(outage)
        errors: dict[IncidentKind, float] = {"overload": OVERLOAD_ERRORS} if overload else {}
        latency: dict[IncidentKind, float] = {"overload": OVERLOAD_LATENCY} if overload else {}
        if service == CANARY_TARGET:
            errors["canary"] = CANARY_SERVICE_ERRORS
        if knock_on:
            errors["cascade"] = CASCADE_ERRORS
            latency["dependency"] = KNOCK_ON_LATENCY
            latency["cascade"] = CASCADE_LATENCY
        yield SignalSpec(
            key=f"svc/{service}/errors",
            kind="health",
            name=f"{service} error ratio",
            metric="errors",
            unit="ratio",
            labels=labels,
            thresholds=ERRORS,
            runbook=runbook("service-errors"),
            query=(
                f'sum(rate(http_requests_total{{{selector},code=~"5.."}}[1m]))'
                f" / sum(rate(http_requests_total{{{selector}}}[1m]))"
            ),
            level=rng.uniform(0.001, 0.006),
            spread=SPREAD["errors"],
            inverted=False,
            component=service,
            incidents=errors,
            cause=outage if knock_on else "",
        )
        yield SignalSpec(
            key=f"svc/{service}/latency",
            kind="health",
            name=f"{service} p99 latency",
            metric="latency",
            unit="seconds",
            labels=labels,
            thresholds=LATENCY,
            runbook=runbook("service-latency"),
            query=(
                "histogram_quantile(0.99, sum by (le) "
                f"(rate(http_request_duration_seconds_bucket{{{selector}}}[5m])))"
            ),
            level=rng.uniform(0.08, 0.25),
            spread=SPREAD["latency"],
            inverted=False,
            component=service,
            incidents=latency,
            cause=outage if knock_on else "",
        )


def _rules(count: int, rng: random.Random) -> Iterator[SignalSpec]:
    pairs = [(rule, product) for rule, _ in RULES for product in PRODUCTS]
    names = _names([f"{product}/{rule}" for rule, product in pairs], count)
    spiking = _targets(names, [RULE_TARGET])
    failing_closed = _targets(names, [FAIL_CLOSED_TARGET])
    for index, name in names:
        product, rule = name.split("/", 1)
        normal = RULES[index // len(PRODUCTS)][1] * rng.uniform(0.8, 1.2)
        incidents: dict[IncidentKind, float] = {}
        if name in spiking:
            incidents["risk_rule"] = RULE_SPIKE
        if name in failing_closed:
            incidents["cascade"] = CASCADE_RULE
        yield SignalSpec(
            key=f"rule/{name}",
            kind="risk_rule",
            name=name,
            metric="hit_rate",
            unit="ratio",
            labels={"product": product, "rule": rule, "env": "demo"},
            thresholds=HIT_RATE,
            runbook=runbook("risk-rule-spike"),
            query=(
                f'sum(rate(risk_rule_hits_total{{product="{product}",rule="{rule}"}}[1m]))'
                f' / sum(rate(risk_decisions_total{{product="{product}"}}[1m]))'
            ),
            level=normal,
            spread=SPREAD["hit_rate"],
            inverted=False,
            baseline=normal,
            component=name,
            incidents=incidents,
            cause=OUTAGE_TARGET if name in failing_closed else "",
        )


def _dependencies(names: Sequence[tuple[int, str]], rng: random.Random) -> Iterator[SignalSpec]:
    failing = _targets(names, [OUTAGE_TARGET])
    for index, dependency in names:
        family = DEPENDENCIES[index][0]
        labels = {"dependency": dependency, "env": "demo"}
        selector = f'dependency="{dependency}"'
        down = dependency in failing
        yield SignalSpec(
            key=f"dep/{dependency}/availability",
            kind="dependency",
            name=f"{dependency} availability",
            metric="availability",
            unit="ratio",
            labels=labels,
            thresholds=AVAILABILITY,
            runbook=runbook(family),
            query=(
                f'sum(rate(dependency_requests_total{{{selector},outcome="ok"}}[1m]))'
                f" / sum(rate(dependency_requests_total{{{selector}}}[1m]))"
            ),
            level=rng.uniform(0.0002, 0.002),
            spread=SPREAD["availability"],
            inverted=True,
            component=dependency,
            incidents=(
                {"dependency": OUTAGE_UNAVAILABILITY, "cascade": CASCADE_UNAVAILABILITY}
                if down
                else {}
            ),
            cause=dependency,
        )
        yield SignalSpec(
            key=f"dep/{dependency}/latency",
            kind="dependency",
            name=f"{dependency} p99 latency",
            metric="dependency_latency",
            unit="seconds",
            labels=labels,
            thresholds=DEPENDENCY_LATENCY,
            runbook=runbook(family),
            query=(
                "histogram_quantile(0.99, sum by (le) "
                f"(rate(dependency_request_duration_seconds_bucket{{{selector}}}[5m])))"
            ),
            level=DEPENDENCIES[index][1] * rng.uniform(0.8, 1.2),
            spread=SPREAD["dependency_latency"],
            inverted=False,
            component=dependency,
            incidents={"dependency": OUTAGE_LATENCY} if down else {},
            cause=dependency,
        )


def _business() -> Iterator[SignalSpec]:
    for key, name, component, unit, usual, thresholds in BUSINESS:
        ratio = unit == "ratio"
        impact = BUSINESS_IMPACT[key]
        yield SignalSpec(
            key=key,
            kind="business",
            name=name,
            metric="business",
            unit=unit,
            labels={"product": component, "env": "demo"},
            thresholds=thresholds,
            runbook=runbook("business-impact"),
            query=_BUSINESS_QUERIES[key],
            level=1.0 - usual if ratio else usual,
            spread=BUSINESS_FAILURE_SPREAD if ratio else SPREAD["business"],
            inverted=ratio,
            component=component,
            baseline=usual,
            incidents=impact,
        )


_BUSINESS_QUERIES = {
    "biz/pay-success": (
        'sum(rate(payments_total{product="paylater",outcome="success"}[5m]))'
        ' / sum(rate(payments_total{product="paylater"}[5m]))'
    ),
    "biz/loan-approvals": 'sum(rate(loan_decisions_total{outcome="approved"}[5m])) * 60',
    "biz/repayments": "sum(rate(repayment_amount_total[5m])) * 60",
}


def build(config: DemoConfig, rng: random.Random) -> list[SignalSpec]:
    """Every signal of the simulated platform, in panel order: the impact first."""
    dependencies = _names([name for name, _ in DEPENDENCIES], config.dependencies)
    outage = min(_targets(dependencies, [OUTAGE_TARGET]), default="")
    return [
        *_business(),
        *_services(config.services, outage, rng),
        *_rules(config.rules, rng),
        *_dependencies(dependencies, rng),
    ]
