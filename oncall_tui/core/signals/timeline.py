"""The times of one source's collections, kept once for all its signals' histories
(core/signals/history.py), and how far the histories that ride it were sampled."""

from __future__ import annotations

from array import array
from math import inf

CHUNK = 64
"""Times per `Timeline` chunk: a history holds the few chunks its samples span."""


class Timeline:
    """The times of one source's collections, shared by its signals' histories.

    Times are numbered (ticks) and kept in chunks of `CHUNK`; the timeline holds the
    newest chunks (enough for `keep` ticks, what a riding history may still need),
    each history the chunks its samples span, so a chunk lives as long as a history
    needs it and no longer.
    """

    __slots__ = ("chunk", "chunks", "keep", "newest", "ridden", "ridden_at", "tick")

    def __init__(self, keep: int = 0) -> None:
        """`keep`: the capacity of the largest history that may ride this timeline."""
        self.chunk: array[float] = array("d")
        self.chunks: list[array[float]] = [self.chunk]
        """The newest chunks, oldest first; the last is `chunk`."""
        self.keep = keep
        self.newest: float = -inf
        self.tick = -1
        self.ridden = -1
        """The newest tick at which riding histories were sampled (their source's last
        collection, once taken in whole): set by the store."""
        self.ridden_at: float = -inf
        """The time of tick `ridden`: when a riding signal was last observed."""

    def advance(self, at: float) -> int:
        """The tick of time `at`: the newest one's, or a new one when `at` is later; -1
        when it is earlier (a backfill: the history keeps that time itself)."""
        newest = self.newest
        if at == newest:
            return self.tick
        if not at > newest:  # earlier, or NaN
            return -1
        if len(self.chunk) == CHUNK:
            self.chunk = array("d")
            chunks = self.chunks
            chunks.append(self.chunk)
            # Two more than `keep` spans: a collection under way is a tick ahead.
            if len(chunks) > self.keep // CHUNK + 3:
                del chunks[0]
        self.chunk.append(at)
        self.newest = at
        self.tick += 1
        return self.tick

    def ride_to_newest(self) -> None:
        """Every history riding this timeline was sampled at its newest tick too."""
        self.ridden, self.ridden_at = self.tick, self.newest

    def chunk_of(self, tick: int) -> array[float]:
        """The kept chunk that holds `tick`."""
        index = tick // CHUNK - self.tick // CHUNK - 1
        if not -len(self.chunks) <= index < 0:
            raise IndexError(f"tick {tick} is no longer kept")
        return self.chunks[index]
