"""The shift handover from a recording: the recording replayed through a store as
the dashboard would show it, each alert signal's firing stretch an episode."""

from __future__ import annotations

from oncall_tui.core.present.handoff import (
    FAILING,
    ChangeMark,
    Episode,
    Handoff,
    changes_in,
    firing_now,
    maintenance_in_force,
)
from oncall_tui.core.recording.reader import Recording
from oncall_tui.core.recording.replay import Replay
from oncall_tui.core.signals.events import is_resolution
from oncall_tui.core.signals.model import Event, Signal
from oncall_tui.core.signals.store import SignalStore

MAX_EPISODES = 10_000


def handoff_from_recording(recording: Recording, since: float) -> Handoff:
    """What the last `since` seconds of `recording` hand over."""
    store = SignalStore(history=2, events=100_000)
    replay = Replay(recording, store)
    store.clock = replay.clock
    until = recording.ended_at
    start = until - since
    handoff = Handoff(recording.header.title, start, until, "a recording")
    open_at: dict[str, tuple[float, Signal | None, str]] = {}
    names: dict[str, str] = {}
    episodes: list[Episode] = []
    seen = 0
    while replay.step():
        fresh = store.events.total - seen
        seen = store.events.total
        # recent(0) would be every event ([-0:]): only ask when something is new.
        newest = store.events.recent(min(fresh, len(store.events))) if fresh > 0 else []
        for event in reversed(newest):
            _follow(event, store, open_at, names, episodes)
        # A recording says an alert resolved by its key leaving (Alertmanager no
        # longer lists it), without an event: the episode ends at that frame.
        for key in [key for key in open_at if key not in store.signals]:
            started, _, severity = open_at.pop(key)
            episodes.append(Episode(names.get(key, key), severity, started, replay.now))
        if len(episodes) > MAX_EPISODES:
            del episodes[: len(episodes) - MAX_EPISODES]
    for key, (at, _, severity) in open_at.items():
        episodes.append(Episode(names.get(key, key), severity, at, None))
    handoff.episodes = sorted(
        (e for e in episodes if e.end is None or e.end >= start), key=lambda e: e.start
    )
    signals = list(store.signals.values())
    handoff.firing = firing_now(signals)
    marks = {(c.name, c.at): c for c in changes_in(signals, start, until)}
    for event in store.events:
        if event.change and event.value is not None and start <= event.value <= until:
            signal = store.signals.get(event.key)
            component = signal.component if signal is not None else ""
            marks.setdefault(
                (event.name, event.value), ChangeMark(event.name, component, event.value)
            )
    handoff.changes = sorted(marks.values(), key=lambda c: c.at)
    handoff.maintenance = maintenance_in_force(signals, store.maintenance.notices, until)
    if recording.damage:
        handoff.problems.append(f"the recording is damaged: {recording.damage}")
    handoff.problems += [
        f"source {s.name} failing: {s.error}" for s in store.sources if s.ok is False
    ]
    return handoff


def _follow(
    event: Event,
    store: SignalStore,
    open_at: dict[str, tuple[float, Signal | None, str]],
    names: dict[str, str],
    episodes: list[Episode],
) -> None:
    """An alert signal turning warning/critical opens an episode; resolving or
    turning ok (silenced) closes it."""
    if event.change or event.source:
        return
    signal = store.signals.get(event.key)
    kind = event.kind or (signal.kind if signal is not None else None)
    if kind != "alert":
        return
    names[event.key] = event.name
    if event.after in FAILING and event.key not in open_at:
        open_at[event.key] = (event.at, signal, event.after.value)
    elif (event.after not in FAILING or is_resolution(event)) and event.key in open_at:
        started, _, severity = open_at.pop(event.key)
        episodes.append(Episode(event.name, severity, started, event.at))
