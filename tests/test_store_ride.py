"""A signal whose source hands back the very same reading at the same place rides its
source's collections: no history append and no write to the signal per collection, yet
its history, freshness, staleness and status read exactly as when every collection was
taken in one reading at a time (a plugin that rebuilds equal readings each poll)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from oncall_tui.core.sanitize import redactor
from oncall_tui.core.signals.history import History
from oncall_tui.core.signals.model import Reading, Reason, Signal, SourceState, Status, Thresholds
from oncall_tui.core.signals.store import GONE_AFTER, SignalStore

MAX_AGE = 10.0
T0 = 1_765_000_000.0


def _store(history: int = 50) -> tuple[SignalStore, list[set[str]]]:
    store = SignalStore(clock=lambda: T0, history=history, events=10_000)
    store.add_source(SourceState("src", "demo", frozenset({"health"}), interval=1), max_age=MAX_AGE)
    heard: list[set[str]] = []
    store.subscribe(lambda changed: heard.append(set(changed)))
    return store, heard


def _reading(key: str, value: float | None = 1.0, **kw: object) -> Reading:
    return Reading(
        key=key,
        kind="health",
        name=f"{key} errors",
        value=value,
        unit="ratio",
        labels={"service": key},
        thresholds=Thresholds(warning=5.0, critical=8.0, for_seconds=2.0),
        **kw,  # type: ignore[arg-type]
    )


class _Appends:
    """Counts `History.append` calls while installed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = History.append

        def counting(history: History, at: float, value: float | None) -> None:
            self.count += 1
            original(history, at, value)

        monkeypatch.setattr(History, "append", counting)


def test_an_unchanged_reading_costs_no_append_yet_reads_as_sampled(monkeypatch) -> None:
    """1,000 signals handed back unchanged for 100 collections: once they came back
    the same (a sample each), no history append at all, and each history then holds a
    sample at every collection, each `observed_at` the newest collection's time."""
    store, heard = _store(history=360)
    readings = [_reading(f"k{i}", float(i % 3)) for i in range(1000)]
    store.apply("src", readings, at=T0)
    store.apply("src", readings, at=T0 + 1.0003)
    appends = _Appends(monkeypatch)
    for step in range(2, 101):
        store.apply("src", readings, at=T0 + step * 1.0003)
    assert appends.count == 0
    assert heard[-1] == set()
    newest = T0 + 100 * 1.0003
    times = [T0 + step * 1.0003 for step in range(101)]
    for index, signal in enumerate(store.signals.values()):
        assert signal.observed_at == newest
        assert list(signal.history) == [(at, float(index % 3)) for at in times]


def test_a_long_ride_keeps_exactly_a_ring_of_samples_and_bounded_times() -> None:
    """Two days of 1 s collections of a value that never moves: a full ring of its
    newest samples, and the source keeps only a ring's worth of times meanwhile."""
    store, _ = _store(history=360)
    reading = _reading("steady", 2.0)
    for step in range(2 * 86_400):
        store.apply("src", [reading], at=T0 + step)
    (signal,) = store.signals.values()
    timeline = signal.history.timeline
    assert timeline is not None and len(timeline.chunks) <= 360 // 64 + 3
    newest = T0 + 2 * 86_400 - 1
    assert list(signal.history) == [(newest - 359 + i, 2.0) for i in range(360)]
    assert signal.observed_at == newest


def test_a_signal_no_longer_reported_stops_riding_at_its_last_collection() -> None:
    store, heard = _store()
    keep, leave = _reading("keep"), _reading("leave")
    for step in range(5):
        store.apply("src", [keep, leave], at=T0 + step)
    store.apply("src", [keep], at=T0 + 5)
    signal = store.signals["src/leave"]
    # Its last status holds until the next answer (`in_grace`): no news yet.
    assert signal.missing_since == T0 + 5 and signal.status is Status.OK
    assert [at for at, _ in signal.history] == [T0 + step for step in range(5)]
    assert signal.observed_at == T0 + 4
    store.apply("src", [keep], at=T0 + 6)  # the second answer without it: gone
    assert heard[-1] == {"src/leave"}
    assert (signal.status, signal.reason) == (Status.UNKNOWN, Reason.NO_DATA)
    assert len(signal.history) == 5 and signal.observed_at == T0 + 4
    store.sweep(at=T0 + 5 + GONE_AFTER + 1)
    assert "src/leave" not in store.signals


def test_a_riding_signal_turns_stale_when_its_source_stops_answering() -> None:
    """The source hangs: the sweep finds its riding signals old (from their source's
    last collection) and says how old; the very same reading brings them back."""
    store, heard = _store()
    reading = _reading("r")
    for step in range(4):
        store.apply("src", [reading], at=T0 + step)
    store.sweep(at=T0 + 3 + MAX_AGE)
    signal = store.signals["src/r"]
    assert signal.status is Status.OK
    store.sweep(at=T0 + 3 + MAX_AGE + 2)
    assert (signal.status, signal.reason) == (Status.UNKNOWN, Reason.STALE)
    assert signal.summary == "stale: last data 12s ago"
    assert heard[-1] == {"src/r"}
    store.apply("src", [reading], at=T0 + 20)
    assert (signal.status, signal.reason, signal.observed_at) == (Status.OK, None, T0 + 20)
    assert [at for at, _ in signal.history] == [T0, T0 + 1, T0 + 2, T0 + 3, T0 + 20]


def test_a_failed_collection_ends_the_ride_at_the_last_good_one() -> None:
    store, _ = _store()
    reading = _reading("r")
    for step in range(3):
        store.apply("src", [reading], at=T0 + step)
    store.fail("src", "connection refused", at=T0 + 3)
    signal = store.signals["src/r"]
    assert (signal.reason, signal.observed_at) == (Reason.SOURCE_ERROR, T0 + 2)
    store.apply("src", [reading], at=T0 + 4)
    store.apply("src", [reading], at=T0 + 5)
    assert (signal.status, signal.reason, signal.observed_at) == (Status.OK, None, T0 + 5)
    assert [at for at, _ in signal.history] == [T0, T0 + 1, T0 + 2, T0 + 4, T0 + 5]


def test_the_sweep_leaves_a_source_alone_while_its_collection_is_taken_in() -> None:
    """Between two slices of a collection the sweep would find the source's riding
    signals as old as the collection before: they are being sampled now."""
    store, _ = _store()
    readings = [_reading(f"k{i}") for i in range(3)]
    store.apply("src", readings, at=T0)
    update = store.begin_apply("src", readings, at=T0 + MAX_AGE + 5)
    update.ingest(1)
    store.sweep(at=T0 + MAX_AGE + 5)
    update.ingest(len(readings))
    update.finish(None)
    assert all(s.status is Status.OK for s in store.signals.values())
    assert all(s.observed_at == T0 + MAX_AGE + 5 for s in store.signals.values())


def _fresh(reading: Reading) -> Reading:
    return replace(reading)  # equal, never the same object: a plugin rebuilding each poll


def _state(signal: Signal) -> tuple[object, ...]:
    return (
        list(signal.history),
        signal.observed_at,
        signal.status,
        signal.reason,
        signal.summary,
        signal.value,
        signal.changed_at,
        signal.missing_since,
    )


@pytest.mark.parametrize("seed", range(6))
def test_riding_reads_the_same_as_taking_every_reading_in(seed: int) -> None:
    """A source caching its readings against one rebuilding them, through values that
    move and breach (with a `for` timer), signals left out and back, reordered
    collections, failed ones, a hung source gone stale, and collections at the same
    or an earlier time: both stores read the same at every look, the histories read
    only now and then (so a ride runs long, past a whole ring)."""
    rng = random.Random(seed)
    riding, heard = _store()
    rebuilt, heard_rebuilt = _store()
    readings = {f"k{i}": _reading(f"k{i}", float(i % 4)) for i in range(30)}
    at = T0
    for step in range(700):
        at += rng.choice([1.0003] * 30 + [0.0, -3.0, MAX_AGE + 3])
        if rng.random() < 0.03:
            for store in (riding, rebuilt):
                store.fail("src", "connection refused", at=at)
        else:
            for key, reading in readings.items():
                roll = rng.random()
                if roll < 0.08:
                    readings[key] = replace(reading, value=float(rng.choice((1, 2, 6, 9))))
                elif roll < 0.1:
                    readings[key] = _fresh(reading)
            batch = [r for r in readings.values() if rng.random() > 0.03]
            if rng.random() < 0.04:
                rng.shuffle(batch)
            riding.apply("src", batch, at=at)
            rebuilt.apply("src", [_fresh(r) for r in batch], at=at)
        for store in (riding, rebuilt):
            store.sweep(at=at + 0.5)
        assert heard[-1] == heard_rebuilt[-1]
        if rng.random() < 0.05 or step == 699:
            assert riding.signals.keys() == rebuilt.signals.keys()
            for key, signal in riding.signals.items():
                assert _state(signal) == _state(rebuilt.signals[key]), (step, key)
            assert [e.at for e in riding.events] == [e.at for e in rebuilt.events]


@pytest.mark.parametrize("seed", range(4))
def test_riding_reads_the_same_through_partial_answers_secrets_and_slices(seed: int) -> None:
    """As above, through what a live source also does: collections that partly failed
    (a SourceError with the readings that worked), a secret registered between two
    collections (words and keys cleaned again), keys renamed, and collections taken in
    slices with the store read between them."""
    rng = random.Random(seed)
    riding, heard = _store()
    rebuilt, heard_rebuilt = _store()
    readings = {f"k{i}": _reading(f"k{i} word{seed}", float(i % 4)) for i in range(20)}
    at = T0
    with redactor.scope():
        for step in range(300):
            at += rng.choice([1.0003] * 20 + [0.0, MAX_AGE + 3])
            for key, reading in readings.items():
                roll = rng.random()
                if roll < 0.06:
                    readings[key] = replace(reading, value=float(rng.choice((1, 2, 6, 9))))
                elif roll < 0.07:
                    readings[key] = replace(reading, key=f"{reading.key}+")
            if rng.random() < 0.02:
                redactor.add(f"word{seed}" if rng.random() < 0.5 else f"errors{step}x")
            batch = [r for r in readings.values() if rng.random() > 0.05]
            roll = rng.random()
            for store, given in ((riding, batch), (rebuilt, [_fresh(r) for r in batch])):
                if roll < 0.05:
                    store.apply("src", given[: len(given) // 2], at=at, error="queries[1]: bad")
                elif roll < 0.1:
                    update = store.begin_apply("src", given, at=at)
                    update.ingest(len(given) // 3)
                    assert all(_state(signal) for signal in store.signals.values())
                    update.ingest(len(given))
                    update.finish(None)
                else:
                    store.apply("src", given, at=at)
            for store in (riding, rebuilt):
                store.sweep(at=at + 0.5)
            assert heard[-1] == heard_rebuilt[-1]
            if rng.random() < 0.1 or step == 299:
                assert riding.signals.keys() == rebuilt.signals.keys()
                for key, signal in riding.signals.items():
                    assert _state(signal) == _state(rebuilt.signals[key]), (step, key)
