"""How long has this been red, when oncall-tui started in the middle of it?

A source that hands back earlier samples (Prometheus' backfill) tells us the breach
began before we first looked. Without this, a board opened seven minutes into an
outage says "critical 4s" and the cause line "down 4s", while the firing alert beside
it says 409 s: the newest-looking incident is the oldest.
"""

from __future__ import annotations

from oncall_tui.core.signals.model import Signal, Status

FAILING = (Status.WARNING, Status.CRITICAL)


def run_start(signal: Signal, step: Status) -> float | None:
    """When the unbroken run of samples at `step` or worse that ends with the newest
    sample began; None when the newest sample is not at `step`. A gap (no data) ends
    the run: no data is never taken as a breach."""
    thresholds = signal.thresholds
    if thresholds is None:
        return None
    start: float | None = None
    for at, value in reversed(list(signal.history)):
        if value is None or thresholds.level(value, signal.baseline).severity < step.severity:
            break
        start = at
    return start


def backdate_breaches(signal: Signal) -> None:
    """Move each breach timer back to where the history shows the breach began, before
    `for` is judged: a breach that has lasted ten minutes satisfies `for = "1m"` now."""
    if signal.explicit_status is not None:
        return
    for step in FAILING:
        start = run_start(signal, step)
        if start is not None:
            began = min(signal.breach_since.get(step, start), start)
            signal.breach_since = {**signal.breach_since, step: began}


def backdate_status(signal: Signal, since: float | None = None) -> None:
    """A failing status dates from when the failing began, so every place that says
    "since" (rows, why-line, cause line, `check`, a replay) reads the same time from
    `changed_at`: the start of its breach (before `for` counted it, through a flip
    between warning and critical, earlier still when the history shows it), or for a
    status the source decides, when the source says it began (`since`: an alert's
    start)."""
    if signal.status not in FAILING or signal.changed_at is None:
        return
    starts = [at for step, at in signal.breach_since.items() if step in FAILING]
    if since is not None:
        starts.append(since)
    if starts:
        signal.changed_at = min(signal.changed_at, *starts)


def start_known(signal: Signal, since: float | None) -> bool:
    """Whether a failing dated `since` (its `changed_at` or breach start) began at a
    known time: after the first data of it (seen not failing before, live or in the
    history a source handed back), or before it because the source said so (an alert's
    start). Failing from the first data on, it began at that time or earlier, nobody
    here knows when: a one-shot `check` of a source without history is that case."""
    if since is None:
        return False
    return signal.seen_from is None or since != signal.seen_from


def pending(signal: Signal) -> bool:
    """Over a limit worse than its status, inside that limit's `for`: about to turn
    (DESIGN's "pending", a mark on the status, never a status of its own)."""
    if signal.explicit_status is not None or signal.reason is not None:
        return False
    return any(
        step.severity > signal.status.severity and step not in signal.firing
        for step in signal.breach_since
    )
