"""What becomes an event on the timeline, decided in one place for live and replay.

Three things are news: a signal changing status (its first appearance as ok is not),
a change marker taking a new value (a deploy, a rule edit), and a source starting to
fail or recovering. The store calls these on every update, and the replay goes through
the same store, so a recording replays into the very same events.
"""

from __future__ import annotations

from oncall_tui.core.signals.model import Event, EventLog, Kind, Reason, Signal, Status, Unit


def set_status(
    signal: Signal, status: Status, reason: Reason | None, now: float, events: EventLog
) -> None:
    """Give `signal` its status; a change (other than appearing ok) is an event."""
    if signal.kind == "change":
        # A change marker is an event, never a status (DESIGN): always ok.
        status, reason = Status.OK, None
    if signal.status is status and signal.reason is reason:
        return
    if signal.changed_at is not None or status is not Status.OK:
        # A signal's first appearance as ok is not news; anything else is.
        events.append(_event(signal, status, now, signal.value, reason))
    signal.status = status
    signal.reason = reason
    signal.changed_at = now


def note_change(
    signal: Signal, before: float | None, after: float | None, now: float, events: EventLog
) -> None:
    """A change marker's new value (a deploy, an edit) is an event on the timeline."""
    if signal.kind == "change" and after is not None and after != before:
        events.append(_event(signal, Status.OK, now, after, change=True))


def resolved(signal: Signal, now: float, events: EventLog) -> None:
    """A failing signal its source stopped reporting and that is dropped rather than
    marked missing (an alert Alertmanager no longer fires) has resolved: said, so an
    alert that came and went is on the timeline with its end, not only its start."""
    if signal.status is not Status.OK and signal.changed_at is not None:
        events.append(_event(signal, Status.OK, now, None))


def _event(
    signal: Signal,
    after: Status,
    now: float,
    value: float | None,
    reason: Reason | None = None,
    *,
    change: bool = False,
) -> Event:
    return Event(
        now,
        signal.key,
        signal.name,
        signal.status,
        after,
        value,
        reason,
        change=change,
        first=signal.changed_at is None,
        kind=signal.kind,
        unit=signal.unit,
    )


def source_event(
    name: str, was: bool | None, ok: bool | None, error: str, at: float
) -> Event | None:
    """The event a source's collection makes, if any (`was`/`ok`: its `SourceState.ok`
    before and now): failing after it worked or at its first collection, or working
    again after it failed. A source that goes on failing, even with another message, is
    one event, not one per attempt."""
    if ok is False and was is not False:
        before = Status.OK if was else Status.UNKNOWN
        return Event(
            at,
            name,
            name,
            before,
            Status.UNKNOWN,
            None,
            Reason.SOURCE_ERROR,
            source=True,
            error=error,
        )
    if ok is True and was is False:
        return Event(at, name, name, Status.UNKNOWN, Status.OK, None, source=True)
    return None


def kind_and_unit(event: Event, signal: Signal | None) -> tuple[Kind | None, Unit]:
    """What the event's signal was, for reading the event back: from the event itself,
    else (an event recorded without them) from the signal in the store now, if any."""
    kind = event.kind or (signal.kind if signal is not None else None)
    unit = event.unit or (signal.unit if signal is not None else "count")
    return kind, unit


def is_resolution(event: Event) -> bool:
    """A failing signal its source stopped reporting (see `resolved`): no value, now ok."""
    return not event.source and event.value is None and event.after is Status.OK
