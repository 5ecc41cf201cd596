"""One collection entering the store, in slices, paying only for what moved.

A board of thousands of signals mostly hears the same thing again: a plugin hands back
the very reading it gave last time (a cache), or an equal one rebuilt. Such a reading
of a settled signal (core/signals/ingest.py `settled`) is taken in here with its sample
time and a history point only: nothing sanitised again, nothing evaluated again, no
maintenance bookkeeping, and its key is not among the changed ones the listeners hear.

Most of all, a signal whose source hands back the very same reading at the same place
again, settled and plain (`rides`), is not looked at: the places whose reading is last
time's object are found at C speed (`Layout`), and such a signal rides its source's
collections (its history and `observed_at` follow the source's timeline, with no write
per signal: core/signals/history.py). A collection costs what moved, not the board.

While taking readings in, the update also works out the source's `due`: the earliest
time the staleness sweep can find anything to do among its signals, so the once-a-second
sweep skips every source whose deadline has not come (core/signals/store.py `sweep`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from itertools import compress, islice
from operator import attrgetter, is_not
from typing import TYPE_CHECKING, TypeVar

from oncall_tui.core.sanitize import redactor, sanitize
from oncall_tui.core.signals.ingest import note_budget, observed_at, settled
from oncall_tui.core.signals.model import (
    Reading,
    Signal,
    SourceState,
    Status,
    observed_slot,
)
from oncall_tui.core.signals.riding import (
    budget_ends,
    budget_rides,
    rides,
    unride,
)
from oncall_tui.core.signals.sweep_due import earliest_due, signal_due
from oncall_tui.core.signals.timeline import Timeline

T = TypeVar("T")

if TYPE_CHECKING:
    from oncall_tui.core.signals.store import SignalStore

SAMPLE_WORTH = 8
"""How many readings taken on the shortest path cost about what one whole ingest does
(measured: 5,400 against 46,000 instructions)."""


@dataclass(slots=True)
class Source:
    """A source as the store keeps it: its state, its signals' keys, and when the
    staleness sweep next has work among them."""

    state: SourceState
    max_age: float
    transient: bool
    keys: set[str] = field(default_factory=set)
    key_of: dict[str, str] = field(default_factory=dict)
    """Store key by the plugin's raw key, as of the last collection: saves sanitising
    every key again on every poll."""
    key_generation: int = -1
    """The redactor's generation `key_of` was cleaned under: a secret registered since
    cleans every key again."""
    due: float = -math.inf
    """No signal of this source can turn stale or be gone before this time: the sweep
    skips the source until then. -inf: unknown, look at every signal next sweep."""
    times: Timeline = field(default_factory=Timeline)
    """The times of its collections, kept once for its signals' histories."""
    layout: Layout | None = None
    """Its last collection by place, while nothing else changed its signals since."""
    applying: bool = False
    """A collection is being taken in (in slices): the sweep leaves the source alone."""
    asked_at: float = math.inf
    """When the collection under way started (`SignalStore.collecting`); inf: none."""
    answer_due: float = -math.inf
    """Until when that collection may answer: the sweep leaves the source alone
    meanwhile, as its answer is on its way."""
    budget_due: dict[int, float] = field(default_factory=dict)
    """When the riding SLO signal at each place (of its last collection) is taken in
    whole again, its budget ring due for a sample. A place whose rider changed since
    is only taken in whole once more: nothing ever rides past its time. (Numbers, not
    objects: nothing here for Python's cycle collector to count or walk.)"""

    def age_limit(self, now: float) -> float:
        """`max_age` for the data of an answer taken in at `now`: its age counted to
        when it was asked for, as the collection's own time is not the data's age."""
        return self.max_age + max(0.0, now - self.asked_at)

    def answered(self) -> None:
        self.asked_at, self.answer_due = math.inf, -math.inf

    def unsettle(self) -> None:
        """Something besides a collection changed its signals (a sweep, a failure, a
        replay): the next collection looks at every reading again."""
        self.layout = None


@dataclass(slots=True)
class Layout:
    """A source's last collection by place, for the next one: of a board's thousands
    of readings most are the very same objects at the same places again, found at C
    speed and not looked at one by one."""

    riders: list[Reading | None]
    """At each place, the reading whose signal rides on it (`rides`); None elsewhere."""
    keys: list[str | None]
    """The store key taken in at each place; None where the reading was dropped."""
    whole: bool
    """Every place a key of its own, and they are the source's keys: the same keys at
    the same places again leave no signal unseen."""
    generation: int
    """The redactor's generation then: a secret registered since cleans words again."""


def triage_view(signal: Signal) -> tuple[object, ...]:
    """What the probable cause reads of a signal (core/triage/causes.py): while this
    stays the same, its change is no news to it. Of an ok signal, what would make it
    one triage reads; of one it reads (`notable`), all it reads but a change marker's
    value (a change marker's change is always news): a failing signal's value moving
    within its status costs no new diagnosis."""
    view = (
        signal.status,
        signal.reason,
        signal.kind,
        signal.component,
        signal.partial,
        signal.maintenance,
    )
    if not notable(signal):
        return view
    return (
        *view,
        signal.name,
        signal.source,
        signal.headline,
        signal.changed_at,
        signal.seen_from,
        tuple(signal.breach_since.items()),
        signal.labels,
        signal.ack,
        signal.canary is None,
        signal.slo is None,
        signal.observed_at if signal.changed_at is None else None,
    )


def notable(signal: Signal) -> bool:
    """A signal triage reads in full: failing, unknown, partly seen, an alert (the
    evidence) or a change marker (a suspect)."""
    return (
        signal.status is not Status.OK
        or bool(signal.partial)
        or signal.kind == "alert"
        or signal.kind == "change"
    )


_UNTIMED = attrgetter(*(f.name for f in fields(Reading) if f.name != "observed_at"))
"""Every field of a reading but its sample time, as one tuple (at C speed)."""


def same_reading(signal: Signal, reading: Reading, now: float, max_age: float) -> float | None:
    """Take in a reading that cannot change `signal` (the one it last took, or one
    equal to it but for its sample time, while the signal is settled, its words
    cleaned against today's secrets and the sample fresh), and say when it was
    observed; None when the reading needs the whole ingest. The signal does not ride
    (`ingest` ended its ride). Not compared whole: a Prometheus answer dates every
    sample with the query's evaluation time, so its readings are never equal from one
    collection to the next, and each unchanged series would take the whole ingest."""
    last = signal.last
    if last is not reading and (
        last is None
        or last.value != reading.value  # the value first: cheap
        or _UNTIMED(last) != _UNTIMED(reading)
    ):
        return None
    if not settled(signal) or signal.texts[0] != redactor.generation:
        return None
    observed = now if reading.observed_at is None else observed_at(reading, now)
    if now - observed > max_age:
        return None  # fetched now, measured long ago: ingest says it is stale
    observed_slot(signal, observed)
    signal.history.append(now, signal.value)
    if signal.slo is not None:
        note_budget(signal, now)  # the budget ring moves on with the clock
    signal.last = reading  # the newest object: next time `is` answers at once
    return observed


class CollectionUpdate:
    """One collection entering the store, in slices: `ingest` takes readings in turn,
    `finish` retires what was not seen, sets the source's state and notifies."""

    def __init__(
        self,
        store: SignalStore,
        source_name: str,
        source: Source,
        readings: Sequence[Reading],
        now: float,
        message: str,
        notes: list[str],
        known: dict[str, str],
    ) -> None:
        self.store, self.source_name, self.source = store, source_name, source
        self.readings, self.now, self.message, self.notes = readings, now, message, notes
        self.generation = generation = redactor.generation
        # Keys cleaned before a secret was registered are cleaned again (a key that
        # held it is a new signal; the old one leaves as any unreported one does).
        self.known = known if source.key_generation == generation else {}
        source.key_generation = generation
        self.changed: set[str] = set()
        self.done = 0
        self.bad = 0
        self.due = math.inf
        self.quiet: set[str] = set()
        """Changed keys whose change triage does not read (a value)."""
        count = len(readings)
        layout, source.layout = source.layout, None  # kept again by `finish` only
        timeline = source.times
        base = timeline.tick
        # Each collection's time is a tick of the timeline (none when there is nothing
        # to sample): last time's riders ride on only onto the very next tick.
        tick = timeline.advance(now) if count else base
        if (
            layout is not None
            and layout.generation == generation
            and tick == base + 1 == timeline.ridden + 1
        ):
            self.riders = riders = _fit(layout.riders, count)[0]
            self.keys, kept = _fit(layout.keys, count)
            self.same_keys = layout.whole and kept
            budget_ends(source.budget_due, riders, now)
            # The places whose reading is not the one its signal rides on, at C speed.
            moved = map(is_not, readings, riders)
            self.todo: Sequence[int] = list(compress(range(count), moved))
        else:
            self.riders = [None] * count
            self.keys = [None] * count
            self.todo = range(count)
            self.same_keys = False
            source.budget_due.clear()  # nothing rides on
        self.sampled = len(self.todo) < count
        """Some signals ride on: sampled now, their deadline `now + max_age`."""
        self.caching = self.sampled
        """The source hands back the very readings it gave before (some ride on): a
        reading taken in whole rides from the next collection at once, as it would once
        it came back the same (a source rebuilding every reading never does)."""
        source.applying = True

    def ingest(self, count: int) -> bool:
        """The next `count` readings' worth of work; whether any readings are left. A
        reading taken on the shortest path (the same object again) is worth
        1/`SAMPLE_WORTH` of one, and a riding one nothing: the loop is handed back
        after as much work, not after as many readings, which would be a dozen needless
        turns a second for a board that mostly hears the same thing again."""
        store, source, name, now = self.store, self.source, self.source_name, self.now
        signals, known, readings, keys = store.signals, self.known, self.readings, self.keys
        riders, timeline, todo = self.riders, source.times, self.todo
        max_age, due, generation = source.max_age, self.due, self.generation
        limit = source.age_limit(now)
        sampled, same_keys, caching = self.sampled, self.same_keys, self.caching
        budget = count * SAMPLE_WORTH
        start = self.done
        for place in islice(todo, start, None):
            if budget <= 0:
                break
            start += 1
            budget -= SAMPLE_WORTH  # the whole ingest's worth, given back below if not
            reading = readings[place]
            raw = reading.key
            key = known.get(raw) or f"{name}/{sanitize(raw, 256)}"
            if keys[place] != key:
                keys[place], same_keys = key, False
            signal = signals.get(key)
            if signal is not None:
                if signal.ride is not None:
                    unride(signal)
                if (
                    signal.last is reading
                    and reading.observed_at is None
                    and signal.reason is None
                    and signal.missing_since is None
                    and not signal.breach_since
                    and not signal.clear_since
                    and signal.slo is None
                    and signal.texts[0] == generation
                ):
                    # The very reading again, with no sample time of its own, for a
                    # signal within its limits, from its own data and in the last
                    # answer (settled, no timer of any kind): a sample now and
                    # nothing else. From now on it rides, when its history can (not
                    # before it came back the same: a plugin that rebuilds every
                    # reading would only pay for rides that never last).
                    # `same_reading` takes every other case. These conditions are
                    # riding.py `rides` and `budget_rides`' too, written out here to
                    # spare a call per reading: change all three
                    # (tests/test_store_ride_conditions.py holds them to agree).
                    observed_slot(signal, now)  # not riding: ended above
                    signal.history.append(now, signal.value)
                    sampled = True
                    budget += SAMPLE_WORTH - 1
                    riders[place] = reading if rides(signal, reading, timeline) else None
                    continue
                riders[place] = None
                last = signal.last
                if last is not None and (last is reading or last.value == reading.value):
                    observed = same_reading(signal, reading, now, limit)
                    if observed is not None:
                        # Settled: neither missing nor unknown: its deadline is its sample's.
                        if observed + max_age < due:
                            due = observed + max_age
                        if last is reading and signal.slo is not None:
                            riders[place] = self._ride_on(signal, reading, place)
                        continue
            riders[place] = None
            view = triage_view(signal) if signal is not None else None
            try:
                updated = store._ingest(key, name, source, reading, now)
            except Exception:  # a reading the engine's checks did not catch
                self.bad += 1
                signals.pop(key, None)
                keys[place] = None
                same_keys = False
                continue
            signal = signals[key]
            due = min(due, signal_due(signal, max_age))
            if caching:
                riders[place] = self._ride_on(signal, reading, place)
            if updated:
                self.changed.add(key)
                if view is not None and signal.kind != "change" and triage_view(signal) == view:
                    self.quiet.add(key)
        self.due, self.sampled, self.same_keys = due, sampled, same_keys
        self.done = start
        return self.done < len(todo)

    def _ride_on(self, signal: Signal, reading: Reading, place: int) -> Reading | None:
        """`reading` when the signal just given it rides on it from now on (an SLO
        signal until its budget ring's next sample), else None."""
        source = self.source
        if signal.slo is None:
            return reading if rides(signal, reading, source.times) else None
        until = budget_rides(signal, reading, source.times, self.now)
        if until <= self.now:
            return None
        source.budget_due[place] = until
        return reading

    def finish(self, duration_ms: float | None) -> None:
        store, source, now, message = self.store, self.source, self.now, self.message
        changed, signals, keys = self.changed, store.signals, self.keys
        if self.bad:
            self.notes.append(f"{self.bad} malformed readings dropped")
        if self.same_keys:
            # The keys of last time, each at its place: nothing unseen, nothing new.
            unseen: list[str] = []
            source.key_of = self.known
        else:
            seen = set(keys)
            seen.discard(None)
            unseen = [key for key in source.keys - seen if key in signals]
            for key in unseen:  # each ends its ride, if any, at the collection before
                if message:
                    if store._fail_signal(signals[key], message, now):
                        changed.add(key)
                elif store._retire(key, source, now):
                    changed.add(key)
            source.keys = signals.keys() & (source.keys | seen)  # at C speed: thousands
            store._evict_missing(source, changed)
            source.key_of = {
                reading.key: key
                for reading, key in zip(self.readings, keys, strict=True)
                if key is not None
            }
        source.times.ride_to_newest()
        due = self.due
        if self.sampled and now + source.max_age < due:
            due = now + source.max_age
        source.due = min(due, earliest_due(signals, unseen, source.max_age))
        source.applying = False
        source.answered()
        count = len(keys)
        distinct = self.same_keys or len(set(keys)) == count
        # Two places with one key would let a rider's signal be taken in at the other
        # place too: only a collection of distinct keys is laid out for the next one.
        if distinct:
            whole = self.same_keys or (not self.bad and len(source.keys) == count)
            source.layout = Layout(self.riders, keys, whole, self.generation)
        changed |= store._spread_maintenance(now)
        triage = source.state.ok is not (not message) or bool(changed - self.quiet)
        source.state = replace(
            source.state,
            ok=not message,
            error=message,
            failing_since=(source.state.failing_since or now) if message else None,
            note="; ".join(self.notes),
            duration_ms=duration_ms,
            last_success=now,
            last_attempt=now,
        )
        store._notify(changed, triage=triage)

    def abandon(self) -> None:
        """The collection was not taken in whole (cancelled, or a bug): its source
        takes every reading whole next time."""
        self.source.applying = False
        self.source.answered()
        self.source.layout = None


def _fit(items: list[T | None], count: int) -> tuple[list[T | None], bool]:
    """`items` cut or padded with None to `count`, in place (last time's layout's, no
    longer the layout's): a new list per collection would be one more young list of
    thousands of items for Python's cycle collector to walk at each collection. With
    it, whether it held `count` items already: read here, before the cut, since after
    it every list holds `count` (the same keys again must be as many as last time)."""
    kept = len(items) == count
    del items[count:]
    if len(items) < count:
        items.extend([None] * (count - len(items)))
    return items, kept
