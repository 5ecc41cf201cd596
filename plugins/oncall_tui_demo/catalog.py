"""The simulated platform: which signals exist, their normal levels and thresholds, and
which incident hits which of them.

Everything here is decided once, when the source starts, so a collection only moves
numbers. Names are those of a pay-later wallet and a cash-loan product sharing one risk
engine; past the named ones, names repeat with a suffix (`pay-api-2`).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from oncall_tui.plugin import Kind, Runbook, Thresholds, Unit
from oncall_tui_demo.config import DemoConfig
from oncall_tui_demo.runbooks import runbook
from oncall_tui_demo.scenario import IncidentKind

Metric = Literal["errors", "latency", "hit_rate", "availability", "dependency_latency"]

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

# Thresholds are shared objects: thousands of signals, a handful of policies.
ERRORS = Thresholds(warning=0.02, critical=0.05)
LATENCY = Thresholds(warning=0.5, critical=1.0)
HIT_RATE = Thresholds(warning=0.05, critical=0.2)
AVAILABILITY = Thresholds(warning=0.99, critical=0.95, below=True)
DEPENDENCY_LATENCY = Thresholds(warning=1.0, critical=2.5)

# How widely each family wanders when calm (log-scale spread of one standard
# deviation). With the walk clamped at 3.5 deviations and the normal levels drawn below,
# a calm value can reach warning now and then but never critical; tests hold this.
SPREAD: Mapping[Metric, float] = {
    "errors": 0.45,
    "latency": 0.3,
    "hit_rate": 0.25,
    "availability": 0.5,
    "dependency_latency": 0.3,
}

# Level at full incident strength, in walk space (unavailability for availability).
OVERLOAD_ERRORS = 0.09
OVERLOAD_LATENCY = 2.2
RULE_SPIKE = 0.32
OUTAGE_UNAVAILABILITY = 0.35
OUTAGE_LATENCY = 4.5
KNOCK_ON_LATENCY = 0.7
"""loan-api waits on the bureau: slow enough to warn, not critical, so the worst signal
on the board is still the cause and not the symptom."""

OVERLOAD_TARGETS = ("pay-api", "checkout-web")
RULE_TARGET = "paylater/device-fingerprint"
OUTAGE_TARGET = "credit-bureau"
KNOCK_ON_TARGET = "loan-api"


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
    baseline: float | None = None
    """Shown as the reading's baseline (a rule's normal hit rate)."""
    incident: IncidentKind | None = None
    """The incident that moves this signal, if any."""
    target: float = 0.0
    """Walk-space level at full incident strength."""
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
    for index, service in names:
        product = SERVICES[index][1]
        labels = {"service": service, "product": product, "env": "demo"}
        selector = f'service="{service}"'
        overload = service in overloaded
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
            incident="overload" if overload else None,
            target=OVERLOAD_ERRORS,
        )
        knock_on = service == KNOCK_ON_TARGET and bool(outage)
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
            incident="overload" if overload else "dependency" if knock_on else None,
            target=OVERLOAD_LATENCY if overload else KNOCK_ON_LATENCY,
            cause=outage if knock_on else "",
        )


def _rules(count: int, rng: random.Random) -> Iterator[SignalSpec]:
    pairs = [(rule, product) for rule, _ in RULES for product in PRODUCTS]
    names = _names([f"{product}/{rule}" for rule, product in pairs], count)
    spiking = _targets(names, [RULE_TARGET])
    for index, name in names:
        product, rule = name.split("/", 1)
        normal = RULES[index // len(PRODUCTS)][1] * rng.uniform(0.8, 1.2)
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
            incident="risk_rule" if name in spiking else None,
            target=RULE_SPIKE,
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
            incident="dependency" if down else None,
            target=OUTAGE_UNAVAILABILITY,
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
            incident="dependency" if down else None,
            target=OUTAGE_LATENCY,
            cause=dependency,
        )


def build(config: DemoConfig, rng: random.Random) -> list[SignalSpec]:
    """Every signal of the simulated platform, in panel order."""
    dependencies = _names([name for name, _ in DEPENDENCIES], config.dependencies)
    outage = min(_targets(dependencies, [OUTAGE_TARGET]), default="")
    return [
        *_services(config.services, outage, rng),
        *_rules(config.rules, rng),
        *_dependencies(dependencies, rng),
    ]
