"""The signal store: where readings become signals.

Every collection passes through `apply` (or `fail`): each reading is sanitised once and
evaluated (core/signals/ingest.py), the signals a source stopped reporting retire, and sources
failing or going quiet turn their signals unknown here too, so there is one place that
decides what the board says. Status changes, change markers and sources failing and
recovering become events (core/signals/events.py), for live collections and replays alike.
The questions viewers ask live in core/signals/queries.py.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

from oncall_tui.core.sanitize import MAX_LINE, sanitize
from oncall_tui.core.signals.collection import CollectionUpdate, Source
from oncall_tui.core.signals.events import note_change, resolved, set_status, source_event
from oncall_tui.core.signals.history import History
from oncall_tui.core.signals.ingest import error_message, note_budget, staleness, update_signal
from oncall_tui.core.signals.model import (
    EventLog,
    Maintenance,
    Reading,
    Reason,
    Signal,
    SourceState,
    Status,
)
from oncall_tui.core.signals.queries import StoreQueries
from oncall_tui.core.signals.riding import unride
from oncall_tui.core.signals.sweep_due import GONE_AFTER as GONE_AFTER
from oncall_tui.core.signals.sweep_due import earliest_due, in_grace, signal_due
from oncall_tui.core.signals.team import MaintenanceBoard, clean_maintenance
from oncall_tui.core.signals.timeline import Timeline

APPLY_SLICE = 250
"""Readings taken in before the event loop gets a turn (~25 ms of work on a loaded machine)."""
SLICE_PAUSE = 0.001
"""Seconds the loop has to itself between two slices. A key takes 6-10 loop turns from
the terminal to its repaint (driver, app, screen, widget, refresh, render); handed back
for one turn (`sleep(0)`) the next slice ran at each of them, and beside a 100,000-series
source a key waited 60-120 ms behind ~10 slices. In a pause, every turn that is ready
runs: a key waits for one slice or two. (10,000 readings: ~15 ms more per collection.)"""
MAX_SIGNALS_PER_SOURCE = 10_000
"""A query matching 100k series must not eat the wallboard's memory."""

Listener = Callable[[set[str]], None]
log = logging.getLogger(__name__)


class SignalStore(StoreQueries):
    """All signals and source states of one process, plus the event log."""

    def __init__(
        self,
        *,
        history: int = 360,
        events: int = 1000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.signals: dict[str, Signal] = {}
        self.events = EventLog(events)
        self._sources: dict[str, Source] = {}
        self._unsourced: dict[str, set[str]] = {}
        """Keys of replayed signals whose source state was never recorded, by source
        name: the per-source cap counts them too."""
        self._history = history
        self._listeners: list[Listener] = []
        self.clock = clock
        self.version = 0
        """Bumped on every change, so a viewer can skip work when nothing moved."""
        self.triage_version = 0
        """Bumped on every change the probable cause may read (anything but values and
        words of ok signals moving): the diagnosis is not made again otherwise."""
        self.maintenance = MaintenanceBoard()
        """Components in maintenance; `maintenance.notices` are the config's."""
        self._own_maintenance: dict[str, Maintenance] = {}
        """Maintenance an alert itself carries, by key: spread to its component."""

    # -- sources -----------------------------------------------------------------

    def add_source(
        self,
        state: SourceState,
        *,
        max_age: float | None = None,
        transient: bool = False,
    ) -> None:
        """Register a source; `max_age` defaults to twice its interval (DESIGN: stale)."""
        age = max_age if max_age is not None else 2 * state.interval
        # Its timeline keeps as many collection times as a history holds: a signal whose
        # reading does not change rides it (core/signals/collection.py).
        self._sources[state.name] = Source(state, age, transient, times=Timeline(self._history))

    @property
    def sources(self) -> list[SourceState]:
        return [source.state for source in self._sources.values()]

    def source(self, name: str) -> SourceState:
        return self._sources[name].state

    def subscribe(self, listener: Listener) -> None:
        """`listener(changed_keys)` after every change; an empty set means only
        source states changed."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    # -- updates -----------------------------------------------------------------

    def collecting(self, source_name: str, within: float) -> None:
        """A collection of the source started: it answers or fails within `within`
        seconds. Its signals do not turn stale meanwhile, and the answer's data is aged
        to when it was asked for, not to its arrival (`Source.age_limit`). Polled every second with
        answers taking longer (a slow Prometheus, a loaded machine, the collection that
        backfills history), its query signals (dated at the start of a collection)
        turned stale, its SLO signals (dated when taken in) did not, and the probable
        cause named what the stale dependency breaks instead of it for a moment."""
        source, now = self._sources[source_name], self.clock()
        source.asked_at, source.answer_due = now, now + within

    def apply(
        self,
        source_name: str,
        readings: Sequence[Reading],
        *,
        duration_ms: float | None = None,
        at: float | None = None,
        error: str = "",
        note: str = "",
    ) -> None:
        """A collection: update, add, and retire this source's signals.

        With `error`, the collection only partly worked: the readings given are kept
        and the source's other signals turn unknown (source error) instead of retiring.
        `note` says what else is worth knowing (readings the engine dropped).
        """
        update = self.begin_apply(source_name, readings, at=at, error=error, note=note)
        try:
            update.ingest(len(readings))
        except BaseException:
            update.abandon()
            raise
        update.finish(duration_ms)

    async def apply_in_slices(
        self,
        source_name: str,
        readings: Sequence[Reading],
        *,
        duration_ms: float | None = None,
        error: str = "",
        note: str = "",
    ) -> None:
        """`apply`, handing the event loop back every `APPLY_SLICE` readings' worth of
        work (core/signals/collection.py `ingest`): 10,000 readings took the loop (and
        the screen) for 1-1.7 s at a time on a loaded machine. Listeners hear of it
        once, at the end, when the source is whole."""
        update = self.begin_apply(source_name, readings, error=error, note=note)
        more = bool(update.readings)
        try:
            while more:
                more = update.ingest(APPLY_SLICE)
                await asyncio.sleep(SLICE_PAUSE)  # the loop's turns: keys, repaints, sources
        except BaseException:  # cancelled while taking it in
            update.abandon()
            raise
        update.finish(duration_ms)

    def begin_apply(
        self,
        source_name: str,
        readings: Sequence[Reading],
        *,
        at: float | None = None,
        error: str = "",
        note: str = "",
    ) -> CollectionUpdate:
        now = self.clock() if at is None else at
        source = self._sources[source_name]
        message = error_message(error) if error else ""
        self._source_event(source.state, not message, message, now)
        notes = [sanitize(note, MAX_LINE)] if note else []
        if len(readings) > MAX_SIGNALS_PER_SOURCE:
            notes.append(f"{len(readings)} signals, only the first {MAX_SIGNALS_PER_SOURCE} kept")
            readings = readings[:MAX_SIGNALS_PER_SOURCE]
        known, source.key_of = source.key_of, {}
        return CollectionUpdate(self, source_name, source, readings, now, message, notes, known)

    def fail(
        self,
        source_name: str,
        error: str,
        *,
        duration_ms: float | None = None,
        at: float | None = None,
    ) -> None:
        """A failed collection: every signal of the source becomes unknown (source error)."""
        now = self.clock() if at is None else at
        source = self._sources[source_name]
        message = error_message(error)
        source.answered()
        self._source_event(source.state, False, message, now)
        source.unsettle()
        changed = {key for key in source.keys if self._fail_signal(self.signals[key], message, now)}
        source.due = earliest_due(self.signals, source.keys, source.max_age)
        source.state = replace(
            source.state,
            ok=False,
            error=message,
            failing_since=source.state.failing_since or now,
            duration_ms=duration_ms,
            last_attempt=now,
        )
        self._notify(changed)

    def sweep(self, at: float | None = None) -> None:
        """Mark signals stale whose data is older than their source's `max_age`, and
        drop those gone long enough. Called about once a second by the engine: only a
        source whose earliest deadline (`Source.due`) has passed is looked at, so a
        board whose sources all answer costs nothing here."""
        now = self.clock() if at is None else at
        changed: set[str] = set()
        for source in self._sources.values():
            if now - source.due <= 0 or source.applying or now < source.answer_due:
                continue  # not due yet, being taken in, or its answer is on its way
            self._sweep_source(source, now, changed)
        changed |= self._spread_maintenance(now)
        if changed:
            self._notify(changed)

    def _sweep_source(self, source: Source, now: float, changed: set[str]) -> None:
        due = math.inf
        for key in list(source.keys):
            signal = self.signals[key]
            if signal.missing_since is not None and now - signal.missing_since > GONE_AFTER:
                del self.signals[key]
                source.keys.discard(key)
                source.unsettle()
                changed.add(key)
                continue
            if signal.missing_since is None and signal.reason not in (
                Reason.SOURCE_ERROR,
                Reason.STALE,
            ):
                stale = staleness(signal.observed_at, now, source.max_age)
                if stale is not None:
                    unride(signal)
                    source.unsettle()
                    self._set_status(signal, Status.UNKNOWN, Reason.STALE, now)
                    signal.summary = stale
                    changed.add(key)
            due = min(due, signal_due(signal, source.max_age))
        source.due = due

    # -- replay ------------------------------------------------------------------
    # A recording played back sets signals as they were recorded instead of
    # evaluating readings; status changes still become events here, in one place.

    @property
    def history_size(self) -> int:
        return self._history

    def put_source(self, state: SourceState) -> None:
        """A source's state as recorded (added when new); failing and recovering are
        events here as they were live, dated by the recorded attempt."""
        known = self._sources.get(state.name)
        at = state.last_attempt if state.last_attempt is not None else self.clock()
        was = known.state.ok if known is not None else None
        event = source_event(state.name, was, state.ok, state.error, at)
        self.triage_version += 1
        if known is not None:
            known.state = state
        else:
            self.add_source(state)
        if event is not None:
            self.events.append(event)

    def put_signal(
        self,
        signal: Signal,
        status: Status,
        reason: Reason | None,
        at: float,
        *,
        previous: float | None = None,
    ) -> bool:
        """A signal as recorded: its fields already set, its status set here so the
        change is an event like a live one. `previous` is its value before, so a change
        marker's new value becomes a change event. A new key past its source's cap
        (`MAX_SIGNALS_PER_SOURCE`) is refused, as it is live: returns False."""
        keys = self._keys_of(signal.source)
        if signal.key not in keys and len(keys) >= MAX_SIGNALS_PER_SOURCE:
            return False
        self.signals[signal.key] = signal
        keys.add(signal.key)
        self.triage_version += 1
        source = self._sources.get(signal.source)
        if source is not None:
            source.due = -math.inf  # set from outside: the next sweep looks at all of it
            source.unsettle()
        note_change(signal, previous, signal.value, at, self.events)
        signal.history.append(at, signal.value)
        note_budget(signal, at)
        self._set_status(signal, status, reason, at)
        if signal.kind == "alert" and signal.maintenance is not None:
            self._own_maintenance[signal.key] = signal.maintenance
        else:
            self._own_maintenance.pop(signal.key, None)
        return True

    def remove_signals(self, keys: Iterable[str]) -> None:
        self.triage_version += 1
        for key in keys:
            signal = self.signals.pop(key, None)
            if signal is not None:
                self._keys_of(signal.source).discard(key)
                source = self._sources.get(signal.source)
                if source is not None:
                    source.unsettle()

    def announce(self, changed: set[str]) -> None:
        """Tell listeners what `put_*`/`remove_signals` changed."""
        self._notify(changed | self._spread_maintenance(self.clock()))

    # -- internals ---------------------------------------------------------------

    def _keys_of(self, source_name: str) -> set[str]:
        source = self._sources.get(source_name)
        if source is not None:
            return source.keys
        return self._unsourced.setdefault(source_name, set())

    def _ingest(
        self, key: str, source_name: str, source: Source, reading: Reading, now: float
    ) -> bool:
        signal = self.signals.get(key)
        if signal is None:
            signal = Signal(
                key=key,
                kind=reading.kind,
                name="",
                source=source_name,
                labels={},
                unit=reading.unit,
                history=History(self._history, source.times),
            )
            self.signals[key] = signal
            source.keys.add(key)
        maintenance = clean_maintenance(reading.maintenance) if reading.maintenance else None
        if maintenance is not None:
            self._own_maintenance[key] = maintenance
        else:
            self._own_maintenance.pop(key, None)
        return update_signal(signal, reading, now, source.age_limit(now), self.events)

    def _spread_maintenance(self, now: float) -> set[str]:
        for key in [key for key in self._own_maintenance if key not in self.signals]:
            del self._own_maintenance[key]
        return self.maintenance.spread(self.signals, self._own_maintenance, now)

    def _retire(self, key: str, source: Source, now: float) -> bool:
        signal = self.signals[key]
        unride(signal)
        if source.transient:
            resolved(signal, now, self.events)
            del self.signals[key]
            return True
        if signal.missing_since is None:
            signal.missing_since = now
            if in_grace(signal, now, source.age_limit(now)):
                # One answer without it is no news yet: after one failed scrape a
                # Prometheus series is absent until the next, and a dependency that
                # is down turning unknown for that moment made the probable cause
                # name what it breaks. The next answer without it retires it (the
                # sweep leaves it alone: `signal_due`); a failure makes it unknown.
                return False
        elif signal.status is Status.UNKNOWN:
            return False  # retired already, or its source failed since
        signal.value = None
        self._set_status(signal, Status.UNKNOWN, Reason.NO_DATA, now)
        signal.summary = "no longer reported by its source"
        return True

    def _fail_signal(self, signal: Signal, message: str, now: float) -> bool:
        unride(signal)
        before = (signal.status, signal.reason, signal.summary)
        self._set_status(signal, Status.UNKNOWN, Reason.SOURCE_ERROR, now)
        signal.summary = message
        return (signal.status, signal.reason, signal.summary) != before

    def _evict_missing(self, source: Source, changed: set[str]) -> None:
        """Keep a source's signals, missing ones included, under the cap: a source
        whose keys change every poll must not grow the board for 15 minutes."""
        excess = len(source.keys) - MAX_SIGNALS_PER_SOURCE
        if excess <= 0:
            return
        missing = sorted(
            (self.signals[k].missing_since or 0.0, k)
            for k in source.keys
            if self.signals[k].missing_since is not None
        )
        for _, key in missing[:excess]:
            del self.signals[key]
            source.keys.discard(key)
            changed.add(key)

    def _set_status(
        self, signal: Signal, status: Status, reason: Reason | None, now: float
    ) -> None:
        set_status(signal, status, reason, now, self.events)

    def _source_event(self, state: SourceState, ok: bool, error: str, now: float) -> None:
        """Before the collection's signals change: the source failing is the cause,
        its signals turning unknown the consequence, and a replay (which sets sources
        first) reads in the same order."""
        event = source_event(state.name, state.ok, ok, error, now)
        if event is not None:
            self.events.append(event)

    def _notify(self, changed: set[str], *, triage: bool = True) -> None:
        self.version += 1
        if triage:
            self.triage_version += 1
        for listener in self._listeners:
            try:
                listener(changed)
            except Exception:  # a viewer's bug is not the source's failure
                log.exception("store listener failed")
