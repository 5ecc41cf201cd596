"""What the wallboard shows, decided without a terminal: which page is up, what each
page lists, what is pinned. The screen (`ui/screens/wallboard.py`) only draws it.

Rotation is a pure function of the clock (`(now - start) // dwell`), so a board that
missed ticks (a suspended laptop, a busy machine) shows the right page when it wakes,
and tests move a fake clock instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from oncall_tui.core.config.durations import format_duration
from oncall_tui.core.config.loader import WallboardPage
from oncall_tui.core.present.words import PANEL_TITLES, short_duration
from oncall_tui.core.signals.model import Kind, Signal, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.causes import Diagnosis
from oncall_tui.core.triage.one_sort import OneSort

LAYERS: tuple[Kind, ...] = ("business", "health", "risk_rule", "dependency", "alert")
"""The overview's rows: impact first, then the three layers a cause lives in, then the
evidence."""

PAGE_TITLES: dict[WallboardPage, str] = {
    "overview": "Overview",
    "business": PANEL_TITLES["business"],
    "health": PANEL_TITLES["health"],
    "risk_rule": PANEL_TITLES["risk_rule"],
    "dependency": PANEL_TITLES["dependency"],
    "alert": PANEL_TITLES["alert"],
}


@dataclass(frozen=True, slots=True)
class Rotation:
    """Pages shown in turn, each for `dwell` seconds from `started`."""

    pages: tuple[WallboardPage, ...]
    dwell: float
    started: float

    def index_at(self, now: float) -> int:
        if len(self.pages) <= 1 or self.dwell <= 0:
            return 0
        return int(max(0.0, now - self.started) // self.dwell) % len(self.pages)

    def page_at(self, now: float) -> WallboardPage:
        return self.pages[self.index_at(now)]

    def showing(self, pages: Sequence[WallboardPage]) -> Rotation:
        """The same rotation over `pages` only (those with something to show), from
        the same start: a page with nothing on it takes no turn."""
        shown = tuple(pages) or self.pages[:1]
        return self if shown == self.pages else Rotation(shown, self.dwell, self.started)

    def remaining(self, now: float) -> float:
        """Seconds until the next page (the dwell itself when there is only one page)."""
        if len(self.pages) <= 1 or self.dwell <= 0:
            return self.dwell
        return self.dwell - (max(0.0, now - self.started) % self.dwell)


@dataclass(slots=True)
class Layer:
    """One kind of signal as the wallboard sees it: worst first, with its counts and
    the failing sources that feed it."""

    kind: Kind
    signals: list[Signal] = field(default_factory=list)
    counts: dict[Status, int] = field(default_factory=lambda: dict.fromkeys(Status, 0))
    failing: list[SourceState] = field(default_factory=list)
    fed: bool = False
    """Whether any source declares this kind: an empty layer nobody feeds is not news."""

    @property
    def title(self) -> str:
        return PANEL_TITLES[self.kind]

    @property
    def status(self) -> Status:
        present = [status for status, count in self.counts.items() if count]
        if self.failing:
            present.append(Status.UNKNOWN)
        return Status.worst(present)

    @property
    def shown(self) -> bool:
        return self.fed or bool(self.signals)


@dataclass(slots=True)
class Board:
    """One snapshot of everything the wallboard draws from the store."""

    overall: Status
    counts: dict[Status, int]
    layers: dict[Kind, Layer]
    criticals: list[Signal]
    failing: list[SourceState]
    waiting: bool
    """No signal yet and a source has not answered: say so, not "OK"."""
    sources: int
    diagnosis: Diagnosis = field(default_factory=Diagnosis)
    """The probable causes, as the board and `check` name them."""
    cause_observed: dict[str, float] = field(default_factory=dict)
    """Cause component -> when its oldest failing signal was observed: its data's age."""

    def has_content(self, page: WallboardPage) -> bool:
        """Whether `page` has anything to show: a layer with no signal and no failing
        source (`no source feeds alerts`) is skipped by the rotation, not shown for a
        whole dwell; the overview always has something."""
        if page == "overview":
            return True
        layer = self.layers[page]
        return bool(layer.signals or layer.failing)


def snapshot(store: SignalStore, diagnosis: Diagnosis | None = None) -> Board:
    """Everything the wallboard needs, in one pass over the signals; every list in the
    one sort of `diagnosis` (a probable cause before its symptoms)."""
    diagnosis = diagnosis if diagnosis is not None else Diagnosis()
    order = OneSort.of(diagnosis).key
    layers = {kind: Layer(kind) for kind in LAYERS}
    for signal in store.signals.values():
        layer = layers.get(signal.kind)
        if layer is None:  # change markers: events, never on the board
            continue
        layer.signals.append(signal)
        layer.counts[signal.status] += 1
    sources = store.sources
    failing = [source for source in sources if source.ok is False]
    for layer in layers.values():
        layer.signals.sort(key=order)
        layer.fed = any(layer.kind in source.kinds for source in sources)
        layer.failing = [source for source in failing if layer.kind in source.kinds]
    overall, counts = store.summary()
    criticals = sorted(
        (s for layer in layers.values() for s in layer.signals if s.status is Status.CRITICAL),
        key=order,
    )
    waiting = not store.signals and any(source.ok is None for source in sources)
    return Board(
        overall=overall,
        counts=counts,
        layers=layers,
        criticals=criticals,
        failing=failing,
        waiting=waiting,
        sources=len(sources),
        diagnosis=diagnosis,
        cause_observed=observed_since(store, diagnosis),
    )


def observed_since(store: SignalStore, diagnosis: Diagnosis) -> dict[str, float]:
    """Each cause's component -> when its oldest failing signal was observed."""
    observed: dict[str, float] = {}
    for cause in diagnosis.causes:
        times = [store.signals[k].observed_at for k in cause.signals if k in store.signals]
        known = [at for at in times if at is not None]
        if known:
            observed[cause.component] = min(known)
    return observed


def data_age(sources: Sequence[SourceState], now: float) -> tuple[str, bool]:
    """("data 3s old", is it too old): from the oldest last success among the sources
    that ever succeeded, old past twice the slowest interval."""
    if not sources:
        return "no sources", True
    successes = [s.last_success for s in sources if s.last_success is not None]
    if not successes:
        return "waiting for data", False
    age = max(0.0, now - min(successes))
    words = f"{int(age)}s" if age < 60 else format_duration(int(age))
    limit = 2 * max(source.interval for source in sources)
    return f"data {words} old", age > limit


def since(signal: Signal, now: float) -> str:
    """How long the signal has had its status: "45s", "4m" (the one rule of every
    screen, `short_duration`); "" when unknown."""
    if signal.changed_at is None:
        return ""
    return short_duration(now - signal.changed_at)
