"""Signals that ride their source's collections (core/signals/collection.py): handed the
very same reading at the same place again, nothing of them is touched per collection.
Their history stands for a sample at each collection (core/signals/history.py), their
`observed_at` is their source's newest collection, and an SLO signal's budget ring has
its newest sample moved on with it (model.py `budget_of`) until the ring may take a new
sample: its source's `budget_due` says at which collection it is taken in whole again.
"""

from __future__ import annotations

import math

from oncall_tui.core.signals.model import Reading, Signal, budget_of, observed_slot
from oncall_tui.core.signals.slo import budget_spacing
from oncall_tui.core.signals.timeline import Timeline

BUDGET_SLACK = 0.001
"""Seconds before its budget ring's next sample is due that a riding SLO signal is
taken in whole again: early enough that no rounding of times can make it late."""


def rides(signal: Signal, reading: Reading, timeline: Timeline) -> bool:
    """Let a signal given the very `reading` again ride its source's collections, if
    that reading again could only add a sample and a time (the shortest path of
    `ingest`): no sample time of its own, status from its data with no timer, in its
    source's last answer, no budget ring. The same conditions as `budget_rides` and
    collection.py `ingest`'s shortest path (written out there to spare a call per
    reading): change all three together (tests/test_store_ride_conditions.py holds
    them to agree)."""
    if (
        reading.observed_at is None
        and signal.reason is None
        and signal.missing_since is None
        and signal.last is reading
        and not signal.breach_since
        and not signal.clear_since
        and signal.slo is None
        and signal.history.ride()
    ):
        signal.ride = timeline
        return True
    return False


def budget_rides(signal: Signal, reading: Reading, timeline: Timeline, now: float) -> float:
    """Let an SLO signal just given the very `reading` again (on `same_reading`'s path)
    ride its source's collections until its budget ring takes its next sample (a
    collection taken in whole only moves the ring's newest sample on, which the ride
    does: model.py `budget_of`): when it must be taken in whole again, or -inf when it
    cannot ride. Its conditions are those of `rides` (and of collection.py `ingest`'s
    shortest path) for a signal with a budget ring: change all three together."""
    ring, facts = signal.budget, signal.slo
    times = ring.newest_times() if ring is not None and facts is not None else None
    if (
        times is None
        or facts is None
        or reading.observed_at is not None
        or signal.reason is not None
        or signal.missing_since is not None
        or signal.breach_since
        or signal.clear_since
    ):
        return -math.inf
    # The collection after one at least `budget_spacing` after the ring's second newest
    # sample appends: taken in whole from that one on.
    due = times[1] + budget_spacing(facts.period) - BUDGET_SLACK
    if due <= now or not signal.history.ride():
        return -math.inf
    signal.ride = timeline
    return due


def unride(signal: Signal) -> None:
    """End a signal's ride: its `observed_at` its own, the ride's last collection
    (written to its slot: this hot path pays no property call)."""
    timeline = signal.ride
    if timeline is not None:
        end_ride(signal)
        observed_slot(signal, timeline.ridden_at)


def end_ride(signal: Signal) -> None:
    """Stop a riding signal where its ride stands: its history's samples made, its
    budget ring's newest moved on (model.py's `observed_at` setter ends a ride with it
    too, before writing a time of its own)."""
    signal.history.stop_ride()
    if signal.slo is not None:  # only an SLO signal keeps a budget ring (note_budget)
        budget_of(signal)
    signal.ride = None


def budget_ends(budget_due: dict[int, float], riders: list[Reading | None], now: float) -> None:
    """Take the SLO signals whose budget ring may take a sample at `now` off `riders`
    (a collection's, by place), so they are taken in whole."""
    if budget_due and min(budget_due.values()) <= now:  # at C speed: most collections
        for place, until in list(budget_due.items()):
            if until <= now:
                del budget_due[place]
                if place < len(riders):
                    riders[place] = None
