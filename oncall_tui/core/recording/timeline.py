"""The incident timeline of a recording, for a post-mortem (`oncall-tui timeline`).

The recording is replayed through a store exactly as the dashboard would, and triage
asked after every frame, so the timeline says what the board said at each moment: the
state at the first collection, then every status change, every change marker (dated by
its value: when the deploy happened), sources failing and recovering, and the probable
cause as it moved.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from oncall_tui.core.present.formatting import format_value
from oncall_tui.core.present.triage_text import cause_line
from oncall_tui.core.recording.reader import Recording
from oncall_tui.core.recording.replay import Replay
from oncall_tui.core.signals.events import is_resolution, kind_and_unit
from oncall_tui.core.signals.model import Event, Signal, SourceState, Status, sort_key
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import Cause, store_diagnosis
from oncall_tui.core.triage.change_effect import HORIZON, change_effect
from oncall_tui.core.triage.topology import Topology


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of the timeline."""

    at: float
    what: str
    """status | change | source | cause"""
    text: str
    """How the markdown says it (already plain: no markup in it)."""
    data: dict[str, Any]
    """The same, for `--format json`."""


@dataclass(slots=True)
class Timeline:
    title: str
    started_at: float
    ended_at: float
    damage: str
    initial: list[Signal] = field(default_factory=list)
    initial_cause: str = ""
    initial_failing: list[SourceState] = field(default_factory=list)
    """Sources failing at the start: blind spots a post-mortem must not miss."""
    entries: list[Entry] = field(default_factory=list)
    final: list[Signal] = field(default_factory=list)
    final_cause: str = ""
    final_failing: list[SourceState] = field(default_factory=list)


def build_timeline(recording: Recording) -> Timeline:
    header = recording.header
    # The history reaches back to before a change: its effect is read from it.
    store = SignalStore(history=360, events=100_000)
    replay = Replay(recording, store)
    store.clock = replay.clock
    topology = Topology(header.topology)
    window = header.change_window
    timeline = Timeline(header.title, recording.started_at, recording.ended_at, recording.damage)

    # The state at the first collection: every source seen has answered once.
    while replay.step():
        if store.sources and all(s.last_attempt is not None for s in store.sources):
            break
    seen_events = store.events.total
    timeline.initial = _snapshot(store)
    timeline.initial_failing = _failing(store)
    cause = store_diagnosis(store, topology, window).cause
    timeline.initial_cause = _cause_text(cause, replay.now, window)
    changes_seen: set[tuple[str, float]] = set()
    pending: list[int] = []
    """Indexes of change entries whose effect is not said yet."""
    for event in store.events:
        if event.change and event.value is not None:
            changes_seen.add((event.key, event.value))
            if event.value >= recording.started_at - window:
                pending.append(len(timeline.entries))
                timeline.entries.append(_change_entry(event))
    cause_key = _cause_key(cause)

    while replay.step():
        new = store.events.total - seen_events
        seen_events = store.events.total
        if not new and not recording.frames[replay.position - 1].gone:
            # No status changed, no source failed or recovered, no signal left: the
            # cause cannot have moved, and a recording of many small frames must not
            # cost a diagnosis each.
            continue
        for event in store.events.latest(new):
            if event.source:
                timeline.entries.append(_source_entry(event))
            elif event.change:
                if event.value is not None and (event.key, event.value) not in changes_seen:
                    changes_seen.add((event.key, event.value))
                    pending.append(len(timeline.entries))
                    timeline.entries.append(_change_entry(event))
            else:
                timeline.entries.append(_status_entry(event, store))
        now_cause = store_diagnosis(store, topology, window).cause
        if _cause_key(now_cause) != cause_key:
            cause_key = _cause_key(now_cause)
            timeline.entries.append(_cause_entry(replay.now, now_cause, window))
        pending = _with_effects(timeline.entries, pending, store, replay.now, final=False)
    _with_effects(timeline.entries, pending, store, replay.now, final=True)
    timeline.entries.sort(key=lambda entry: entry.at)
    timeline.final = _snapshot(store)
    timeline.final_failing = _failing(store)
    timeline.final_cause = _cause_text(
        store_diagnosis(store, topology, window).cause, replay.now, window
    )
    return timeline


def _snapshot(store: SignalStore) -> list[Signal]:
    """Copies: the replay goes on changing the store's signals in place, and the state
    at the start must not turn into the state at the end."""
    signals = (copy.copy(s) for s in store.signals.values() if s.kind != "change")
    return sorted(signals, key=sort_key)


def _failing(store: SignalStore) -> list[SourceState]:
    return sorted((s for s in store.sources if s.ok is False), key=lambda s: s.name)


def _cause_key(cause: Cause | None) -> tuple[str, str, tuple[str, ...]] | None:
    """What makes the cause worth a new line: another root, another severity, or more
    (or fewer) components it explains."""
    return None if cause is None else (cause.component, cause.status.value, cause.affects)


def _cause_text(cause: Cause | None, now: float, window: float) -> str:
    if cause is None:
        return "nothing warning or critical"
    return cause_line(cause, now=now, window=window, label="")


def _status_entry(event: Event, store: SignalStore) -> Entry:
    signal = store.signals.get(event.key)
    kind, unit = kind_and_unit(event, signal)
    value = "resolved" if is_resolution(event) else format_value(event.value, unit)
    reason = f", {event.reason.value}" if event.reason else ""
    turned = (
        f"appeared {event.after.value}"
        if event.first
        else f"{event.before.value} → {event.after.value}"
    )
    text = f"{event.name}: {turned} ({value}{reason})"
    return Entry(
        event.at,
        "status",
        text,
        {
            "key": event.key,
            "name": event.name,
            "kind": kind,
            "from": event.before.value,
            "first": event.first,
            "to": event.after.value,
            "value": event.value,
            "reason": event.reason.value if event.reason else None,
        },
    )


def _with_effects(
    entries: list[Entry], pending: list[int], store: SignalStore, now: float, *, final: bool
) -> list[int]:
    """Say what each pending change did once its horizon has passed (or the recording
    ends), while the store's history still holds the time before it; the indexes
    still pending."""
    waiting = []
    for index in pending:
        entry = entries[index]
        if not final and now < entry.at + HORIZON:
            waiting.append(index)
            continue
        marker = store.signals.get(entry.data["key"])
        if marker is None:
            continue
        effect = change_effect(
            entry.at, marker.component or marker.name, store.signals.values(), now=now
        )
        if effect:
            text = f"{entry.text} → {effect}"
            entries[index] = replace(entry, text=text, data={**entry.data, "effect": effect})
    return waiting


def _change_entry(event: Event) -> Entry:
    at = event.value if event.value is not None else event.at
    return Entry(at, "change", f"change: {event.name}", {"key": event.key, "name": event.name})


def _source_entry(event: Event) -> Entry:
    """A source failing or recovering, as the store logged it (live and in replay)."""
    name = event.name
    if event.after is Status.OK:
        return Entry(event.at, "source", f"source {name} recovered", {"source": name, "ok": True})
    text = f"source {name} failed: {event.error}"
    return Entry(event.at, "source", text, {"source": name, "ok": False, "error": event.error})


def _cause_entry(at: float, cause: Cause | None, window: float) -> Entry:
    if cause is None:
        return Entry(at, "cause", "probable cause: none (nothing failing)", {"cause": None})
    text = "probable cause: " + cause_line(cause, window=window, label="")
    data = {
        "cause": cause.component,
        "kind": cause.kind,
        "status": cause.status.value,
        "affects": list(cause.affects),
        "changes": [{"name": c.name, "at": _iso(c.at)} for c in cause.changes],
    }
    return Entry(at, "cause", text, data)


# -- output --------------------------------------------------------------------------


def render_markdown(timeline: Timeline) -> str:
    start, end = timeline.started_at, timeline.ended_at
    minutes = max(0.0, end - start) / 60
    lines = [
        f"# Incident timeline: {md_escape(timeline.title)}",
        "",
        f"Recorded {_iso(start)} to {_iso(end)} ({minutes:.0f} min).",
    ]
    if timeline.damage:
        lines += ["", f"> The recording is damaged: {md_escape(timeline.damage)}."]
    lines += ["", f"## At the start ({_clock(start)})", ""]
    lines += _state_lines(timeline.initial, timeline.initial_cause, timeline.initial_failing)
    lines += ["", "## What happened", ""]
    if timeline.entries:
        lines += ["| time (UTC) | what |", "|---|---|"]
        lines += [f"| {_clock(e.at)} | {md_escape(e.text)} |" for e in timeline.entries]
    else:
        lines.append("Nothing changed.")
    lines += ["", f"## At the end ({_clock(end)})", ""]
    lines += _state_lines(timeline.final, timeline.final_cause, timeline.final_failing)
    return "\n".join(lines) + "\n"


def _state_lines(signals: list[Signal], cause: str, failing: list[SourceState]) -> list[str]:
    lines = [f"Probable cause: {md_escape(cause)}", ""]
    lines += [f"- **source {md_escape(s.name)} failing**: {md_escape(s.error)}" for s in failing]
    bad = [s for s in signals if s.status is not Status.OK]
    ok = len(signals) - len(bad)
    for signal in bad:
        value = format_value(signal.value, signal.unit)
        why = signal.reason.value if signal.reason else signal.summary
        tail = f" ({md_escape(why)})" if why else ""
        lines.append(f"- **{signal.status.value}** {md_escape(signal.name)} {value}{tail}")
    lines.append(f"- {ok} other signals ok" if bad else f"- all {ok} signals ok")
    return lines


def render_json(timeline: Timeline) -> dict[str, Any]:
    def state(signals: list[Signal]) -> list[dict[str, Any]]:
        return [
            {
                "key": s.key,
                "kind": s.kind,
                "name": s.name,
                "status": s.status.value,
                "value": s.value,
                "reason": s.reason.value if s.reason else None,
            }
            for s in signals
        ]

    def failing(sources: list[SourceState]) -> list[dict[str, str]]:
        return [{"source": s.name, "error": s.error} for s in sources]

    return {
        "title": timeline.title,
        "started_at": _iso(timeline.started_at),
        "ended_at": _iso(timeline.ended_at),
        "damage": timeline.damage or None,
        "initial": {
            "cause": timeline.initial_cause,
            "signals": state(timeline.initial),
            "failing_sources": failing(timeline.initial_failing),
        },
        "events": [{"at": _iso(e.at), "what": e.what, **e.data} for e in timeline.entries],
        "final": {
            "cause": timeline.final_cause,
            "signals": state(timeline.final),
            "failing_sources": failing(timeline.final_failing),
        },
    }


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")


def _clock(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%H:%M:%S")


def md_escape(text: str) -> str:
    """Source text in a Markdown table or list: pipes and emphasis markers escaped, so
    a label cannot break the table or fake a heading. (Control characters were escaped
    by the sanitiser when the recording was read.)"""
    for char in "\\|*_`[]<>#":
        text = text.replace(char, "\\" + char)
    return text
