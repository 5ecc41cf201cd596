"""The header's counts per status, kept by what the store reported changed.

`SignalStore.summary` is one pass over every signal; the header asked it after every
collection, so a board of 10,000 signals paid 10,000 reads a second to say that three
of them changed status. Here each signal's counted status is remembered, and a change
costs a look at the keys the store reported (its listeners hear of every change).
"""

from __future__ import annotations

from collections.abc import Collection

from oncall_tui.core.signals.model import Status
from oncall_tui.core.signals.store import SignalStore


class StatusCounts:
    """Signals per status (change markers left out, as `SignalStore.summary` does) and
    the overall status, for one store; call `note` from a store listener."""

    def __init__(self, store: SignalStore) -> None:
        self.store = store
        self.counts: dict[Status, int] = dict.fromkeys(Status, 0)
        self._counted: dict[str, Status] = {}
        self._pending: set[str] | None = None
        """Keys reported since the last count; None: count everything again."""
        self.reads = 0
        """Signals read so far (what a change must not cost: the whole store)."""

    def note(self, changed: Collection[str]) -> None:
        """The store changed `changed` (its listener's argument)."""
        if self._pending is not None:
            self._pending.update(changed)

    def recount(self) -> None:
        """Count everything again at the next `summary` (the store was replaced, or
        changed without telling its listeners)."""
        self._pending = None

    def summary(self) -> tuple[Status, dict[Status, int]]:
        """(overall status, counts per status): `SignalStore.summary`'s answer."""
        if self._pending is None:
            self._count_all()
        elif self._pending:
            self._count(self._pending)
        self._pending = set()
        present = [status for status, count in self.counts.items() if count]
        if any(source.ok is False for source in self.store.sources):
            present.append(Status.UNKNOWN)
        return Status.worst(present), dict(self.counts)

    def _count_all(self) -> None:
        self.counts = dict.fromkeys(Status, 0)
        self._counted = {}
        self._count(self.store.signals)

    def _count(self, keys: Collection[str]) -> None:
        signals, counts, counted = self.store.signals, self.counts, self._counted
        self.reads += len(keys)
        for key in keys:
            was = counted.pop(key, None)
            if was is not None:
                counts[was] -= 1
            signal = signals.get(key)
            if signal is not None and signal.kind != "change":
                counted[key] = signal.status
                counts[signal.status] += 1
