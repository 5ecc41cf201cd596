"""One reading into its signal: sanitised once, its status evaluated (thresholds, `for`,
`recover_for`, explicit status, staleness by its own sample time), its history and events recorded.

The store decides which signal a reading belongs to and what happens to the signals a
collection did not mention; this module only turns one reading into one signal's state.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace

from oncall_tui.core.present.formatting import default_summary
from oncall_tui.core.sanitize import MAX_LINE, redactor, sanitize
from oncall_tui.core.signals.breach import backdate_breaches, backdate_status
from oncall_tui.core.signals.events import note_change, set_status
from oncall_tui.core.signals.facts import CanaryFacts
from oncall_tui.core.signals.history import History
from oncall_tui.core.signals.model import (
    NO_TIMES,
    EventLog,
    Reading,
    Reason,
    Signal,
    Status,
    as_number,
    started,
    stopped,
)
from oncall_tui.core.signals.slo import budget_spacing
from oncall_tui.core.signals.team import clean_ack

MAX_LABELS = 32


def update_signal(
    signal: Signal, reading: Reading, now: float, max_age: float, events: EventLog
) -> bool:
    """Apply `reading` to `signal`; whether anything a viewer shows changed. (A reading
    that cannot change the signal never gets here: core/signals/collection.py.)"""
    observed = now if reading.observed_at is None else observed_at(reading, now)
    kind, unit = reading.kind, reading.unit
    value = _number(reading.value)
    before = _shown(signal)
    signal.kind = kind
    signal.unit = unit
    generation = redactor.generation
    texts = signal.texts
    if not texts or texts[0] != generation:
        texts = (generation, None, "", None, "", None, "")
    # Each of these words is cleaned when it changes (a summary now and then), not at
    # every poll; `texts` holds (generation, raw, clean, raw, clean, raw, clean).
    name, summary, headline = reading.name, reading.summary, reading.headline
    clean_name = texts[2] if name == texts[1] else sanitize(name, 200)
    clean_summary = texts[4] if summary == texts[3] else sanitize(summary, MAX_LINE)
    clean_headline = texts[6] if headline == texts[5] else sanitize(headline, 80)
    signal.texts = (generation, name, clean_name, summary, clean_summary, headline, clean_headline)
    signal.name = clean_name or signal.key
    raw = (reading.labels, reading.runbook, reading.query, reading.component, generation)
    if raw != signal.raw:
        signal.labels = clean_labels(reading.labels)
        signal.query = sanitize(reading.query, 2000)
        signal.runbook = reading.runbook.sanitized() if reading.runbook else None
        signal.component = sanitize(reading.component, 200)
        signal.raw = raw
    signal.component = signal.component or signal.name
    if kind == "change":
        note_change(signal, signal.value, value, now, events)
    signal.thresholds = reading.thresholds
    baseline = reading.baseline
    signal.baseline = None if baseline is None else _number(baseline)
    signal.explicit_status = reading.status
    signal.value = value
    signal.observed_at = observed
    signal.missing_since = None
    earlier = reading.history
    if earlier:
        signal.history = prefill(signal.history, earlier, now)
    signal.history.append(now, value)
    if signal.seen_from is None or earlier:
        oldest = next(iter(signal.history), (now, None))[0]
        signal.seen_from = oldest if signal.seen_from is None else min(signal.seen_from, oldest)
    if earlier:
        backdate_breaches(signal)
    status, reason = evaluate(signal, now)
    summary = clean_summary or default_summary(
        value, unit, status, reading.thresholds, signal.baseline, kind=kind
    )
    if now - observed > max_age:
        # Fetched just now, measured long ago (a sample's own timestamp): stale.
        status, reason = Status.UNKNOWN, Reason.STALE
        summary = staleness(observed, now, max_age) or summary
    if not (signal.status is status and signal.reason is reason) or kind == "change":
        set_status(signal, status, reason, now, events)
    if status is not Status.OK:
        backdate_status(signal, None if reading.since is None else _number(reading.since))
    signal.summary = summary
    signal.headline = clean_headline
    signal.slo = reading.slo
    if signal.slo is not None or signal.budget is not None:
        note_budget(signal, now, reading.budget_history)
    signal.canary = None if reading.canary is None else clean_canary(reading.canary)
    signal.ack = clean_ack(reading.ack) if reading.ack is not None else None
    signal.last = reading
    signal.partial = sanitize(reading.partial, MAX_LINE) if reading.partial else ""
    return before != _shown(signal)


def _number(value: object) -> float | None:
    """`as_number`, at once for the usual finite float (thousands a second)."""
    if type(value) is float and -math.inf < value < math.inf:
        return value
    return as_number(value)


def _shown(signal: Signal) -> tuple[object, ...]:
    """What a viewer shows or groups by: a change to any of it is news to listeners.
    `changed_at` too: a backfill that dates the breach earlier changes every "for"
    shown (a row said `for <10s` beside a why-line's `critical for 30m`)."""
    return (
        signal.value,
        signal.status,
        signal.summary,
        signal.name,
        signal.ack,
        signal.partial,
        signal.component,
        signal.kind,
        signal.changed_at,
        signal.headline,
    )


def staleness(observed_at: float | None, now: float, max_age: float) -> str | None:
    """Why data measured at `observed_at` is stale at `now` ("stale: last data 42s ago"),
    or None while it is fresh: the one rule for a sample that arrived old and for a
    source that stopped sending."""
    if observed_at is None or now - observed_at <= max_age:
        return None
    return f"stale: last data {now - observed_at:.0f}s ago"


def evaluate(signal: Signal, now: float) -> tuple[Status, Reason | None]:
    """The status the signal's data gives it, running the `for` timers."""
    if signal.explicit_status is not None:
        if signal.explicit_status is Status.UNKNOWN:
            return Status.UNKNOWN, Reason.NO_DATA
        return signal.explicit_status, None
    if signal.value is None:
        # Breach timers survive a gap: one lost sample must not reset `for`.
        return Status.UNKNOWN, Reason.NO_DATA
    thresholds = signal.thresholds
    if thresholds is None:
        return Status.OK, None
    level = thresholds.level(signal.value, signal.baseline)
    if level is Status.OK and not signal.firing and not signal.breach_since:
        signal.clear_since = NO_TIMES  # nothing fired, so nothing is clearing: at once
        return Status.OK, None
    status = Status.OK
    for step in (Status.WARNING, Status.CRITICAL):
        if level.severity >= step.severity:
            signal.clear_since = stopped(signal.clear_since, step)
            signal.breach_since = started(signal.breach_since, step, now)
            if now - signal.breach_since[step] >= thresholds.for_seconds:
                if step not in signal.firing:
                    signal.firing |= {step}
                status = step
        elif step in signal.firing and now - _clear_from(signal, step, now) < (
            thresholds.recover_seconds
        ):
            # Clear for less than `recover_for`: the breach goes on (hysteresis), and
            # keeps its start, so "since" does not restart at every dip.
            status = step
        else:
            signal.breach_since = stopped(signal.breach_since, step)
            signal.clear_since = stopped(signal.clear_since, step)
            if step in signal.firing:
                signal.firing -= {step}
    return status, None


def _clear_from(signal: Signal, step: Status, now: float) -> float:
    """When the value went clear of firing level `step` (`now`, if it just did)."""
    signal.clear_since = started(signal.clear_since, step, now)
    return signal.clear_since[step]


def settled(signal: Signal) -> bool:
    """Whether the same reading again cannot change the signal: its status comes from
    its data (not stale, missing or failed), it was in its source's last answer (one
    left out of an answer keeps its status a while, `missing_since` set until it is
    back) and no `for` or `recover_for` timer is running."""
    if signal.reason is not None or signal.clear_since or signal.missing_since is not None:
        return False
    thresholds = signal.thresholds
    return not (signal.breach_since and thresholds is not None and thresholds.for_seconds)


def observed_at(reading: Reading, now: float) -> float:
    """When the reading's value was measured: its own time if it has a sane one (never
    in the future), else now."""
    observed = as_number(reading.observed_at)
    return now if observed is None else min(observed, now)


def prefill(history: History, samples: Sequence[tuple[float, float | None]], now: float) -> History:
    """Put a source's earlier samples in front of the history (a chart at start), only
    those older than what it already holds; bounded by the history's capacity. A
    malformed sample list is ignored, never a reason to drop the reading."""
    oldest = next(iter(history), (now, None))[0]
    earlier: list[tuple[float, float | None]] = []
    try:
        for at, value in samples[-2 * history.capacity :]:
            time_ = as_number(at)
            if time_ is not None and time_ < oldest:
                earlier.append((time_, as_number(value)))
    except (TypeError, ValueError):
        return history
    if not earlier:
        return history
    earlier.sort(key=lambda sample: sample[0])
    filled = History(history.capacity, history.timeline)
    for at, value in earlier[-history.capacity :] + list(history):
        filled.append(at, value)
    return filled


def note_budget(
    signal: Signal, now: float, earlier: Sequence[tuple[float, float | None]] = ()
) -> None:
    """Keep an SLO signal's budget left at `now` (with a source's `earlier` samples in
    front, as for its value), so its detail can chart the budget as it fell. Kept by
    the board from what each collection says, not asked of the source again: every
    SLO source (prometheus, Sloth, Pyrra, the demo, a recording) gives `budget_left`
    at each collection, and a ring the size of the value history bounds it, its
    samples `budget_spacing` apart (a minute for a 30-day SLO: hours, not minutes)."""
    facts = signal.slo
    if facts is None:
        signal.budget = None
        return
    if signal.budget is None:
        signal.budget = History(signal.history.capacity)
    if earlier:
        signal.budget = prefill(signal.budget, earlier, now)
    ring, value = signal.budget, _number(facts.budget_left)
    times = ring.newest_times()
    if times is not None and times[0] <= now and times[0] - times[1] < budget_spacing(facts.period):
        # The newest is not yet BUDGET_SPACING after the one before: it moves on.
        ring.replace_newest(now, value)
    else:
        ring.append(now, value)


def clean_labels(labels: Mapping[str, str]) -> dict[str, str]:
    cleaned: dict[str, str] = {}
    for name, value in list(labels.items())[:MAX_LABELS]:
        cleaned[sanitize(name, 100)] = sanitize(value, MAX_LINE)
    return cleaned


def clean_canary(facts: CanaryFacts | None) -> CanaryFacts | None:
    """A canary's cohort names come from a source's labels: the one sanitiser again."""
    if facts is None:
        return None
    return replace(
        facts, cohort=sanitize(facts.cohort, 200), baseline=sanitize(facts.baseline, 200)
    )


def error_message(error: str) -> str:
    return sanitize(error, MAX_LINE) or "collection failed"
