"""A bounded ring of samples: a wallboard runs for weeks, so history never grows without limit."""

from __future__ import annotations

from array import array
from collections.abc import Iterator


class History:
    """A fixed-size ring of (time, value) samples; None values are kept as NaN.

    Two flat `array('d')`s instead of a deque of tuples: 1,000 signals x 360 samples is
    ~6 MB this way and ~30 MB as tuples.
    """

    __slots__ = ("_next", "_size", "_times", "_values", "capacity")

    def __init__(self, capacity: int = 360) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._times = array("d")
        self._values = array("d")
        self._next = 0
        self._size = 0

    def append(self, at: float, value: float | None) -> None:
        stored = float("nan") if value is None else value
        if self._size < self.capacity:
            self._times.append(at)
            self._values.append(stored)
            self._size += 1
            return
        self._times[self._next] = at
        self._values[self._next] = stored
        self._next = (self._next + 1) % self.capacity

    def replace_newest(self, at: float, value: float | None) -> None:
        """Overwrite the newest sample (append when empty): a slow series keeps its
        samples spaced and still ends with the latest value."""
        if not self._size:
            self.append(at, value)
            return
        i = (self._next - 1) % self._size  # _next is 0 until the ring is full
        self._times[i] = at
        self._values[i] = float("nan") if value is None else value

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[tuple[float, float | None]]:
        """Oldest first; gaps (no data) come back as None."""
        start = self._next if self._size == self.capacity else 0
        for offset in range(self._size):
            i = (start + offset) % self._size
            value = self._values[i]
            yield self._times[i], (None if value != value else value)

    def values(self) -> list[float | None]:
        return [value for _, value in self]

    def newest_since(self, start: float) -> Iterator[tuple[float, float | None]]:
        """Samples taken at or after `start`, newest first: the tail of a long ring
        without walking all of it."""
        for offset in range(self._size):
            i = (self._next - 1 - offset) % self._size  # _next is 0 until the ring is full
            at = self._times[i]
            if at < start:
                return
            value = self._values[i]
            yield at, (None if value != value else value)
