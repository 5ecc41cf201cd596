"""A slow answer and a missed one: what the store, and so the probable cause, makes of
them. A board whose source answers late, or leaves a series out of one answer, must
not name another cause for that moment (tests/test_e2e_steady_cause.py shows both
against a real Prometheus).

The store's clock is set by hand: the collection starts at `asked`, its answer is
taken in at `at`, and the readings are dated as Prometheus dates them, at the
evaluation time (the start of the collection).
"""

from __future__ import annotations

from clock_support import FakeClock
from oncall_tui.core.signals.model import Reading, Reason, SourceState, Status, Thresholds
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import store_diagnosis
from oncall_tui.core.triage.topology import Topology

T0 = 1_800_000_000.0
INTERVAL = 1.0
"""Polled every second: stale past 2 s (DESIGN)."""
TIMEOUT = 3.0
TOPOLOGY = Topology({"risk-engine": ["credit-bureau"]})


def _store() -> tuple[SignalStore, FakeClock]:
    clock = FakeClock(T0)
    store = SignalStore(clock=clock, history=50, events=50)
    store.add_source(SourceState("prom", "prometheus", frozenset(), interval=INTERVAL))
    return store, clock


def _answer(asked: float, *, bureau: bool = True) -> list[Reading]:
    """The cascade as a Prometheus answer evaluated at `asked`: the bureau down (its
    series left out with `bureau=False`), the risk engine failing because of it."""
    readings = [
        Reading(
            key="risk-engine errors",
            kind="health",
            name="risk-engine errors",
            component="risk-engine",
            value=0.2,
            unit="ratio",
            thresholds=Thresholds(warning=0.02, critical=0.05),
            observed_at=asked,
        )
    ]
    if bureau:
        readings.append(
            Reading(
                key="credit-bureau up",
                kind="dependency",
                name="credit-bureau",
                component="credit-bureau",
                value=0.0,
                unit="bool",
                thresholds=Thresholds(critical=0.5, below=True),
                observed_at=asked,
            )
        )
    return readings


def _collect(store: SignalStore, clock: FakeClock, asked: float, took: float, **kw: bool) -> None:
    """One collection as the engine runs it: started at `asked`, answered `took` later."""
    clock.now = asked
    store.collecting("prom", TIMEOUT)
    clock.now = asked + took
    store.apply("prom", _answer(asked, **kw))


def _cause(store: SignalStore) -> list[str]:
    return [c.component for c in store_diagnosis(store, TOPOLOGY, 3600.0).causes]


def _bureau(store: SignalStore) -> tuple[Status, Reason | None]:
    signal = store.signals["prom/credit-bureau up"]
    return signal.status, signal.reason


def test_answers_slower_than_the_interval_keep_the_data_fresh() -> None:
    """Each answer takes 1.3 s of a 1 s interval: the data of one is 2.3 s old when the
    next comes. Before, the sweep turned it stale meanwhile, and the next answer's data
    (dated at its evaluation) arrived stale too: the bureau unknown, the cause the risk
    engine it breaks."""
    store, clock = _store()
    _collect(store, clock, T0, 0.2)
    assert _cause(store) == ["credit-bureau"]
    asked = T0 + INTERVAL
    for _ in range(5):
        clock.now = asked
        store.collecting("prom", TIMEOUT)
        for late in (0.5, 1.0, 1.3):  # the answer on its way, the sweep running
            clock.now = asked + late
            store.sweep()
            assert _bureau(store) == (Status.CRITICAL, None)
            assert _cause(store) == ["credit-bureau"]
        store.apply("prom", _answer(asked))
        assert _bureau(store) == (Status.CRITICAL, None)
        asked += 1.3


def test_a_source_that_stops_answering_still_turns_stale() -> None:
    """An answer on its way holds the sweep only until the collection's deadline; a
    source not asked at all is judged by its data's age as ever."""
    store, clock = _store()
    _collect(store, clock, T0, 0.1)
    clock.now = T0 + 1.0
    store.collecting("prom", TIMEOUT)  # it never answers, and nothing says it failed
    clock.now = T0 + 1.0 + TIMEOUT + 0.1
    store.sweep()
    assert _bureau(store) == (Status.UNKNOWN, Reason.STALE)
    store, clock = _store()
    _collect(store, clock, T0, 0.1)
    clock.now = T0 + 2.5
    store.sweep()
    assert _bureau(store) == (Status.UNKNOWN, Reason.STALE)
    # An answer whose own samples are old (a cache) is stale whatever it took.
    clock.now = T0 + 3.0
    store.collecting("prom", TIMEOUT)
    clock.now = T0 + 3.2
    store.apply("prom", _answer(T0 - 0.5))
    assert _bureau(store) == (Status.UNKNOWN, Reason.STALE)


def test_one_answer_without_the_bureau_keeps_the_cause() -> None:
    """After one failed scrape Prometheus has no `dependency_up` until the next one.
    Before, that one answer made the bureau unknown and the cause the risk engine; a
    second answer without it is news, and says so."""
    store, clock = _store()
    _collect(store, clock, T0, 0.2)
    _collect(store, clock, T0 + 1, 0.2, bureau=False)
    assert _bureau(store) == (Status.CRITICAL, None)
    assert _cause(store) == ["credit-bureau"]
    clock.now = T0 + 1.9
    store.sweep()  # left to the next answer
    assert _cause(store) == ["credit-bureau"]
    _collect(store, clock, T0 + 2, 0.2)  # back
    assert _bureau(store) == (Status.CRITICAL, None)
    assert store.signals["prom/credit-bureau up"].missing_since is None

    _collect(store, clock, T0 + 3, 0.2, bureau=False)
    _collect(store, clock, T0 + 4, 0.2, bureau=False)
    assert _bureau(store) == (Status.UNKNOWN, Reason.NO_DATA)
    diagnosis = store_diagnosis(store, TOPOLOGY, 3600.0)
    assert [(c.component, c.unseen) for c in diagnosis.causes] == [
        ("risk-engine", ("credit-bureau",))
    ]


def test_a_missed_series_then_a_failure_is_a_source_error() -> None:
    store, clock = _store()
    _collect(store, clock, T0, 0.2)
    _collect(store, clock, T0 + 1, 0.2, bureau=False)
    clock.now = T0 + 2.5
    store.fail("prom", "connection refused")
    assert _bureau(store) == (Status.UNKNOWN, Reason.SOURCE_ERROR)
