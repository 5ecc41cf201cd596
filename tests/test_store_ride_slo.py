"""An SLO signal whose source hands back the very same reading rides its source's
collections between its budget ring's samples: its history, freshness, burn rate and
budget ring (the newest sample moving on with each collection, a new one every
`budget_spacing`) read exactly as when every collection was taken in whole."""

from __future__ import annotations

import random
from dataclasses import replace
from itertools import pairwise

import pytest

from oncall_tui.core.signals.facts import SloFacts
from oncall_tui.core.signals.history import History
from oncall_tui.core.signals.model import Reading, Signal, SourceState, Status
from oncall_tui.core.signals.store import SignalStore

MAX_AGE = 10.0
T0 = 1_765_000_000.0
PERIOD = 20_000.0
"""An SLO period whose budget ring keeps a sample every 20 s (`budget_spacing`)."""


def _store() -> tuple[SignalStore, list[set[str]]]:
    store = SignalStore(clock=lambda: T0, history=50, events=10_000)
    store.add_source(SourceState("src", "demo", frozenset({"health"}), interval=1), max_age=MAX_AGE)
    heard: list[set[str]] = []
    store.subscribe(lambda changed: heard.append(set(changed)))
    return store, heard


def _slo(key: str, burn: float, budget_left: float, status: Status = Status.OK) -> Reading:
    return Reading(
        key=key,
        kind="health",
        name=f"{key} SLO",
        value=burn,
        unit="burn_rate",
        labels={"service": key},
        summary=f"burning {burn}x budget",
        status=status,
        slo=SloFacts(0.99, {"1m": burn}, budget_left, None, period=PERIOD),
    )


def _state(signal: Signal) -> tuple[object, ...]:
    budget = signal.budget
    return (
        list(signal.history),
        None if budget is None else list(budget),
        signal.observed_at,
        signal.status,
        signal.reason,
        signal.summary,
        signal.value,
        signal.slo,
        signal.missing_since,
    )


class _Replaces:
    """Counts `History.replace_newest` and `History.append` calls while installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        for name in ("replace_newest", "append"):
            original = getattr(History, name)

            def counting(history: History, *args: object, _original=original) -> None:  # type: ignore[no-untyped-def]
                self.count += 1
                _original(history, *args)

            monkeypatch.setattr(History, name, counting)


def test_a_calm_slo_rides_between_budget_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    """100 SLO signals handed back unchanged for 200 collections a second apart: they
    are taken in whole only around each budget sample (every 20 s), yet their budget
    rings hold a sample per 20 s ending at the newest collection, as taken in whole."""
    riding, _ = _store()
    rebuilt, _ = _store()
    readings = [_slo(f"s{i}", 0.5, 0.9 - i / 1000) for i in range(100)]
    at = T0
    for _ in range(3):  # in whole, then the very same again: riding from here on
        at += 1.0
        riding.apply("src", readings, at=at)
        rebuilt.apply("src", [replace(r) for r in readings], at=at)
    counter = _Replaces(monkeypatch)
    for _ in range(200):
        at += 1.0
        riding.apply("src", readings, at=at)
    # Around each of the 10 budget samples a signal is taken in whole twice (its ring's
    # newest moved on to the ride's end, a history sample, a budget sample): taken in
    # whole every collection it would be 200 x 100 x 2.
    assert counter.count <= 100 * 2 * 3 * 11, counter.count
    monkeypatch.undo()
    at = T0 + 3.0
    for _ in range(200):
        at += 1.0
        rebuilt.apply("src", [replace(r) for r in readings], at=at)
    for key, signal in riding.signals.items():
        assert _state(signal) == _state(rebuilt.signals[key]), key
        budget = signal.budget
        assert budget is not None
        times = [t for t, _ in budget]
        assert times[-1] == at  # the newest sample is the newest collection
        assert all(20.0 <= b - a <= 21.0 for a, b in pairwise(times[1:-1]))


@pytest.mark.parametrize("calm_after_ride", [0, 1])
def test_a_riding_slo_shows_the_new_burn_rate_when_judged_again(calm_after_ride: int) -> None:
    """An SLO riding on a calm reading, then judged again (the demo's every 15 s) with a
    higher burn, within its budget ring's spacing or just as the ring takes a sample:
    value, status, summary and the budget ring's newest point are the new reading's,
    the earlier ones intact."""
    store, heard = _store()
    calm = _slo("pay", 0.5, 0.8)
    at = T0
    for _ in range(20):
        at += 1.0
        store.apply("src", [calm], at=at)
    signal = store.signals["src/pay"]
    assert signal.ride is not None
    assert signal.budget is not None
    assert list(signal.budget) == [(T0 + 1.0, 0.8), (T0 + 20.0, 0.8)]
    for _ in range(calm_after_ride):  # 20 s after the first sample: in whole again
        at += 1.0
        store.apply("src", [calm], at=at)
        assert signal.ride is None
    burning = _slo("pay", 20.0, 0.7, Status.CRITICAL)
    at += 1.0
    store.apply("src", [burning], at=at)
    assert (signal.value, signal.status, signal.summary) == (
        20.0,
        Status.CRITICAL,
        "burning 20.0x budget",
    )
    assert signal.observed_at == at
    assert "src/pay" in heard[-1]
    assert [v for _, v in signal.history][-3:] == [0.5, 0.5, 20.0]
    assert signal.budget is not None
    if calm_after_ride:  # the ring took its sample
        assert list(signal.budget) == [(T0 + 1.0, 0.8), (T0 + 21.0, 0.8), (at, 0.7)]
    else:  # its newest moved on
        assert list(signal.budget) == [(T0 + 1.0, 0.8), (at, 0.7)]


@pytest.mark.parametrize("seed", range(6))
def test_riding_slos_read_the_same_as_taking_every_reading_in(seed: int) -> None:
    """A source caching its SLO readings against one rebuilding them, through budgets
    and burn rates that change, signals left out and back, failed collections, a hung
    source gone stale and collections at the same or an earlier time, over two dozen
    budget samples: both stores read the same at every look (budget rings read only now
    and then, so rides run long)."""
    rng = random.Random(seed)
    riding, heard = _store()
    rebuilt, heard_rebuilt = _store()
    readings = {f"s{i}": _slo(f"s{i}", 0.5, 0.9) for i in range(20)}
    at, rode = T0, 0
    for step in range(600):
        at += rng.choice([1.0003] * 40 + [0.0, -3.0, MAX_AGE + 3, 7.5])
        if rng.random() < 0.02:
            for store in (riding, rebuilt):
                store.fail("src", "connection refused", at=at)
        else:
            for key, reading in readings.items():
                roll = rng.random()
                if roll < 0.03:
                    burn = rng.choice((0.5, 2.0, 20.0))
                    status = Status.CRITICAL if burn > 10 else Status.OK
                    left = reading.slo.budget_left if reading.slo else 0.9
                    readings[key] = _slo(key, burn, round((left or 0.0) - 0.01, 4), status)
                elif roll < 0.05:
                    readings[key] = replace(reading)
            batch = [r for r in readings.values() if rng.random() > 0.02]
            if rng.random() < 0.03:
                rng.shuffle(batch)
            riding.apply("src", batch, at=at)
            rebuilt.apply("src", [replace(r) for r in batch], at=at)
        rode += sum(s.ride is not None for s in riding.signals.values())
        for store in (riding, rebuilt):
            store.sweep(at=at + 0.5)
        assert heard[-1] == heard_rebuilt[-1]
        if rng.random() < 0.04 or step == 599:
            assert riding.signals.keys() == rebuilt.signals.keys()
            for key, signal in riding.signals.items():
                assert _state(signal) == _state(rebuilt.signals[key]), (step, key)
    assert rode > 600 * 20 // 3  # most of them rode most of the time
