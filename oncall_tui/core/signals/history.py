"""A bounded ring of samples: a wallboard runs for weeks, so history never grows without limit.

Every signal has one (two for an SLO), so it is kept small: as two arrays of doubles,
10,000 signals x 360 samples were ~58 MB, half a 10k board's memory.
- Times: a source's signals are sampled together, so the times of its collections are
  kept once, in a `Timeline`, and a history sampled at each of them holds only which
  of them it has (its newest tick and the chunks of times it spans). Any other time (a
  source's backfill, a collection the signal missed, a ring without a timeline) is the
  history's own, kept as steps from the time before in `UNIT`s (4 bytes, not 8) or,
  when a step is not exact that way, as doubles. Own times come first: once the
  samples with them have left the ring, it is all shared again.
- Values: once per run of equal values, with a bit per sample saying where runs
  begin; an unchanged value, most of a board's samples, costs one bit.
- Riding: while its source hands back the very same reading, a history takes no
  append; it `ride`s its timeline, its newest value standing for every tick since, up
  to `Timeline.ridden`, made only when the history is read or changed (`_catch_up`).
Every time and value reads back exactly as appended (gaps, NaN, as None).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from itertools import accumulate, chain, repeat
from math import copysign

from oncall_tui.core.signals.timeline import CHUNK, Timeline

UNITS = 4_194_304.0
"""Own time steps per second: 2**22, so a step between two Unix times (each a multiple
of 2**-22 s until 2038, of a larger power of two after) is a whole number of them."""

UNIT = 1.0 / UNITS
"""Seconds per step; a power of two, so scaling by it never rounds."""

MAX_UNITS = 0xFFFF_FFFF
"""The longest step kept in units (an `array('I')` item): about 17 minutes."""

NAN = float("nan")


class History:
    """A fixed-size ring of (time, value) samples, oldest first; None values are gaps.

    Layout (see the module): the oldest `_own` samples have their own times (`_first`,
    `_last` and `_steps`, or `_times` once plain), the rest are ticks of `_timeline`
    ending at `_tick`, their times in `_chunks`. Values: `_values` (a run each) and
    `_starts` (bit i: sample i begins a run; bit 0 is not kept). The oldest sample
    leaves from the front of the arrays (a short memmove), so reading back needs no
    ring arithmetic.
    """

    __slots__ = (
        "_chunks",
        "_first",
        "_last",
        "_newest",
        "_own",
        "_ride",
        "_size",
        "_starts",
        "_steps",
        "_tick",
        "_timeline",
        "_times",
        "_values",
        "capacity",
    )

    def __init__(self, capacity: int = 360, timeline: Timeline | None = None) -> None:
        """`timeline`: the times of the collections that will append to this history
        (its source's), kept there once rather than here."""
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self._timeline = timeline
        self._size = self._own = self._starts = 0
        self._tick = -1
        self._chunks = _NO_CHUNKS
        self._first = self._last = 0.0
        self._steps: array[int] | None = _NO_STEPS
        self._times: array[float] = _NO_TIMES
        self._values = array("d")
        self._newest: float = NAN
        self._ride = False

    @property
    def timeline(self) -> Timeline | None:
        """The shared times this history takes its samples' times from when it can."""
        return self._timeline

    def ride(self) -> bool:
        """Stand for the samples of the coming collections with the newest value (see
        the module), until `stop_ride`; whether it can: its newest sample must be its
        timeline's newest tick, and the timeline keep as many ticks as it holds."""
        timeline = self._timeline
        if (
            timeline is None
            or self._tick != timeline.tick
            or self._size <= self._own
            or self.capacity > timeline.keep
        ):
            return False
        self._ride = True
        return True

    def stop_ride(self) -> None:
        """The ride's samples made, up to the timeline's `ridden` tick; no more after."""
        if self._ride:
            self._catch_up()
            self._ride = False

    def _catch_up(self) -> None:
        """The newest value again at every tick ridden since the history was last
        changed: all at once, at most a ring's worth of work however long the ride."""
        timeline = self._timeline
        assert timeline is not None  # only a history on a timeline rides
        ridden = timeline.ridden
        ticks = ridden - self._tick
        if ticks <= 0:
            return
        capacity, tick = self.capacity, self._tick
        if ticks >= capacity:  # the ride is all the ring holds now
            self._own, self._steps, self._times = 0, _NO_STEPS, _NO_TIMES
            self._values = array("d", (self._newest,))
            self._starts, self._size, self._chunks = 0, capacity, []
            start = (ridden - capacity + 1) // CHUNK
        else:
            drop = self._size + ticks - capacity
            if drop > 0:
                self._drop(drop)
            self._size += ticks
            start = tick // CHUNK + 1  # the chunks it holds reach its newest tick
        for number in range(start, ridden // CHUNK + 1):
            self._chunks.append(timeline.chunk_of(number * CHUNK))
        self._tick = ridden

    def _drop(self, count: int) -> None:
        """Drop the `count` oldest samples (fewer than the ring holds)."""
        if self._own:
            for _ in range(count):
                self._drop_oldest()
            return
        starts, oldest = self._starts, self._tick - self._size + 1
        # Bits 1..count begin runs that lie wholly among the dropped samples.
        gone = (starts & ((1 << (count + 1)) - 2)).bit_count()
        if gone:
            del self._values[:gone]
        self._starts = starts >> count
        self._size -= count
        del self._chunks[: (oldest + count) // CHUNK - oldest // CHUNK]

    def append(self, at: float, value: float | None) -> None:
        if self._ride:
            self._catch_up()
        timeline = self._timeline
        if (
            value is self._newest
            and timeline is not None
            and at is timeline.newest
            and timeline.tick == self._tick + 1
            and self._size == self.capacity
            and not self._own
        ):
            # Most appends of a board: a full ring, all on the timeline, taking the
            # same value again at its source's next collection. The oldest leaves.
            tick = self._tick = timeline.tick
            starts = self._starts
            if starts:
                if starts & 2:
                    del self._values[0]
                self._starts = starts >> 1
            if not (tick - self._size + 1) % CHUNK:
                del self._chunks[0]
            if not tick % CHUNK:
                self._chunks.append(timeline.chunk)
            return
        size = self._size
        if size == self.capacity:
            if self._own or size == 1:
                self._drop_oldest()
            else:  # a full ring whose times are all shared, most appends: inlined
                starts = self._starts
                if starts & 2:
                    del self._values[0]
                self._starts = starts >> 1
                if not (self._tick - size + 2) % CHUNK:
                    del self._chunks[0]
                self._size = size - 1
            size -= 1
        stored = NAN if value is None else value
        if timeline is None:
            self._own_append(at)
        else:
            tick = timeline.tick if at is timeline.newest else timeline.advance(at)
            shared = size - self._own
            if shared and tick == self._tick + 1:
                self._tick = tick
                if not tick % CHUNK:
                    self._chunks.append(timeline.chunk)
            elif tick >= 0:
                if shared:
                    self._flush()  # a collection missed: those times become its own
                self._tick, self._chunks = tick, [timeline.chunk]
            else:
                if shared:
                    self._flush()
                self._own_append(at)
        self._size = size + 1
        if not size:
            self._values.append(stored)
            self._newest = stored
            return
        newest = self._newest
        if not (stored is newest or _same(stored, newest)):
            self._values.append(stored)
            self._starts |= 1 << size
            self._newest = stored

    def replace_newest(self, at: float, value: float | None) -> None:
        """Overwrite the newest sample (append when empty): a slow series keeps its
        samples spaced and still ends with the latest value."""
        if self._ride:
            self._catch_up()
        size = self._size
        if not size:
            self.append(at, value)
            return
        stored = NAN if value is None else value
        if size > self._own and at != self._chunk_time(self._tick, size - self._own):
            self._flush()  # its newest moves off the timeline's time
        if size == self._own:
            self._own_replace(at)
        newest = size - 1
        if not newest or self._starts >> newest & 1:
            self._values[-1] = stored  # the newest is a run of its own
        elif not _same(stored, self._newest):
            self._values.append(stored)
            self._starts |= 1 << newest
        self._newest = stored

    def __len__(self) -> int:
        if self._ride:
            self._catch_up()
        return self._size

    def __iter__(self) -> Iterator[tuple[float, float | None]]:
        """Oldest first; gaps (no data) come back as None. Read at once, so a sample
        appended while the caller walks it is not half seen."""
        if self._ride:
            self._catch_up()
        return zip(self._own_times() + self._shared_times(), self.values(), strict=True)

    def values(self) -> list[float | None]:
        if self._ride:
            self._catch_up()
        size = self._size
        runs = [None if value != value else value for value in self._values.tolist()]
        if len(runs) == size:
            return runs
        # Bit i (oldest first) begins a run: the run lengths are the gaps between ones.
        bits = format(self._starts | 1, "b")[::-1].ljust(size, "0")
        lengths = [len(rest) + 1 for rest in bits.split("1")[1:]]
        return list(chain.from_iterable(map(repeat, runs, lengths)))

    def newest_times(self) -> tuple[float, float] | None:
        """The times of the newest two samples, newest first; None with fewer. (An SLO's
        budget ring asks at every collection whether its newest sample moves on.)"""
        if self._ride:
            self._catch_up()
        own = self._own
        if self._size < 2:
            return None
        if own == self._size and own >= 2:  # all its own times: read at once
            steps = self._steps
            if steps is None:
                return self._times[-1], self._times[-2]
            last = float(self._last)
            return last, last - steps[-1] * UNIT  # exact: see `_own_append`
        times = self._times_newest_first()
        return next(times), next(times)

    def newest_since(self, start: float) -> Iterator[tuple[float, float | None]]:
        """Samples taken at or after `start`, newest first: the tail of a long ring
        without decoding all of it."""
        if self._ride:
            self._catch_up()
        index = self._size - 1
        if index < 0:
            return
        values, starts = self._values, self._starts
        run = len(values) - 1
        value = values[run]
        for at in self._times_newest_first():
            if at < start:
                return
            yield at, (None if value != value else value)
            if index and starts >> index & 1:  # this sample began its run
                run -= 1
                value = values[run]
            index -= 1

    def _times_newest_first(self) -> Iterator[float]:
        """The shared times, then the own ones, each newest first."""
        index, own = self._size - 1, self._own
        chunks, tick = self._chunks, self._tick
        base = (tick - index + own) // CHUNK
        while index >= own:
            yield chunks[tick // CHUNK - base][tick % CHUNK]
            index -= 1
            tick -= 1
        if index < 0:
            return
        steps, times = self._steps, self._times
        # float(): an int time reads back as the float an array of doubles made of it.
        at = float(self._last) if steps is not None else times[index]
        while True:
            yield at
            if not index:
                return
            index -= 1
            # Exact: a step is kept only when undoing it gives the time before back.
            at = at - steps[index] * UNIT if steps is not None else times[index]

    # -- own times -----------------------------------------------------------------

    def _own_append(self, at: float) -> None:
        """`at` after the own times (there are no shared ones after them)."""
        own, steps = self._own, self._steps
        self._own = own + 1
        if steps is None:
            self._times.append(at)
        elif not own:
            self._first = self._last = float(at)
            if steps is _NO_STEPS:
                self._steps = array("I")  # made only when needed: most rings share
        else:
            last = self._last
            # At most twice `last`: the difference is exact, and so the step.
            if last <= at <= last + last:
                units = (at - last) * UNITS
                if units <= MAX_UNITS and units == (whole := int(units)):
                    steps.append(whole)
                    self._last = at
                    return
            self._to_plain(at)

    def _own_replace(self, at: float) -> None:
        """`at` as the newest own time (the newest sample's)."""
        steps = self._steps
        if steps is None:
            self._times[-1] = at
            return
        if not steps:
            self._first = self._last = float(at)
            return
        before = self._last - steps[-1] * UNIT  # exact: see `_own_append`
        if before <= at <= before + before:
            units = (at - before) * UNITS
            if units <= MAX_UNITS and units == (whole := int(units)):
                steps[-1] = whole
                self._last = at
                return
        self._to_plain(at, replace=True)

    def _own_times(self) -> list[float]:
        if self._steps is None:
            return self._times.tolist()
        if not self._own:
            return []
        # The same additions each step was checked against: every time exact.
        return list(accumulate(map(UNIT.__mul__, self._steps), initial=self._first))

    def _to_plain(self, at: float, *, replace: bool = False) -> None:
        """Own times as doubles from now on (until the ring has none of them): `at`
        appended, or in place of the newest."""
        times = array("d", self._own_times())
        if replace:
            times[-1] = at
        else:
            times.append(at)
        self._times, self._steps = times, None

    # -- shared times --------------------------------------------------------------

    def _shared_times(self) -> list[float]:
        shared = self._size - self._own
        if not shared:
            return []
        offset = (self._tick - shared + 1) % CHUNK
        return list(chain.from_iterable(self._chunks))[offset : offset + shared]

    def _chunk_time(self, tick: int, shared: int) -> float:
        base = (self._tick - shared + 1) // CHUNK
        return self._chunks[tick // CHUNK - base][tick % CHUNK]

    def _flush(self) -> None:
        """Make the shared times own ones: the next sample is not the tick after."""
        for at in self._shared_times():
            self._own_append(at)
        self._chunks = _NO_CHUNKS

    # -- both ----------------------------------------------------------------------

    def _drop_oldest(self) -> None:
        size, starts = self._size, self._starts
        if size == 1 or starts & 2:  # no next sample, or it begins a run
            del self._values[0]
        self._starts = starts >> 1
        self._size = size - 1
        if size == 1:
            self._newest = NAN
        own = self._own
        if not own:
            if not (self._tick - size + 2) % CHUNK:  # the new oldest begins a chunk
                del self._chunks[0]
            return
        self._own = own - 1
        steps = self._steps
        if steps is None:
            del self._times[0]
            if own == 1:  # no own time left: the next ones may be compact again
                self._times, self._steps = _NO_TIMES, _NO_STEPS
        elif own > 1:
            self._first += steps[0] * UNIT
            del steps[0]


_NO_TIMES: array[float] = array("d")
"""`_times` while own times are compact: never appended to (plain ones get their own)."""

_NO_STEPS: array[int] = array("I")
"""`_steps` until a ring has an own time: never appended to (see `_own_append`)."""

_NO_CHUNKS: list[array[float]] = []
"""`_chunks` while a ring has no shared time: never changed (a shared part gets its own)."""


def _same(a: float, b: float) -> bool:
    """Whether two stored values read back the same: NaN (a gap) equals NaN; 0.0 and
    -0.0 stay apart."""
    if a == b:
        return a != 0.0 or copysign(1.0, a) == copysign(1.0, b)
    return a != a and b != b
