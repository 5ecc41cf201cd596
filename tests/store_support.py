"""What the signal store's tests share: a store with one prometheus source on a
frozen clock, and a risk-rule reading with warning and critical limits."""

from oncall_tui.core.signals.model import Reading, SourceState, Thresholds
from oncall_tui.core.signals.store import SignalStore


def prom_store(*, transient: bool = False) -> SignalStore:
    store = SignalStore(clock=lambda: 0.0, history=50, events=20)
    store.add_source(
        SourceState("prom", "prometheus", frozenset({"risk_rule"}), interval=5),
        transient=transient,
    )
    return store


def rule_reading(value: float | None, key: str = "velocity", **kw: object) -> Reading:
    return Reading(
        key=key,
        kind="risk_rule",
        name=f"paylater/{key}",
        value=value,
        unit="ratio",
        thresholds=Thresholds(warning=0.05, critical=0.2),
        **kw,  # type: ignore[arg-type]
    )
