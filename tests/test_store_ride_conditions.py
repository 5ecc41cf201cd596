"""The riding store's traps for whoever changes it next: the ride's conditions are
written in three places (collection.py `ingest`'s shortest path, riding.py `rides` and
`budget_rides`) and must agree; assigning `observed_at` ends a ride whole; a collection
with fewer readings than the last is never taken for the same keys again."""

from __future__ import annotations

import math
from itertools import product

import pytest

from oncall_tui.core.signals.facts import SloFacts
from oncall_tui.core.signals.model import Reading, Reason, Signal, SourceState, Status
from oncall_tui.core.signals.riding import budget_rides, rides, unride
from oncall_tui.core.signals.store import SignalStore

MAX_AGE = 10.0
T0 = 1_765_000_000.0

CASES = list(product((False, True), repeat=5))
"""Each of the conditions that keep a signal off the shortest path, on or off:
(its own sample time, a reason, a breach timer, a clear timer, left out of the last
answer)."""


def _store() -> SignalStore:
    store = SignalStore(clock=lambda: T0, history=50, events=10_000)
    store.add_source(SourceState("src", "demo", frozenset({"health"}), interval=1), max_age=MAX_AGE)
    return store


def _reading(key: str, own_time: bool, slo: bool = False) -> Reading:
    return Reading(
        key=key,
        kind="health",
        name=f"{key} errors",
        value=1.0,
        unit="burn_rate" if slo else "ratio",
        labels={"service": key},
        observed_at=T0 - 1 if own_time else None,
        slo=SloFacts(0.99, {"1m": 1.0}, 0.5, None, period=20_000.0) if slo else None,
    )


def _unsettle(signal: Signal, reason: bool, breach: bool, clear: bool, missing: bool) -> None:
    if missing:
        signal.missing_since = T0
    if reason:
        signal.reason = Reason.STALE
    if breach:
        signal.breach_since = {Status.CRITICAL: T0}
    if clear:
        signal.clear_since = {Status.OK: T0}


@pytest.mark.parametrize(("own_time", "reason", "breach", "clear", "missing"), CASES)
def test_the_three_ride_conditions_agree(
    own_time: bool, reason: bool, breach: bool, clear: bool, missing: bool
) -> None:
    """For every mix of the conditions, `ingest`'s shortest path, `rides` and
    `budget_rides` (for an SLO signal) answer alike: all take the signal exactly when
    none of the conditions holds. One changed without the others fails here."""
    plain = not (own_time or reason or breach or clear or missing)

    # `ingest`'s shortest path: the only one that marks the collection `sampled` when
    # every reading is looked at.
    store = _store()
    reading = _reading("a", own_time)
    store.apply("src", [reading], at=T0)
    _unsettle(store.signals["src/a"], reason, breach, clear, missing)
    update = store.begin_apply("src", [reading], at=T0 + 1)
    assert len(update.todo) == 1 and not update.sampled
    update.ingest(1)
    update.abandon()
    shortest = update.sampled

    store = _store()
    reading = _reading("a", own_time)
    store.apply("src", [reading], at=T0)
    signal = store.signals["src/a"]
    _unsettle(signal, reason, breach, clear, missing)
    ridden = rides(signal, reading, store._sources["src"].times)

    store = _store()
    reading = _reading("s", own_time, slo=True)
    for at in (T0, T0 + 1):
        store.apply("src", [reading], at=at)
    signal = store.signals["src/s"]
    unride(signal)
    _unsettle(signal, reason, breach, clear, missing)
    budget_ridden = budget_rides(signal, reading, store._sources["src"].times, T0 + 1) > -math.inf

    assert (shortest, ridden, budget_ridden) == (plain, plain, plain)


def _riding_store() -> tuple[SignalStore, list[Reading]]:
    store = _store()
    readings = [_reading(f"k{i}", own_time=False) for i in range(3)]
    for step in range(3):
        store.apply("src", readings, at=T0 + step)
    assert all(signal.ride is not None for signal in store.signals.values())
    return store, readings


def test_assigning_observed_at_ends_a_ride_so_no_sample_is_invented() -> None:
    """A riding signal whose `observed_at` is assigned stops riding whole: its history
    holds the ride's samples up to then and takes none from later collections it is
    not given (a history left riding would stand for a sample at each)."""
    store, readings = _riding_store()
    signal = store.signals["src/k0"]
    held = list(signal.history)
    assert len(held) == 3
    signal.observed_at = T0 + 2.5
    assert signal.ride is None and signal.observed_at == T0 + 2.5
    assert list(signal.history) == held
    for step in range(3, 6):  # the very same readings again: the layout skips them
        store.apply("src", readings, at=T0 + step)
    assert list(signal.history) == held
    assert len(store.signals["src/k1"].history) == 6  # its neighbours ride on


def test_a_shorter_collection_of_the_same_readings_retires_the_rest() -> None:
    """Last time's readings again, the last one left out: the layout's lists are cut
    to the new count, so whether the keys are the same must be read before the cut;
    the signal left out then leaves as any unreported one does (its last status held
    over one answer without it, retired at the next)."""
    store, readings = _riding_store()
    heard: list[set[str]] = []
    store.subscribe(lambda changed: heard.append(set(changed)))
    store.apply("src", readings[:2], at=T0 + 3)
    assert store.signals["src/k2"].missing_since == T0 + 3
    assert heard and "src/k2" not in heard[-1]
    store.apply("src", readings[:2], at=T0 + 4)
    assert "src/k2" in heard[-1]
    assert store.signals["src/k2"].status is Status.UNKNOWN
    assert store.signals["src/k0"].ride is not None


def test_assigning_observed_at_ends_an_slo_ride_as_unride_does() -> None:
    """A riding SLO signal's budget ring, once `observed_at` is assigned, holds what
    ending its ride the usual way (`unride`) leaves: its newest sample moved on to the
    ride's last collection."""
    rings = []
    for assign in (False, True):
        store = _store()
        reading = _reading("s", own_time=False, slo=True)
        for step in range(5):
            store.apply("src", [reading], at=T0 + step)
        signal = store.signals["src/s"]
        assert signal.ride is not None
        if assign:
            signal.observed_at = T0 + 4.5
        else:
            unride(signal)
        assert signal.ride is None
        rings.append((list(signal.history), list(signal.budget or [])))
    assert rings[0] == rings[1]
    assert rings[0][1][-1][0] == T0 + 4
