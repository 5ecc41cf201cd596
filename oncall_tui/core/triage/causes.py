"""The probable cause: which failing component explains the others.

DESIGN.md defines it, and this module does exactly that, nothing cleverer, so an
engineer can check the answer by hand at 3 a.m.:

- failing = health, risk_rule and dependency signals that are warning or critical,
  grouped by `component`;
- a root is a failing component none of whose dependencies (transitively, through the
  `[topology]` table) fails; a failing component downstream of a failing root is in
  that root's `affects`, not a cause of its own;
- roots are ranked by severity, then by how many failing components they explain,
  then by who breached first; never by layer;
- a change marker of the root's component dated within `change_window` before the
  root's breach is attached (dated by its value, so a deploy made before oncall-tui
  started counts);
- unknown signals and failing sources are blind spots, said apart and never blamed;
  business signals are the impact and alerts the evidence: neither is a cause.

`diagnose` is a pure function of plain data, so the dashboard, `check`, the replay and
the tests all get the same answer from the same situation.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase

from oncall_tui.core.signals.model import Ack, Event, Kind, Maintenance, Signal, SourceState, Status
from oncall_tui.core.signals.store import SignalStore
from oncall_tui.core.triage.alert_match import is_evidence
from oncall_tui.core.triage.change_effect import change_effect
from oncall_tui.core.triage.topology import Topology, is_pattern

LAYERS: frozenset[Kind] = frozenset({"health", "risk_rule", "dependency"})
"""The kinds a cause can live in."""
FAILING: frozenset[Status] = frozenset({Status.WARNING, Status.CRITICAL})


@dataclass(frozen=True, slots=True)
class Change:
    """A change marker's change: a deploy, a rule edit, a config reload."""

    component: str
    name: str
    at: float
    """When the change happened (unix time): the marker's value, not when it was seen."""
    key: str = ""
    effect: str = ""
    """What moved on its component after it ("errors 0.1% → 30%", "no visible
    effect"); "" while that cannot be told yet (core/triage/change_effect.py)."""


@dataclass(frozen=True, slots=True)
class Cause:
    """One probable root cause, with what it explains."""

    component: str
    kind: Kind
    """The layer of its worst failing signal."""
    status: Status
    since: float
    """When its first failing signal breached (unix time)."""
    signals: tuple[str, ...]
    """Keys of its failing signals, worst first."""
    affects: tuple[str, ...] = ()
    """Failing components downstream of it, worst first."""
    changes: tuple[Change, ...] = ()
    """Its changes within `change_window` before `since`, latest first."""
    unseen: tuple[str, ...] = ()
    """Components it depends on that are blind spots: the cause may lie further down
    where nobody can see."""
    alerts: tuple[str, ...] = ()
    """Keys of firing alerts (warning or critical) about it or what it affects: the
    evidence, worst first. Never what makes it a cause."""
    headline: str = ""
    """The words that say most about it, from its worst signals ("burning 20x
    budget", "canary 2.4.0 fails 30%"): a canary's first, as it names the release."""
    maintenance: Maintenance | None = None
    """Planned work in force on it: still reported, never blamed before a cause that
    is not in maintenance."""
    ack: Ack | None = None
    """Someone took it: the first acknowledged alert about it."""


PARTIAL = "partial"
"""A blind spot's reason when its signals' source answered only partly."""


@dataclass(frozen=True, slots=True)
class BlindSpot:
    """Something the board cannot see: unknown signals, or a failing source."""

    component: str
    """The signals' component, or the source's name when it has no signals."""
    reason: str
    """no data, stale, source error, or partial (its source answered only partly: the
    signals have values, which may be incomplete)."""
    signals: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """e.g. "cannot see sms-otp: source error", "cannot fully see payment-api"."""
        if self.reason == PARTIAL:
            return f"cannot fully see {self.component}: its source answered only partly"
        return f"cannot see {self.component}: {self.reason}"


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Everything triage says about one moment of the board."""

    causes: tuple[Cause, ...] = ()
    """Most probable first; empty when nothing is warning or critical."""
    blind_spots: tuple[BlindSpot, ...] = ()
    unmatched: tuple[str, ...] = ()
    """Topology names (and glob keys) matching no signal's component: likely typos,
    knowable only once signals have arrived."""
    roots: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    """Failing component -> the root it is a symptom of (the most probable one when
    several explain it); roots themselves are not in it. Built once per diagnosis, so
    a board asks it per row for nothing."""

    @property
    def cause(self) -> Cause | None:
        return self.causes[0] if self.causes else None

    def root_of(self, component: str) -> str | None:
        """The root cause `component` is a symptom of; None for a root, a healthy or an
        unknown component."""
        return self.roots.get(component)

    def symptom_root(self, signal: Signal) -> str | None:
        """The root a failing signal is a symptom of: what its row points at. An ok or
        unknown signal of a symptom component points nowhere: it is not failing because
        of the root (an ok latency beside a failing error rate is not a symptom)."""
        if signal.status not in FAILING or signal.kind == "change" or not self.roots:
            return None
        return self.roots.get(signal.component or signal.name)


@dataclass(slots=True)
class _Component:
    name: str
    signals: list[Signal]
    status: Status = Status.OK
    kind: Kind = "health"
    since: float = 0.0
    maintenance: Maintenance | None = None


def breached_at(signal: Signal) -> float:
    """When a failing signal first breached: the start of its threshold breach (which
    survives a flip between warning and critical, and precedes a `for` delay), else
    when its status last changed."""
    if signal.breach_since:
        return min(signal.breach_since.values())
    if signal.changed_at is not None:
        return signal.changed_at
    return signal.observed_at if signal.observed_at is not None else 0.0


def diagnose(
    signals: Iterable[Signal],
    topology: Mapping[str, Iterable[str]] | Topology | None = None,
    change_window: float = 3600.0,
    *,
    sources: Iterable[SourceState] = (),
    events: Iterable[Event] = (),
) -> Diagnosis:
    """The probable causes and blind spots of a board.

    `events` may hold past change events (`Event.change`): a marker's signal only
    keeps its latest value, and a deploy followed by another one must still be found.
    """
    graph = topology if isinstance(topology, Topology) else Topology(topology or {})
    signals = list(signals)
    failing = _failing_components(signals)
    depends = {name: graph.depends_on(name) for name in failing}

    roots = [name for name in failing if not (depends[name] & failing.keys())]
    affects: dict[str, list[str]] = {name: [] for name in roots}
    explained: set[str] = set(roots)
    for name in failing:
        for root in roots:
            if root in depends[name]:
                affects[root].append(name)
                explained.add(name)
    # Only a cyclic table (a recording edited by hand) leaves a failing component
    # neither a root nor downstream of one: it is shown as its own cause rather than
    # silently dropped.
    for name in failing:
        if name not in explained:
            roots.append(name)
            affects[name] = []

    blind = _blind_spots(signals, sources)
    blind_names = {spot.component for spot in blind}
    changes = _changes(signals, events, set(roots)) if roots else {}
    causes = [
        _cause(
            failing[root],
            sorted(affects[root], key=lambda n: _rank(failing[n])),
            changes.get(root, []),
            change_window,
            sorted(depends.get(root, set()) & blind_names),
        )
        for root in roots
    ]
    causes.sort(
        key=lambda c: (
            c.maintenance is not None,
            -c.status.severity,
            -len(c.affects),
            c.since,
            c.component,
        )
    )
    if causes:
        causes = _with_alerts(causes, signals)
        causes = _with_effects(causes, signals)
    roots_of: dict[str, str] = {}
    for cause in causes:  # most probable first: it names a symptom shared by two roots
        for name in cause.affects:
            roots_of.setdefault(name, cause.component)
    return Diagnosis(tuple(causes), blind, _unmatched(graph, signals), roots_of)


def store_diagnosis(
    store: SignalStore,
    topology: Mapping[str, Iterable[str]] | Topology | None,
    change_window: float,
) -> Diagnosis:
    """`diagnose` of everything a store holds, its past change events included: what
    `check`, the dashboard and the replay ask. A caller asking often passes a
    `Topology` built once, which remembers its glob lookups between calls, and gets the
    last answer again while nothing triage reads has changed in the store (values of
    ok signals moving are not its business; once a cause has a change attached, they
    are: what the change did is read from its component's values)."""
    memo = _MEMO.get(store)
    if isinstance(topology, Topology) and memo is not None:
        versions, graph, window, diagnosis = memo
        if graph is topology and window == change_window:
            with_effects = any(cause.changes for cause in diagnosis.causes)
            if versions == _versions(store, with_effects):
                return diagnosis
    diagnosis = diagnose(
        store.signals.values(),
        topology,
        change_window,
        sources=store.sources,
        events=(event for event in store.events if event.change),
    )
    if isinstance(topology, Topology):
        with_effects = any(cause.changes for cause in diagnosis.causes)
        _MEMO[store] = (_versions(store, with_effects), topology, change_window, diagnosis)
    return diagnosis


_MEMO: weakref.WeakKeyDictionary[SignalStore, tuple[tuple[int, int], Topology, float, Diagnosis]]
_MEMO = weakref.WeakKeyDictionary()
"""Each store's last diagnosis (with what it was made of): the dashboard's cause line,
its panels and a wallboard ask after every collection."""


def _versions(store: SignalStore, with_effects: bool) -> tuple[int, int]:
    return store.triage_version, store.version if with_effects else -1


def _failing_components(signals: list[Signal]) -> dict[str, _Component]:
    components: dict[str, _Component] = {}
    for signal in signals:
        if signal.kind not in LAYERS or signal.status not in FAILING:
            continue
        name = signal.component or signal.name
        component = components.get(name)
        if component is None:
            components[name] = component = _Component(name, [])
        component.signals.append(signal)
    for component in components.values():
        component.signals.sort(
            key=lambda s: (-s.status.severity, breached_at(s), s.key),
        )
        worst = component.signals[0]
        component.status = worst.status
        component.kind = worst.kind
        component.since = min(breached_at(s) for s in component.signals)
        component.maintenance = next(
            (s.maintenance for s in component.signals if s.maintenance is not None), None
        )
    return components


def _rank(component: _Component) -> tuple[int, float, str]:
    return (-component.status.severity, component.since, component.name)


def _cause(
    root: _Component,
    affects: list[str],
    changes: list[Change],
    window: float,
    unseen: list[str],
) -> Cause:
    recent = [c for c in changes if root.since - window <= c.at <= root.since]
    recent.sort(key=lambda c: (-c.at, c.name))
    return Cause(
        component=root.name,
        kind=root.kind,
        status=root.status,
        since=root.since,
        signals=tuple(s.key for s in root.signals),
        affects=tuple(affects),
        changes=tuple(recent),
        unseen=tuple(unseen),
        headline=_headline(root),
        maintenance=root.maintenance,
    )


def _headline(root: _Component) -> str:
    """The most telling words among the worst signals: a canary's, an SLO's, any."""
    worst = [s for s in root.signals if s.status is root.status and s.headline]
    worst.sort(key=lambda s: (s.canary is None, s.slo is None))
    return worst[0].headline if worst else ""


def _with_alerts(causes: list[Cause], signals: list[Signal]) -> list[Cause]:
    """Each cause with the firing alerts about it or what it affects (`is_evidence`)."""
    firing = [s for s in signals if s.kind == "alert" and s.status in FAILING]
    if not firing:
        return causes
    firing.sort(key=lambda s: (-s.status.severity, s.key))
    by_key = {s.key: s for s in signals if s.kind in LAYERS and s.status in FAILING}
    result = []
    for cause in causes:
        own = [by_key[key] for key in cause.signals if key in by_key]
        about_it = [s for s in firing if is_evidence(s, {cause.component, *cause.affects}, own)]
        keys = tuple(s.key for s in about_it)
        ack = next((s.ack for s in about_it if s.ack is not None), None)
        result.append(replace(cause, alerts=keys, ack=ack) if keys else cause)
    return result


def _with_effects(causes: list[Cause], signals: list[Signal]) -> list[Cause]:
    """Each attached change with what it did to its component."""
    wanted = {change.component for cause in causes for change in cause.changes}
    if not wanted:
        return causes
    mine: dict[str, list[Signal]] = {}
    for signal in signals:
        component = signal.component or signal.name
        if component in wanted:
            mine.setdefault(component, []).append(signal)
    return [
        replace(
            cause,
            changes=tuple(
                replace(c, effect=change_effect(c.at, c.component, mine.get(c.component, ())))
                for c in cause.changes
            ),
        )
        if cause.changes
        else cause
        for cause in causes
    ]


def _changes(
    signals: list[Signal], events: Iterable[Event], components: set[str]
) -> dict[str, list[Change]]:
    """Every known change of `components`: each marker's current value and, from the
    event log, its earlier ones. Only the roots' components are asked for: a calm
    board of thousands of markers costs nothing here."""
    markers = {
        s.key: s for s in signals if s.kind == "change" and (s.component or s.name) in components
    }
    if not markers:
        return {}
    found: dict[tuple[str, float], Change] = {}
    for signal in markers.values():
        if signal.value is not None:
            change = Change(signal.component or signal.name, signal.name, signal.value, signal.key)
            found[signal.key, signal.value] = change
    for event in events:
        marker = markers.get(event.key)
        if event.change and marker is not None and event.value is not None:
            component = marker.component or marker.name
            found.setdefault(
                (event.key, event.value), Change(component, event.name, event.value, event.key)
            )
    by_component: dict[str, list[Change]] = {}
    for change in found.values():
        by_component.setdefault(change.component, []).append(change)
    return by_component


def _blind_spots(signals: list[Signal], sources: Iterable[SourceState]) -> tuple[BlindSpot, ...]:
    """Unknown signals grouped by component and reason, then failing sources that have
    no unknown signal to speak for them (one that failed before its first answer)."""
    grouped: dict[tuple[str, str], tuple[list[str], dict[str, None]]] = {}
    seen_sources: set[str] = set()
    for signal in signals:
        if signal.kind == "change":
            continue
        if signal.status is not Status.UNKNOWN:
            if not signal.partial:
                continue
            reason = PARTIAL
        else:
            reason = signal.reason.value if signal.reason is not None else "unknown"
        keys, names = grouped.setdefault((signal.component or signal.name, reason), ([], {}))
        keys.append(signal.key)
        names[signal.source] = None
        seen_sources.add(signal.source)
    spots = [
        BlindSpot(component, reason, tuple(sorted(keys)), tuple(names))
        for (component, reason), (keys, names) in grouped.items()
    ]
    for source in sources:
        if source.ok is False and source.name not in seen_sources:
            spots.append(BlindSpot(source.name, "source error", (), (source.name,)))
    spots.sort(key=lambda spot: (spot.reason != "source error", spot.component))
    return tuple(spots)


def _unmatched(graph: Topology, signals: list[Signal]) -> tuple[str, ...]:
    if not graph:
        return ()
    components = {s.component or s.name for s in signals}
    missing = [name for name in graph.names() if name not in components]
    missing += [
        key
        for key in graph.table
        if is_pattern(key) and not any(fnmatchcase(c, key) for c in components)
    ]
    return tuple(missing)
