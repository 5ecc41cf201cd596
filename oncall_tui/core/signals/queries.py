"""The store's read side: what the header, the panels and `check` ask of it.

Kept apart from ingestion (core/signals/store.py, core/signals/ingest.py) so the
questions a viewer asks read in one place, without the bookkeeping that answers them.
"""

from __future__ import annotations

from collections.abc import Callable

from oncall_tui.core.signals.model import Kind, Signal, SourceState, Status, sort_key


class StoreQueries:
    """Questions answered from `signals` and `sources` (mixed into `SignalStore`)."""

    signals: dict[str, Signal]
    clock: Callable[[], float]

    @property
    def sources(self) -> list[SourceState]:
        raise NotImplementedError

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
