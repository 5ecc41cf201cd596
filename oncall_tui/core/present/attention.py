"""What needs the engineer's attention between two looks at the screen (no Textual).

The store records every status change (and every source failing or recovering); this
turns them into what the UI says about them: a toast when a signal turns critical or
recovers, a bell if the config asks for one, and "2 incidents since 14:02" in the header
until the engineer has seen the event timeline.

The state a source's first collection brings is the board at launch, not news: it
raises no toast and counts no incident. A signal that appears later already critical
(an alert starts firing) is news.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from oncall_tui.core.present.words import GLYPH
from oncall_tui.core.signals.model import Event, Status
from oncall_tui.core.signals.store import SignalStore

Severity = Literal["information", "warning", "error"]
TOAST_NAMES = 3
"""Names listed in one toast; a cascade of twenty is one toast, not twenty."""


@dataclass(frozen=True, slots=True)
class Notice:
    """One toast to show."""

    text: str
    severity: Severity
    bell: bool = False


@dataclass(slots=True)
class Attention:
    """Follows one store: call `update()` after each store change."""

    store: SignalStore
    bell: bool = False
    unseen: list[tuple[float, str]] = field(default_factory=list)
    """(time, key of the first signal) of each incident since the timeline was last
    seen. An incident is what a person calls one: from the first signal turning
    critical on a board with nothing critical to the board clear of critical again,
    however many signals turned critical in between (a cascade of twelve is one)."""
    _events_total: int = field(init=False)
    _answered: set[str] = field(init=False)
    _critical: bool = field(init=False)
    """Whether anything was critical after the last update: a signal turning critical
    then is part of the incident under way, not a new one."""

    def __post_init__(self) -> None:
        self._events_total = self.store.events.total
        self._answered = {s.name for s in self.store.sources if s.last_success is not None}
        self._critical = self._any_critical()

    def _any_critical(self) -> bool:
        return self.store.counts().get(Status.CRITICAL, 0) > 0

    @property
    def incidents(self) -> int:
        return len(self.unseen)

    @property
    def since(self) -> float | None:
        """When the first unseen incident started."""
        return self.unseen[0][0] if self.unseen else None

    def seen(self) -> None:
        """The engineer looked at the timeline: the header stops counting."""
        self.unseen.clear()

    def update(self, now: float) -> list[Notice]:
        """Take in what changed since the last call; the toasts it deserves."""
        notices: list[Notice] = []
        events = self._new_events()
        turned: list[Event] = []
        recovered: list[Event] = []
        for event in events:
            if event.change or event.source or not self._is_news(event) or self._held(event):
                continue
            if event.after is Status.CRITICAL and event.before is not Status.CRITICAL:
                turned.append(event)
            elif event.before is Status.CRITICAL and event.after is Status.OK:
                recovered.append(event)
        if turned and not self._critical:
            self.unseen.append((turned[0].at, turned[0].key))
        if events:
            self._critical = self._any_critical()
        if turned:
            notices.append(Notice(_listing("turned critical", turned), "error", bell=self.bell))
        if recovered:
            notices.append(Notice(_listing("recovered", recovered), "information"))
        for state in self.store.sources:
            if state.last_success is not None:
                self._answered.add(state.name)
        return notices

    def _new_events(self) -> list[Event]:
        log = self.store.events
        fresh = log.total - self._events_total
        self._events_total = log.total
        if fresh <= 0:
            return []
        return list(reversed(log.recent(min(fresh, len(log)))))

    def _held(self, event: Event) -> bool:
        """Someone acked it, or its component is in planned maintenance: it still counts
        and keeps its colour, but it is nobody's news."""
        signal = self.store.signals.get(event.key)
        return signal is not None and (signal.ack is not None or signal.maintenance is not None)

    def _is_news(self, event: Event) -> bool:
        signal = self.store.signals.get(event.key)
        source = signal.source if signal is not None else event.key.split("/", 1)[0]
        return source in self._answered


def _listing(verb: str, events: list[Event]) -> str:
    glyph = GLYPH[events[0].after]
    names = [event.name for event in events[:TOAST_NAMES]]
    more = len(events) - len(names)
    listed = ", ".join(names) + (f" and {more} more" if more else "")
    if len(events) == 1:
        return f"{glyph} {listed} {verb}"
    return f"{glyph} {len(events)} signals {verb}: {listed}"
