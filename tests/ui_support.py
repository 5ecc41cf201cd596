"""Shared fixtures of the UI tests: stores in known states, built by hand.

Deterministic by construction: a frozen clock, fixed readings, no engine running. The
module has no tests of its own (pytest collects only `test_*.py`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from textual.geometry import Region
from textual.widget import Widget

from oncall_tui.core.config.loader import AppConfig
from oncall_tui.core.engine import Engine
from oncall_tui.core.signals.model import Kind, Reading, SourceState, Status, Thresholds, Unit
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.registry import PluginRegistry
from oncall_tui.core.sources.runbook import Runbook
from oncall_tui.ui.app import OncallApp
from oncall_tui.ui.screens.dashboard import DashboardScreen

T0 = 1_764_000_000.0
"""2025-11-24 16:00:00 UTC: the frozen 'now' of every UI test."""

RUNBOOK_FILE = Path(__file__).resolve().parent / "data" / "runbooks" / "loan-api-errors.md"
ALERT_RUNBOOK = "https://runbooks.example.com/lending/loan-api-5xx"
RATIO = Thresholds(warning=0.02, critical=0.05)
LATENCY = Thresholds(warning=0.3, critical=1.0)
AVAILABILITY = Thresholds(warning=0.99, critical=0.95, below=True)
HIT_RATE = Thresholds(warning=0.05, critical=0.2)


def reading(
    key: str,
    kind: Kind,
    name: str,
    value: float | None,
    unit: Unit = "ratio",
    thresholds: Thresholds | None = RATIO,
    *,
    summary: str = "",
    baseline: float | None = None,
    runbook: Runbook | None = None,
    labels: dict[str, str] | None = None,
    component: str = "",
) -> Reading:
    return Reading(
        key=key,
        kind=kind,
        name=name,
        value=value,
        unit=unit,
        thresholds=thresholds,
        summary=summary,
        baseline=baseline,
        runbook=runbook,
        labels=labels or {},
        component=component,
    )


def demo_readings(incident: str = "none", step: int = 0) -> list[Reading]:
    """A small credit platform; `incident` decides what is wrong, `step` nudges values."""
    bump = step * 0.001
    overload = incident == "critical"
    readings = [
        reading("pay-api/errors", "health", "pay-api error ratio", 0.004 + bump),
        reading("pay-api/p99", "health", "pay-api p99 latency", 0.12, "seconds", LATENCY),
        reading(
            "loan-api/errors",
            "health",
            "loan-api error ratio",
            0.083 if overload else 0.006 + bump,
            runbook=Runbook.file(RUNBOOK_FILE),
            labels={"service": "loan-api", "team": "lending"},
        ),
        reading(
            "loan-api/p99",
            "health",
            "loan-api p99 latency",
            1.8 if overload else 0.21,
            "seconds",
            LATENCY,
        ),
        reading("wallet-api/errors", "health", "wallet-api error ratio", 0.025),
        reading("risk-engine/p99", "health", "risk-engine p99 latency", 0.09, "seconds", LATENCY),
        reading(
            "rule/velocity",
            "risk_rule",
            "paylater/velocity-check",
            0.31 if overload else 0.021,
            thresholds=HIT_RATE,
            baseline=0.02,
            runbook=Runbook.text("ask #risk-policy; see the rule's change log"),
        ),
        reading("rule/limit", "risk_rule", "cashloan/credit-limit", 0.034, thresholds=HIT_RATE),
        reading(
            "rule/device", "risk_rule", "paylater/device-fingerprint", 0.011, thresholds=HIT_RATE
        ),
        reading(
            "dep/bureau",
            "dependency",
            "credit-bureau availability",
            0.91 if overload else 0.999,
            thresholds=AVAILABILITY,
            runbook=Runbook.link("https://runbooks.example.com/deps/credit-bureau"),
        ),
        reading(
            "dep/gateway",
            "dependency",
            "payment-gateway availability",
            0.998,
            thresholds=AVAILABILITY,
        ),
        reading("dep/sms", "dependency", "sms-otp p99 latency", 0.45, "seconds", LATENCY),
    ]
    return readings


ALL_KINDS: frozenset[Kind] = frozenset({"health", "risk_rule", "dependency"})


def make_store(
    state: str = "ok",
    *,
    readings: Sequence[Reading] | None = None,
    extra_sources: Iterable[SourceState] = (),
    history: int = 0,
) -> SignalStore:
    """A store in one of the board's states: ok, critical, stale, error. `history`
    collections 30 s apart come first (values wobbling, the incident in the last six),
    so sparklines, charts and the event timeline have something to show."""
    store = SignalStore(clock=lambda: T0)
    store.add_source(
        SourceState(name="demo", plugin="demo", kinds=ALL_KINDS, interval=5), max_age=10
    )
    store.add_source(
        SourceState(name="alerts", plugin="alertmanager", kinds=frozenset({"alert"}), interval=5)
    )
    for source in extra_sources:
        store.add_source(source)
    incident = "critical" if state == "critical" else "none"
    first = T0 - 30 if state == "stale" else T0 - 2
    if readings is None:
        for step in range(history):
            past = incident if step >= history - 6 else "none"
            at = first - (history - step) * 30
            store.apply("demo", wobbled(demo_readings(past), step), at=at)
    store.apply(
        "demo", list(readings if readings is not None else demo_readings(incident)), at=first
    )
    alerts: list[Reading] = []
    if state == "critical":
        alerts.append(
            Reading(
                key="LoanApiErrors",
                kind="alert",
                name="LoanApiErrors",
                status=Status.CRITICAL,
                summary="loan-api 5xx above 5% for 2m",
                runbook=Runbook.link(ALERT_RUNBOOK),
            )
        )
    store.apply("alerts", alerts, at=first)
    if state == "stale":
        store.sweep(at=T0)
    if state == "error":
        store.fail("alerts", "cannot connect to 127.0.0.1:9093 (connection refused)", at=T0 - 1)
        store.fail("demo", "timed out after 3s", at=T0 - 1)
    return store


def wobbled(readings: Sequence[Reading], step: int) -> list[Reading]:
    """Deterministic drift: each value moved by up to ±8%, ratios kept within 0..1."""
    out = []
    for index, old in enumerate(readings):
        if old.value is None:
            out.append(old)
            continue
        value = old.value * (1 + 0.08 * math.sin(step * 0.9 + index))
        if old.unit == "ratio":
            value = min(value, 1.0 if old.value < 0.99 else 0.9999)
        out.append(replace(old, value=value))
    return out


def make_engine(store: SignalStore, title: str = "Credit payments on-call") -> Engine:
    config = AppConfig(title=title, refresh=5.0, sources=[], config_dir=Path("."))
    return Engine(config, registry=PluginRegistry(), store=store)


def make_app(store: SignalStore, *, read_only: bool = False) -> OncallApp:
    return OncallApp(make_engine(store), read_only=read_only, clock=lambda: T0, start_engine=False)


@dataclass(frozen=True)
class Refresh:
    """One `refresh` asked of a watched widget."""

    widget: str
    regions: tuple[Region, ...]
    layout: bool

    @property
    def whole(self) -> bool:
        return not self.regions


@contextmanager
def refreshes(widgets: Mapping[str, Widget]) -> Iterator[list[Refresh]]:
    """Every `refresh` asked of `widgets` (by the names given) while inside."""
    calls: list[Refresh] = []
    originals = {name: widget.refresh for name, widget in widgets.items()}

    def spy(name: str) -> Any:
        def refresh(*regions: Region, **kw: Any) -> Any:
            calls.append(Refresh(name, regions, bool(kw.get("layout", False))))
            return originals[name](*regions, **kw)

        return refresh

    for name, widget in widgets.items():
        widget.refresh = spy(name)  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        for name, widget in widgets.items():
            widget.refresh = originals[name]  # type: ignore[method-assign]


def board_update_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How often the board's coalesced update has run since (one count in a list),
    whether it updated the panels or held them (paused, or covered by a detail). A test
    that asserts a held board did not change first waits for a run: a pause of fixed
    length could end, on a loaded machine, before any update had the chance to."""
    runs = [0]
    original = DashboardScreen._sync_from_timer

    async def counted(self: DashboardScreen) -> None:
        try:
            await original(self)
        finally:
            runs[0] += 1

    monkeypatch.setattr(DashboardScreen, "_sync_from_timer", counted)
    return runs
