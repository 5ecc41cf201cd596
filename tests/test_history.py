import math
import tracemalloc
from collections.abc import Callable
from random import Random

import pytest

from oncall_tui.core.signals.history import History, Timeline
from oncall_tui.core.signals.model import Event, EventLog, Status


def test_history_keeps_the_newest_values_in_order() -> None:
    history = History(capacity=3)
    for t in range(5):
        history.append(float(t), t * 10.0)
    assert list(history) == [(2.0, 20.0), (3.0, 30.0), (4.0, 40.0)]
    assert len(history) == 3


def test_history_keeps_gaps_as_none() -> None:
    history = History(capacity=4)
    history.append(1.0, 1.0)
    history.append(2.0, None)
    assert history.values() == [1.0, None]


def test_history_is_bounded_over_a_long_run() -> None:
    history = History(capacity=360)
    for t in range(100_000):
        history.append(float(t), 1.0)
    assert len(history) == 360
    assert next(iter(history))[0] == 100_000 - 360


def test_event_log_is_bounded_and_newest_first() -> None:
    log = EventLog(capacity=10)
    for t in range(25):
        log.append(Event(float(t), "k", "n", Status.OK, Status.WARNING, 1.0))
    assert len(log) == 10
    assert log.total == 25
    assert [e.at for e in log.recent(3)] == [24.0, 23.0, 22.0]


# -- the compact layout reads back exactly what was appended -----------------------


class Ring:
    """The obvious ring, to check History's compact one against."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.samples: list[tuple[float, float | None]] = []

    def append(self, at: float, value: float | None) -> None:
        self.samples.append((float(at), _read(value)))
        del self.samples[: -self.capacity]

    def replace_newest(self, at: float, value: float | None) -> None:
        if self.samples:
            self.samples[-1] = (float(at), _read(value))
        else:
            self.append(at, value)

    def newest_since(self, start: float) -> list[tuple[float, float | None]]:
        out = []
        for at, value in reversed(self.samples):
            if at < start:
                break
            out.append((at, value))
        return out


def _read(value: float | None) -> float | None:
    return None if value is None or value != value else float(value)


def _exact(samples: list[tuple[float, float | None]]) -> list[tuple[str, str]]:
    """Samples as text that tells 0.0 from -0.0 and a float from an int."""
    return [(repr(at), repr(value)) for at, value in samples]


def _check(history: History, ring: Ring, now: float) -> None:
    assert len(history) == len(ring.samples)
    assert _exact(list(history)) == _exact(ring.samples)
    assert _exact(list(zip(range(len(ring.samples)), history.values(), strict=True))) == _exact(
        list(enumerate(value for _, value in ring.samples))
    )
    for start in (-math.inf, now - 5, now, now + 1):
        assert _exact(list(history.newest_since(start))) == _exact(ring.newest_since(start))


CLOCKS = {
    "wall clock, 1 s": lambda i: 1_765_000_000.0 + i * 1.000_3,
    "fake clock, whole seconds": lambda i: float(i + 1),
    "int times": lambda i: i + 1,
    "odd fractions (times kept as doubles)": lambda i: 0.1 * (i + 1),
    "a clock set back now and then": lambda i: 1_765_000_000.0 + i - (50 if i % 37 == 0 else 0),
    "pauses longer than a step holds": lambda i: 1_765_000_000.0 + i * (2000 if i % 11 == 0 else 5),
    "starts at zero": lambda i: float(i),
    "NaN, infinite and huge times among them": lambda i: (
        math.nan,
        math.inf,
        -math.inf,
        1e308,
        1_765_000_000.0 + i,
    )[i % 5 if i % 3 == 0 else 4],
}


@pytest.mark.parametrize("clock", CLOCKS.values(), ids=CLOCKS.keys())
@pytest.mark.parametrize("capacity", [1, 2, 7, 64, 100])
def test_every_time_and_value_reads_back_as_appended(clock, capacity: int) -> None:
    """Gaps as None, 0.0 apart from -0.0, runs of equal values, the ring wrapping many
    times, the newest replaced now and then: the same as a plain list of samples."""
    random = Random(capacity)
    pool: list[float | None] = [1.0, 1.0, 1.0, None, 0.0, -0.0, 2.5, 1e300, float("nan"), 7]
    history, ring = History(capacity), Ring(capacity)
    for i in range(4 * capacity + 90):
        value = random.choice(pool) if random.random() < 0.4 else random.random()
        if random.random() < 0.15:
            history.replace_newest(clock(i), value)
            ring.replace_newest(clock(i), value)
        else:
            history.append(clock(i), value)
            ring.append(clock(i), value)
        _check(history, ring, float(clock(i)))


@pytest.mark.parametrize("clock", CLOCKS.values(), ids=CLOCKS.keys())
def test_a_history_on_a_timeline_reads_back_every_time_and_value(clock) -> None:
    """The same on a source's timeline, a second history taking every other sample."""
    random = Random(3)
    timeline = Timeline()
    history, ring, other = History(30, timeline), Ring(30), History(30, timeline)
    for i in range(200):
        value = random.choice([1.0, 1.0, None, -0.0, random.random()])
        if i % 2:
            other.append(clock(i), value)
        history.append(clock(i), value)
        ring.append(clock(i), value)
        _check(history, ring, float(clock(i)))


def test_histories_sharing_their_sources_times_read_back_their_own_samples() -> None:
    """One timeline, as a source's signals have: a history that misses collections, one
    given a backfill of earlier samples, one whose newest is replaced, one that always
    takes part; each reads back its own samples, through many wraps."""
    timeline, capacity = Timeline(), 50
    random = Random(7)
    names = ("always", "misses some", "backfilled", "replaced")
    histories = {name: History(capacity, timeline) for name in names}
    rings = {name: Ring(capacity) for name in names}
    for i in range(20 * capacity):
        now = 1_765_000_000.0 + i * 1.000_3
        for name in names:
            history, ring = histories[name], rings[name]
            value = random.choice([1.0, 1.0, 2.0, None])
            if name == "misses some" and random.random() < 0.2:
                continue
            if name == "backfilled" and i % 97 == 0:
                history.append(now - 30, value)  # earlier than the timeline's newest
                ring.append(now - 30, value)
            if name == "replaced" and i % 3:
                history.replace_newest(now, value)
                ring.replace_newest(now, value)
                continue
            history.append(now, value)
            ring.append(now, value)
        for name in names:
            _check(histories[name], rings[name], now)


def test_a_ring_that_fills_over_a_long_run_keeps_exactly_its_newest_samples() -> None:
    history, ring, timeline = History(360), Ring(360), Timeline()
    shared = History(360, timeline)
    for i in range(20_000):
        at = 1_765_000_000.0 + i * 1.000_3
        value = float(i // 10 % 7)
        history.append(at, value)
        shared.append(at, value)
        ring.append(at, value)
    _check(history, ring, at)
    _check(shared, ring, at)


def _traced_bytes(make: Callable[[], History], samples: int, changing: float) -> float:
    """Memory per ring of 1,000 rings, each appended `samples` times, `changing` of
    the values new each time."""
    random = Random(1)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    rings = [make() for _ in range(1000)]
    values = [1.0] * len(rings)
    for i in range(samples):
        at = 1_765_000_000.0 + i * 1.000_3
        for index, ring in enumerate(rings):
            if random.random() < changing:
                values[index] = random.random()
            ring.append(at, values[index])
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / len(rings)


def test_a_full_ring_costs_a_fraction_of_two_arrays_of_doubles() -> None:
    """360 samples as two arrays of doubles were 6.2 KB a ring (58 MB at 10,000
    signals). Sharing its source's times and keeping a value once per run, a ring of a
    board whose values move 10% a second costs under 1 KB; a ring whose every value
    moves and whose times are its own, under 5.5 KB."""
    timeline = Timeline()
    assert _traced_bytes(lambda: History(360, timeline), 400, 0.1) < 1000
    assert _traced_bytes(lambda: History(360), 400, 1.0) < 5500


def test_the_store_keeps_a_sources_sample_times_once_for_all_its_signals() -> None:
    """Through the store: 500 signals of one source over 400 collections. Their rings
    share the source's times, so each costs a fraction of its own 360 times (1.4 KB
    as 4-byte steps, 2.9 KB as doubles)."""
    from oncall_tui.core.signals import history as history_module
    from oncall_tui.core.signals.model import Reading, SourceState
    from oncall_tui.core.signals.store import SignalStore

    store = SignalStore(clock=lambda: 0.0)
    store.add_source(SourceState("demo", "demo", frozenset({"health"})))
    readings = [
        Reading(key=f"s{index}", kind="health", name=f"s{index}", value=float(index % 7))
        for index in range(500)
    ]
    tracemalloc.start()
    for step in range(400):
        store.apply("demo", readings, at=1_765_000_000.0 + step * 1.000_3)
    snapshot = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(True, history_module.__file__)]
    )
    tracemalloc.stop()
    per_ring = sum(stat.size for stat in snapshot.statistics("filename")) / len(readings)
    assert all(len(signal.history) == 360 for signal in store.signals.values())
    assert per_ring < 700
