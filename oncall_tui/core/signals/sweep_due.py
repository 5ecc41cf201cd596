"""When the staleness sweep can next find something to do about a signal: its data
turning stale, or a signal no longer reported leaving the board. Each source keeps the
earliest of its signals' (`Source.due`), so the once-a-second sweep skips every source
whose time has not come."""

from __future__ import annotations

import math
from collections.abc import Iterable

from oncall_tui.core.signals.model import Reason, Signal, Status

GONE_AFTER = 900.0
"""Seconds a non-transient signal stays on the board (as unknown: no data) after its
source stopped reporting it; long enough to notice, short enough to stay bounded."""
_SWEPT_ALREADY = (Reason.SOURCE_ERROR, Reason.STALE)
"""Reasons a sweep leaves alone (until the signal's source speaks again)."""


def signal_due(signal: Signal, max_age: float) -> float:
    """When the sweep may next change `signal`: its staleness deadline, or when a
    signal no longer reported is dropped; inf when only its source can change it."""
    if signal.missing_since is not None:
        return signal.missing_since + GONE_AFTER
    if signal.reason in _SWEPT_ALREADY or signal.observed_at is None:
        return math.inf
    return signal.observed_at + max_age


def in_grace(signal: Signal, now: float, max_age: float) -> bool:
    """Whether a signal its source just left out of an answer keeps its last status
    until the next answer: it has one, and its data is not yet older than `max_age`
    (what makes any signal stale)."""
    return (
        signal.status is not Status.UNKNOWN
        and signal.observed_at is not None
        and now - signal.observed_at <= max_age
    )


def earliest_due(signals: dict[str, Signal], keys: Iterable[str], max_age: float) -> float:
    """`signal_due` of the earliest of the signals of `keys` (a walk over them)."""
    due = math.inf
    for key in keys:
        signal = signals.get(key)
        if signal is not None:
            due = min(due, signal_due(signal, max_age))
    return due
