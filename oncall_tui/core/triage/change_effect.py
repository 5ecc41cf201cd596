"""What a change did: its component's signals before it against after it, in words.

    jiebei-loan deployed 14:02 → errors 0.1% → 30%
    risk rules reloaded 09:40 → no visible effect

A change marker is only a time; an engineer's first question about it is whether it
moved anything. Said once enough is known: a value from before the change (the history
a backfill or the dashboard's own collections hold) and two from after it. A canary's
verdict says it better than any before/after: the new release against the old one
side by side, at the same moment, so it is preferred when the component has one.

Plain arithmetic on the store's signals, shared by the dashboard, the events screen,
`check`'s causes and `timeline`.
"""

from __future__ import annotations

from collections.abc import Iterable

from oncall_tui.core.present.formatting import format_value
from oncall_tui.core.signals.model import Signal, Status

HORIZON = 600.0
"""Seconds after a change its effect is read over: what it did, not what happened an
hour later for other reasons."""
AFTER_SAMPLES = 2
"""Samples after the change needed before its effect is said (one could be a sample
taken while the deploy was still rolling)."""
SETTLE = 60.0
"""Seconds after the change when a value that was not sampled again since (a replay
holds only values that moved) is taken to have stayed where it was."""
VISIBLE = 0.5
"""A relative move at least this large (0.1% → 0.2%) is an effect; smaller ones, with
the status unchanged, are noise."""
NO_EFFECT = "no visible effect"
_JUDGED = frozenset({"health", "risk_rule", "dependency", "business"})


def change_effect(
    at: float, component: str, signals: Iterable[Signal], *, now: float | None = None
) -> str:
    """Words for what the change at `at` (unix time) did to `component`; "" while
    that cannot be told yet (no value from before it, or too few after it)."""
    mine = [s for s in signals if s.kind in _JUDGED and (s.component or s.name) == component]
    for signal in mine:
        words = _canary_words(signal)
        if words:
            return words
    best: tuple[tuple[bool, float], str] | None = None
    judged = False
    for signal in mine:
        moved = _move(signal, at, now)
        if moved is None:
            continue
        judged = True
        if best is None or moved[0] > best[0]:
            best = moved
    if not judged:
        return ""
    assert best is not None
    (status_moved, relative), words = best
    return words if status_moved or relative >= VISIBLE else NO_EFFECT


def _canary_words(signal: Signal) -> str:
    facts = signal.canary
    if facts is None or signal.status is Status.UNKNOWN:
        return ""
    if facts.error_ratio is None or facts.baseline_error_ratio is None:
        return ""
    ratio = format_value(facts.error_ratio, "ratio")
    base = format_value(facts.baseline_error_ratio, "ratio")
    verb = "fails" if signal.status is not Status.OK else "at"
    return f"canary {facts.cohort} {verb} {ratio} vs {base} on {facts.baseline}"


def _move(signal: Signal, at: float, now: float | None) -> tuple[tuple[bool, float], str] | None:
    """((status moved, relative move), words) of one signal across the change, or None
    when its history cannot tell."""
    before: float | None = None
    after: list[float] = []
    end = at + HORIZON
    for when, value in signal.history:
        if value is None:
            continue
        if when <= at:
            before = value
        elif when <= end and (now is None or when <= now):
            after.append(value)
    if before is None:
        return None
    if len(after) >= AFTER_SAMPLES:
        last = after[-1]
    elif now is not None and now - at >= SETTLE:
        last = after[-1] if after else before
    else:
        return None
    scale = max(abs(before), abs(last))
    relative = 0.0 if scale == 0 else abs(last - before) / scale
    thresholds = signal.thresholds
    status_moved = False
    if thresholds is not None:
        status_moved = thresholds.level(before) != thresholds.level(last)
    name = signal.name
    component = signal.component or signal.name
    short = name.removeprefix(f"{component} ").strip() or name
    words = f"{short} {format_value(before, signal.unit)} → {format_value(last, signal.unit)}"
    return (status_moved, relative), words
