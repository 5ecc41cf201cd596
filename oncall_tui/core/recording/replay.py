"""Playing a recording back through a store, on the recorded clock.

The replay is a source like any other for the store: frames become the same signals,
status changes the same events, so the dashboard and the cause logic cannot tell a
replay from a live session except by the REPLAY badge the UI draws.
"""

from __future__ import annotations

import bisect
import copy

from oncall_tui.core.recording.reader import Recording
from oncall_tui.core.signals.breach import backdate_status
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
            for state in frame.sources:
                if state.ok is None:
                    continue
                was = known.get(state.name)
                if state.ok is not (was if was is not None else True):
                    return frame.at
            for record in frame.signals:
                current = store.signals.get(record.key)
                if current is None or (record.status, record.reason) != (
                    current.status,
                    current.reason,
                ):
                    return frame.at
        return None

    def _apply(self, index: int) -> None:
        """One frame into the store. It was checked when the recording was read, so
        every field is what the recorder writes; the store's per-source cap holds
        here as it does live."""
        frame = self.recording.frames[index]
        store = self.store
        for state in frame.sources:
            store.put_source(copy.copy(state))  # the store keeps it: not the frame's own
        updated: list[Signal] = []
        for record in frame.signals:
            existing = store.signals.get(record.key)
            if existing is None:
                signal, previous = record.new_signal(store.history_size), None
            else:
                signal, previous = existing, existing.value
                record.apply_to(signal)
            if store.put_signal(signal, record.status, record.reason, frame.at, previous=previous):
                updated.append(signal)
                # "Since" as it was live (backdated to the breach's start), not the
                # frame the status was first recorded in.
                backdate_status(signal, record.changed_at)
        store.remove_signals(frame.gone)
        store.announce({signal.key for signal in updated} | set(frame.gone))
