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
            signal.breach_since[step] = min(signal.breach_since.get(step, start), start)


def backdate_status(signal: Signal) -> None:
    """A failing status dates from its breach when the history shows it began earlier
    than we first saw it ("critical for 7m", not "for 4s")."""
    started = signal.breach_since.get(signal.status)
    if signal.status in FAILING and started is not None and signal.changed_at is not None:
        signal.changed_at = min(signal.changed_at, started)
