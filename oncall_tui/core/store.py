"""The signal store: where readings become signals.

Every reading passes through `apply`: sanitised once, its status evaluated (thresholds,
`for`, explicit status), its history and status changes recorded. Sources failing or
going quiet turn their signals unknown here too, so there is one place that decides
what the board says.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from oncall_tui.core.breach import backdate_breaches, backdate_status
from oncall_tui.core.formatting import default_summary
from oncall_tui.core.history import EventLog, History
from oncall_tui.core.model import (
    Event,
    Kind,
    Reading,
    Reason,
    Signal,
    SourceState,
    Status,
    as_number,
    sort_key,
)
from oncall_tui.core.sanitize import MAX_LINE, sanitize

MAX_SIGNALS_PER_SOURCE = 10_000
"""A query matching 100k series must not eat the wallboard's memory."""
MAX_LABELS = 32
GONE_AFTER = 900.0
"""Seconds a non-transient signal stays on the board (as unknown: no data) after its
source stopped reporting it; long enough to notice, short enough to stay bounded."""

Listener = Callable[[set[str]], None]
log = logging.getLogger(__name__)


@dataclass(slots=True)
class _Source:
    state: SourceState
    max_age: float
    transient: bool
    keys: set[str] = field(default_factory=set)
    key_of: dict[str, str] = field(default_factory=dict)
    """Store key by the plugin's raw key, as of the last collection: saves sanitising
    every key again on every poll."""


class SignalStore:
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
        self._sources: dict[str, _Source] = {}
        self._history = history
        self._listeners: list[Listener] = []
        self.clock = clock
        self.version = 0
        """Bumped on every change, so a viewer can skip work when nothing moved."""

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
        self._sources[state.name] = _Source(state, age, transient)

    @property
    def sources(self) -> list[SourceState]:
        return [source.state for source in self._sources.values()]

    def source(self, name: str) -> SourceState:
        return self._sources[name].state

    def subscribe(self, listener: Listener) -> None:
        """`listener(changed_keys)` after every change; an empty set means only
        source states changed."""
        self._listeners.append(listener)

    # -- updates -----------------------------------------------------------------

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
        now = self.clock() if at is None else at
        source = self._sources[source_name]
        message = _error_message(error) if error else ""
        changed: set[str] = set()
        seen: set[str] = set()
        notes = [sanitize(note, MAX_LINE)] if note else []
        if len(readings) > MAX_SIGNALS_PER_SOURCE:
            notes.append(f"{len(readings)} signals, only the first {MAX_SIGNALS_PER_SOURCE} kept")
            readings = readings[:MAX_SIGNALS_PER_SOURCE]
        bad = 0
        known, source.key_of = source.key_of, {}
        for reading in readings:
            key = known.get(reading.key) or f"{source_name}/{sanitize(reading.key, 256)}"
            source.key_of[reading.key] = key
            try:
                updated = self._ingest(key, source_name, source, reading, now)
            except Exception:  # a reading the engine's checks did not catch
                bad += 1
                self.signals.pop(key, None)
                continue
            seen.add(key)
            if updated:
                changed.add(key)
        if bad:
            notes.append(f"{bad} malformed readings dropped")
        for key in source.keys - seen:
            if message:
                if self._fail_signal(self.signals[key], message, now):
                    changed.add(key)
            elif self._retire(key, source, now):
                changed.add(key)
        source.keys = {key for key in source.keys | seen if key in self.signals}
        self._evict_missing(source, changed)
        source.state = replace(
            source.state,
            ok=not message,
            error=message,
            failing_since=(source.state.failing_since or now) if message else None,
            note="; ".join(notes),
            duration_ms=duration_ms,
            last_success=now,
            last_attempt=now,
        )
        self._notify(changed)

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
        message = _error_message(error)
        changed = {key for key in source.keys if self._fail_signal(self.signals[key], message, now)}
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
        drop those gone long enough. Called about once a second by the engine."""
        now = self.clock() if at is None else at
        changed: set[str] = set()
        for source in self._sources.values():
            for key in list(source.keys):
                signal = self.signals[key]
                if signal.missing_since is not None and now - signal.missing_since > GONE_AFTER:
                    del self.signals[key]
                    source.keys.discard(key)
                    changed.add(key)
                    continue
                if (
                    signal.observed_at is not None
                    and signal.missing_since is None
                    and signal.reason is not Reason.SOURCE_ERROR
                    and signal.reason is not Reason.STALE
                    and now - signal.observed_at > source.max_age
                ):
                    self._set_status(signal, Status.UNKNOWN, Reason.STALE, now)
                    age = now - signal.observed_at
                    signal.summary = f"stale: last data {age:.0f}s ago"
                    changed.add(key)
        if changed:
            self._notify(changed)

    # -- replay ------------------------------------------------------------------
    # A recording played back sets signals as they were recorded instead of
    # evaluating readings; status changes still become events here, in one place.

    @property
    def history_size(self) -> int:
        return self._history

    def put_source(self, state: SourceState) -> None:
        """A source's state as recorded (added when new)."""
        if state.name in self._sources:
            self._sources[state.name].state = state
        else:
            self.add_source(state)

    def put_signal(
        self,
        signal: Signal,
        status: Status,
        reason: Reason | None,
        at: float,
        *,
        previous: float | None = None,
    ) -> None:
        """A signal as recorded: its fields already set, its status set here so the
        change is an event like a live one. `previous` is its value before, so a change
        marker's new value becomes a change event."""
        self.signals[signal.key] = signal
        source = self._sources.get(signal.source)
        if source is not None:
            source.keys.add(signal.key)
        if signal.kind == "change" and signal.value is not None and signal.value != previous:
            change = Event(
                at, signal.key, signal.name, Status.OK, Status.OK, signal.value, change=True
            )
            self.events.append(change)
        signal.history.append(at, signal.value)
        self._set_status(signal, status, reason, at)

    def remove_signals(self, keys: Iterable[str]) -> None:
        for key in keys:
            signal = self.signals.pop(key, None)
            if signal is not None and signal.source in self._sources:
                self._sources[signal.source].keys.discard(key)

    def announce(self, changed: set[str]) -> None:
        """Tell listeners what `put_*`/`remove_signals` changed."""
        self._notify(changed)

    # -- queries -----------------------------------------------------------------

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def by_kind(self, kind: Kind) -> list[Signal]:
        return sorted((s for s in self.signals.values() if s.kind == kind), key=sort_key)

    def worst(self) -> Signal | None:
        return min(self.signals.values(), key=sort_key, default=None)

    def counts(self) -> dict[Status, int]:
        return self.summary()[1]

    def overall(self) -> Status:
        """Worst status of all signals, where a failing source counts as unknown even
        when it has no signals (it might be hiding the outage)."""
        return self.summary()[0]

    def summary(self) -> tuple[Status, dict[Status, int]]:
        """Overall status and counts per status, in one pass over the signals (the
        header asks on every change of a board that may hold thousands)."""
        counts = dict.fromkeys(Status, 0)
        for signal in self.signals.values():
            if signal.kind != "change":
                counts[signal.status] += 1
        present = [status for status, count in counts.items() if count]
        if any(source.ok is False for source in self.sources):
            present.append(Status.UNKNOWN)
        return Status.worst(present), counts

    def data_age(self, at: float | None = None) -> float | None:
        """Seconds since the oldest source last succeeded: what the header shows."""
        now = self.clock() if at is None else at
        times = [s.last_success for s in self.sources]
        if not times or any(t is None for t in times):
            return None
        return now - min(t for t in times if t is not None)

    # -- internals ---------------------------------------------------------------

    def _ingest(
        self, key: str, source_name: str, source: _Source, reading: Reading, now: float
    ) -> bool:
        signal = self.signals.get(key)
        observed = _observed_at(reading, now)
        if signal is not None and reading is signal.last and _settled(signal):
            signal.observed_at = observed
            signal.history.append(now, signal.value)
            return False
        kind, unit = reading.kind, reading.unit
        value = as_number(reading.value)
        if signal is None:
            signal = Signal(
                key=key,
                kind=kind,
                name="",
                source=source_name,
                labels={},
                unit=unit,
                history=History(self._history),
            )
            self.signals[key] = signal
            source.keys.add(key)
        before = (signal.value, signal.status, signal.summary, signal.name)
        signal.kind = kind
        signal.unit = unit
        signal.name = sanitize(reading.name, 200) or key
        raw = (reading.labels, reading.runbook, reading.query, reading.component)
        if raw != signal.raw:
            signal.labels = _clean_labels(reading.labels)
            signal.query = sanitize(reading.query, 2000)
            signal.runbook = reading.runbook.sanitized() if reading.runbook else None
            signal.component = sanitize(reading.component, 200)
            signal.raw = raw
        signal.component = signal.component or signal.name
        if kind == "change" and value is not None and value != signal.value:
            self.events.append(
                Event(now, key, signal.name, Status.OK, Status.OK, value, change=True)
            )
        signal.thresholds = reading.thresholds
        signal.baseline = as_number(reading.baseline)
        signal.explicit_status = reading.status
        signal.value = value
        signal.observed_at = observed
        signal.missing_since = None
        if reading.history:
            signal.history = _prefill(signal.history, reading.history, now)
        signal.history.append(now, value)
        if reading.history:
            backdate_breaches(signal)
        status, reason = self._evaluate(signal, now)
        summary = sanitize(reading.summary, MAX_LINE)
        summary = summary or default_summary(
            value, unit, status, reading.thresholds, signal.baseline
        )
        if now - observed > source.max_age:
            # Fetched just now, measured long ago (a sample's own timestamp): stale.
            status, reason = Status.UNKNOWN, Reason.STALE
            summary = f"stale: last data {now - observed:.0f}s ago"
        self._set_status(signal, status, reason, now)
        if reading.history:
            backdate_status(signal)
        signal.summary = summary
        signal.last = reading
        return before != (signal.value, signal.status, signal.summary, signal.name)

    def _evaluate(self, signal: Signal, now: float) -> tuple[Status, Reason | None]:
        if signal.explicit_status is not None:
            if signal.explicit_status is Status.UNKNOWN:
                return Status.UNKNOWN, Reason.NO_DATA
            return signal.explicit_status, None
        if signal.value is None:
            # Breach timers survive a gap: one lost sample must not reset `for`.
            return Status.UNKNOWN, Reason.NO_DATA
        thresholds = signal.thresholds
        if thresholds is None:
            return Status.OK, None
        level = thresholds.level(signal.value, signal.baseline)
        status = Status.OK
        for step in (Status.WARNING, Status.CRITICAL):
            if level.severity >= step.severity:
                since = signal.breach_since.setdefault(step, now)
                if now - since >= thresholds.for_seconds:
                    status = step
            else:
                signal.breach_since.pop(step, None)
        return status, None

    def _retire(self, key: str, source: _Source, now: float) -> bool:
        signal = self.signals[key]
        if source.transient:
            del self.signals[key]
            return True
        if signal.missing_since is not None:
            return False
        signal.missing_since = now
        signal.value = None
        self._set_status(signal, Status.UNKNOWN, Reason.NO_DATA, now)
        signal.summary = "no longer reported by its source"
        return True

    def _fail_signal(self, signal: Signal, message: str, now: float) -> bool:
        before = (signal.status, signal.reason, signal.summary)
        self._set_status(signal, Status.UNKNOWN, Reason.SOURCE_ERROR, now)
        signal.summary = message
        return (signal.status, signal.reason, signal.summary) != before

    def _evict_missing(self, source: _Source, changed: set[str]) -> None:
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

    def _note_change(
        self, signal: Signal, before: float | None, after: float | None, now: float
    ) -> None:
        """A change marker's new value (a deploy, an edit) is an event on the timeline."""
        if signal.kind == "change" and after is not None and after != before:
            self.events.append(
                Event(now, signal.key, signal.name, Status.OK, Status.OK, after, change=True)
            )

    def _set_status(
        self, signal: Signal, status: Status, reason: Reason | None, now: float
    ) -> None:
        if signal.kind == "change":
            # A change marker is an event, never a status (DESIGN): always ok.
            status, reason = Status.OK, None
        if signal.status is status and signal.reason is reason:
            return
        if signal.changed_at is not None or status is not Status.OK:
            # A signal's first appearance as ok is not news; anything else is.
            self.events.append(
                Event(now, signal.key, signal.name, signal.status, status, signal.value, reason)
            )
        signal.status = status
        signal.reason = reason
        signal.changed_at = now

    def _notify(self, changed: set[str]) -> None:
        self.version += 1
        for listener in self._listeners:
            try:
                listener(changed)
            except Exception:  # a viewer's bug is not the source's failure
                log.exception("store listener failed")


def _settled(signal: Signal) -> bool:
    """Whether the same reading again cannot change the signal: its status comes from
    its data (not stale, missing or failed) and no `for` timer is running."""
    if signal.reason is not None:
        return False
    thresholds = signal.thresholds
    return not (signal.breach_since and thresholds is not None and thresholds.for_seconds)


def _observed_at(reading: Reading, now: float) -> float:
    """When the reading's value was measured: its own time if it has a sane one (never
    in the future), else now."""
    observed = as_number(reading.observed_at)
    return now if observed is None else min(observed, now)


def _prefill(
    history: History, samples: Sequence[tuple[float, float | None]], now: float
) -> History:
    """Put a source's earlier samples in front of the history (a chart at start), only
    those older than what it already holds; bounded by the history's capacity. A
    malformed sample list is ignored, never a reason to drop the reading."""
    oldest = next(iter(history), (now, None))[0]
    earlier: list[tuple[float, float | None]] = []
    try:
        for at, value in samples[-2 * history.capacity :]:
            time_ = as_number(at)
            if time_ is not None and time_ < oldest:
                earlier.append((time_, as_number(value)))
    except (TypeError, ValueError):
        return history
    if not earlier:
        return history
    earlier.sort(key=lambda sample: sample[0])
    filled = History(history.capacity)
    for at, value in earlier[-history.capacity :] + list(history):
        filled.append(at, value)
    return filled


def _clean_labels(labels: Mapping[str, str]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for name, value in list(labels.items())[:MAX_LABELS]:
        cleaned[sanitize(name, 100)] = sanitize(value, MAX_LINE)
    return cleaned


def _error_message(error: str) -> str:
    return sanitize(error, MAX_LINE) or "collection failed"
