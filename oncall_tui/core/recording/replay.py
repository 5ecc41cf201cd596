"""Playing a recording back through a store, on the recorded clock.

The replay is a source like any other for the store: frames become the same signals,
status changes the same events, so the dashboard and the cause logic cannot tell a
replay from a live session except by the REPLAY badge the UI draws.
"""

from __future__ import annotations

import bisect

from oncall_tui.core.recording.format import (
    apply_signal_json,
    signal_from_json,
    source_from_json,
    status_of,
)
from oncall_tui.core.recording.reader import Recording
from oncall_tui.core.signals.model import Signal
from oncall_tui.core.signals.store import SignalStore


class Replay:
    """A cursor over a recording's frames feeding one store.

    `now` is the recorded clock: give it to the store (`SignalStore(clock=replay.clock)`)
    so ages, staleness and "since" read as they did during the incident.
    """

    def __init__(self, recording: Recording, store: SignalStore) -> None:
        self.recording = recording
        self.store = store
        self.position = 0
        """Frames applied so far."""
        self.now = recording.started_at
        self.skipped = 0
        """Signals in the file that could not be read (wrong types): skipped, counted."""
        self._times = [frame.at for frame in recording.frames]

    def clock(self) -> float:
        return self.now

    @property
    def at_end(self) -> bool:
        return self.position >= len(self.recording.frames)

    def step(self) -> bool:
        """Apply the next frame; False at the end."""
        if self.at_end:
            return False
        frame = self.recording.frames[self.position]
        self.now = max(self.now, frame.at)
        self._apply(self.position)
        self.position += 1
        return True

    def advance_to(self, at: float) -> int:
        """Apply every frame up to `at` (recorded time); returns how many."""
        end = bisect.bisect_right(self._times, at)
        applied = 0
        while self.position < end:
            self.step()
            applied += 1
        self.now = max(self.now, at)
        return applied

    def next_status_change(self) -> float | None:
        """The time of the next frame in which some signal changes status or a source
        fails or recovers, for the "jump to the next change" key; None when none is left."""
        store = self.store
        known = {source.name: source.ok for source in store.sources}
        for frame in self.recording.frames[self.position :]:
            for data in frame.sources:
                if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
                    continue
                was = known.get(str(data.get("name")))
                if data["ok"] is not (was if was is not None else True):
                    return frame.at
            for data in frame.signals:
                current = store.signals.get(str(data.get("key")))
                if current is None or status_of(data) != (current.status, current.reason):
                    return frame.at
        return None

    def _apply(self, index: int) -> None:
        frame = self.recording.frames[index]
        store = self.store
        for data in frame.sources:
            try:
                store.put_source(source_from_json(data))
            except ValueError:
                self.skipped += 1
        updated: list[tuple[Signal, float | None]] = []
        for data in frame.signals:
            if not isinstance(data, dict):
                self.skipped += 1
                continue
            try:
                existing = store.signals.get(str(data.get("key")))
                if existing is None:
                    signal = signal_from_json(data, store.history_size)
                    previous = None
                else:
                    signal, previous = existing, existing.value
                    apply_signal_json(signal, data)
            except (ValueError, TypeError, AssertionError):
                self.skipped += 1
                continue
            status, reason = status_of(data)
            updated.append((signal, previous))
            store.put_signal(signal, status, reason, frame.at, previous=previous)
        store.remove_signals(frame.gone)
        store.announce({signal.key for signal, _ in updated} | set(frame.gone))
