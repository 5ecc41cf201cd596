"""One collection entering the store, in slices, paying only for what moved.

A board of thousands of signals mostly hears the same thing again: a plugin hands back
the very reading it gave last time (a cache), or an equal one rebuilt. Such a reading
of a settled signal (core/signals/ingest.py `settled`) is taken in here with its sample
time and a history point only: nothing sanitised again, nothing evaluated again, no
maintenance bookkeeping, and its key is not among the changed ones the listeners hear.

While taking readings in, the update also works out the source's `due`: the earliest
time the staleness sweep can find anything to do among its signals, so the once-a-second
sweep skips every source whose deadline has not come (core/signals/store.py `sweep`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from oncall_tui.core.sanitize import redactor, sanitize
from oncall_tui.core.signals.history import Timeline
from oncall_tui.core.signals.ingest import note_budget, observed_at, settled
from oncall_tui.core.signals.model import Reading, Reason, Signal, SourceState, Status

if TYPE_CHECKING:
    from oncall_tui.core.signals.store import SignalStore

SAMPLE_WORTH = 8
"""How many readings taken on the shortest path cost about what one whole ingest does
(measured: 5,400 against 46,000 instructions)."""
GONE_AFTER = 900.0
"""Seconds a non-transient signal stays on the board (as unknown: no data) after its
source stopped reporting it; long enough to notice, short enough to stay bounded."""
_SWEPT_ALREADY = (Reason.SOURCE_ERROR, Reason.STALE)
"""Reasons a sweep leaves alone (until the signal's source speaks again)."""


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
    due: float = -math.inf
    """No signal of this source can turn stale or be gone before this time: the sweep
    skips the source until then. -inf: unknown, look at every signal next sweep."""
    times: Timeline = field(default_factory=Timeline)
    """The times of its collections, kept once for its signals' histories."""


def signal_due(signal: Signal, max_age: float) -> float:
    """When the sweep may next change `signal`: its staleness deadline, or when a
    signal no longer reported is dropped; inf when only its source can change it."""
    if signal.missing_since is not None:
        return signal.missing_since + GONE_AFTER
    if signal.reason in _SWEPT_ALREADY or signal.observed_at is None:
        return math.inf
    return signal.observed_at + max_age


def earliest_due(signals: dict[str, Signal], keys: Iterable[str], max_age: float) -> float:
    """`signal_due` of the earliest of the signals of `keys` (a walk over them)."""
    due = math.inf
    for key in keys:
        signal = signals.get(key)
        if signal is not None:
            due = min(due, signal_due(signal, max_age))
    return due


def triage_view(signal: Signal) -> tuple[object, ...]:
    """What the probable cause reads of a signal that is ok (core/triage/causes.py):
    while this stays the same and the signal stays ok, its change is no news to it."""
    return (
        signal.status,
        signal.reason,
        signal.kind,
        signal.component,
        signal.partial,
        signal.maintenance,
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


def same_reading(signal: Signal, reading: Reading, now: float, max_age: float) -> bool:
    """Take in a reading that cannot change `signal` (the one it last took, or an
    equal one, while the signal is settled, its words cleaned against today's secrets
    and the sample fresh), and say so; False when the reading needs the whole ingest."""
    last = signal.last
    if last is not reading and (
        last is None or last.value != reading.value or last != reading  # the value first: cheap
    ):
        return False
    if not settled(signal) or signal.texts[0] != redactor.generation:
        return False
    observed = now if reading.observed_at is None else observed_at(reading, now)
    if now - observed > max_age:
        return False  # fetched now, measured long ago: ingest says it is stale
    signal.observed_at = observed
    signal.history.append(now, signal.value)
    if signal.slo is not None:
        note_budget(signal, now)  # the budget ring moves on with the clock
    signal.last = reading  # the newest object: next time `is` answers at once
    return True


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
        self.known = known
        self.changed: set[str] = set()
        self.seen: set[str] = set()
        self.done = 0
        self.bad = 0
        self.due = math.inf
        self.quiet: set[str] = set()
        """Changed keys of ok signals whose change triage does not read (a value)."""

    def ingest(self, count: int) -> bool:
        """The next `count` readings' worth of work; whether any readings are left. A
        reading taken on the shortest path (the same object again) is worth
        1/`SAMPLE_WORTH` of one: the loop is handed back after as much work, not
        after as many readings, which would be a dozen needless turns a second for a
        board that mostly hears the same thing again."""
        store, source, name, now = self.store, self.source, self.source_name, self.now
        signals, known, key_of, seen = store.signals, self.known, source.key_of, self.seen
        max_age, due, generation = source.max_age, self.due, redactor.generation
        sampled = False
        budget = count * SAMPLE_WORTH
        start = self.done
        for reading in itertools.islice(self.readings, start, None):
            if budget <= 0:
                break
            start += 1
            budget -= SAMPLE_WORTH  # the whole ingest's worth, given back below if not
            raw = reading.key
            key = known.get(raw) or f"{name}/{sanitize(raw, 256)}"
            key_of[raw] = key
            signal = signals.get(key)
            if signal is not None:
                if (
                    signal.last is reading
                    and reading.observed_at is None
                    and signal.reason is None
                    and not signal.breach_since
                    and not signal.clear_since
                    and signal.slo is None
                    and signal.texts[0] == generation
                ):
                    # Most of a big board: the very reading again, with no sample time
                    # of its own, for a signal within its limits and from its own data
                    # (settled, no timer of any kind): a sample now and nothing else.
                    # `same_reading` below takes every other case it can.
                    signal.observed_at = now
                    signal.history.append(now, signal.value)
                    seen.add(key)
                    sampled = True
                    budget += SAMPLE_WORTH - 1
                    continue
                if same_reading(signal, reading, now, max_age):
                    seen.add(key)
                    # Settled: neither missing nor unknown, so its deadline is its sample's.
                    deadline = signal.observed_at + max_age  # type: ignore[operator]
                    if deadline < due:
                        due = deadline
                    continue
            view = triage_view(signal) if signal is not None else None
            try:
                updated = store._ingest(key, name, source, reading, now)
            except Exception:  # a reading the engine's checks did not catch
                self.bad += 1
                signals.pop(key, None)
                continue
            seen.add(key)
            signal = signals[key]
            due = min(due, signal_due(signal, max_age))
            if updated:
                self.changed.add(key)
                if view is not None and triage_view(signal) == view and not notable(signal):
                    self.quiet.add(key)
        if sampled and now + max_age < due:
            due = now + max_age
        self.due = due
        self.done = start
        return self.done < len(self.readings)

    def finish(self, duration_ms: float | None) -> None:
        store, source, now, message = self.store, self.source, self.now, self.message
        changed, seen, signals = self.changed, self.seen, store.signals
        if self.bad:
            self.notes.append(f"{self.bad} malformed readings dropped")
        unseen = [key for key in source.keys - seen if key in signals]
        for key in unseen:
            if message:
                if store._fail_signal(signals[key], message, now):
                    changed.add(key)
            elif store._retire(key, source, now):
                changed.add(key)
        source.keys = signals.keys() & (source.keys | seen)  # at C speed: thousands
        store._evict_missing(source, changed)
        source.due = min(self.due, earliest_due(signals, unseen, source.max_age))
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
