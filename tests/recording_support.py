"""What the recording tests share: a header, a clock moved by hand, a live session
recorded as the engine would, and a cascade (a dependency down, its symptoms after it)
written as a recording."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from clock_support import FakeClock
from oncall_tui.core.recording import Header, Recorder
from oncall_tui.core.signals.model import Reading, SourceState, Thresholds
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.sources.runbook import Runbook

HEADER = Header(title="drill", started_at=1000.0, topology={"a": ["b"]}, change_window=600.0)

RULE = Thresholds(warning=0.05, critical=0.2)


def live_session(path: Path) -> SignalStore:
    """A store fed for a minute of a small incident, recorded to `path`."""
    clock = FakeClock()
    store = SignalStore(clock=clock, history=50, events=100)
    store.add_source(SourceState("prom", "prometheus", frozenset({"risk_rule"}), interval=5))
    recorder = Recorder(store, path, HEADER)
    rule = Reading(
        key="velocity",
        kind="risk_rule",
        name="paylater/velocity",
        unit="ratio",
        thresholds=RULE,
        component="velocity",
        runbook=Runbook.link("https://runbooks.example.com/risk/velocity"),
    )
    deploy = Reading(key="edit", kind="change", name="velocity edited", component="velocity")
    for step, value in enumerate([0.01, 0.01, 0.3, 0.4, 0.1, 0.01]):
        clock.now = 1000.0 + 10 * step
        readings = [replace(rule, value=value), replace(deploy, value=1015.0)]
        store.apply("prom", readings)
    clock.now = 1070.0
    store.fail("prom", "connection refused")
    recorder.close()
    return store


def cascade_recording(path: Path) -> None:
    """The bureau fails, the loan service follows, both recover; a bureau config reload
    came just before."""
    clock = FakeClock()
    store = SignalStore(clock=clock, history=20)
    store.add_source(SourceState("prom", "prometheus", frozenset({"health"}), interval=10))
    header = Header("payments", 1000.0, {"loan-api": ["credit-bureau"]}, 600.0)
    recorder = Recorder(store, path, header)
    ratio = Thresholds(warning=0.02, critical=0.05)
    bureau = Reading(
        key="b",
        kind="dependency",
        name="credit-bureau errors",
        unit="ratio",
        component="credit-bureau",
        thresholds=ratio,
    )
    loan = Reading(
        key="l",
        kind="health",
        name="loan-api errors",
        unit="ratio",
        component="loan-api",
        thresholds=ratio,
    )
    reload = Reading(
        key="c",
        kind="change",
        name="credit-bureau config reloaded",
        component="credit-bureau",
        value=990.0,
    )
    for at, b, loan_value in [
        (1000, 0.0, 0.0),
        (1010, 0.3, 0.0),
        (1020, 0.3, 0.2),
        (1030, 0.0, 0.0),
    ]:
        clock.now = float(at)
        store.apply("prom", [replace(bureau, value=b), replace(loan, value=loan_value), reload])
    recorder.close()
