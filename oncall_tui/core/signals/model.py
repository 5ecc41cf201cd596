"""The signal model shared by the engine, the plugins, `check` and the UI.

Plugins produce `Reading`s (raw observations); the store turns them into `Signal`s
(sanitised, evaluated against thresholds, with history). Keeping the two apart means a
plugin can never skip sanitising or status evaluation.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Literal, get_args

from oncall_tui.core.signals.facts import CanaryFacts, SloFacts
from oncall_tui.core.signals.history import History
from oncall_tui.core.signals.numbers import as_number as as_number  # a name of the model
from oncall_tui.core.signals.quick_init import quick_init
from oncall_tui.core.signals.timeline import Timeline
from oncall_tui.core.sources.runbook import Runbook

Kind = Literal["business", "health", "risk_rule", "dependency", "alert", "change"]
KINDS: tuple[Kind, ...] = ("business", "health", "risk_rule", "dependency", "alert", "change")
"""business: user-facing indicators (the impact); health, risk_rule, dependency: the
three layers a cause lives in; alert: firing alerts (evidence); change: a change marker
whose value is the unix time of the last deploy, rule edit or reload (an event, never a
status)."""

Unit = Literal["ratio", "percent", "seconds", "per_second", "count", "bool", "bytes", "burn_rate"]
UNITS: tuple[Unit, ...] = get_args(Unit)
"""burn_rate: how many times faster than the objective allows an error budget is spent
(an SLO signal's value), shown as "20x"; a plain number would read as a count."""


class Status(StrEnum):
    """Nagios/Prometheus vocabulary. `severity` gives the one order used everywhere."""

    OK = "ok"
    WARNING = "warning"
    CRITICAL = "critical"
    UNKNOWN = "unknown"

    @property
    def severity(self) -> int:
        """critical > unknown > warning > ok: an unknown is worse than a warning because
        nobody can tell what it hides, but not as bad as a confirmed outage."""
        return _SEVERITY[self]

    @property
    def exit_code(self) -> int:
        """Nagios exit codes: 0 ok, 1 warning, 2 critical, 3 unknown."""
        return _EXIT_CODE[self]

    @classmethod
    def worst(cls, statuses: Iterable[Status]) -> Status:
        """The most severe of `statuses`; ok for none, so an empty board is not alarming."""
        worst = cls.OK
        for status in statuses:
            if status.severity > worst.severity:
                worst = status
        return worst


_SEVERITY = {Status.OK: 0, Status.WARNING: 1, Status.UNKNOWN: 2, Status.CRITICAL: 3}
NO_TIMES: Mapping[Status, float] = MappingProxyType({})
"""The breach and clear timers of a signal with none running, shared by every calm
signal: a dict each was 64 bytes, two per signal. Timers are replaced, never changed."""


def started(times: Mapping[Status, float], step: Status, at: float) -> Mapping[Status, float]:
    """`times` with `step`'s timer started `at`, unless it runs already (`times` then)."""
    return times if step in times else {**times, step: at}


def stopped(times: Mapping[Status, float], step: Status) -> Mapping[Status, float]:
    """`times` without `step`'s timer (`times` itself when it has none)."""
    if step not in times:
        return times
    return {key: at for key, at in times.items() if key is not step} or NO_TIMES


_EXIT_CODE = {Status.OK: 0, Status.WARNING: 1, Status.CRITICAL: 2, Status.UNKNOWN: 3}


class Reason(StrEnum):
    """Why a signal is unknown. Shown to the user: the words matter."""

    NO_DATA = "no data"
    STALE = "stale"
    SOURCE_ERROR = "source error"


RECOVER_FOR = 30.0
"""Default `recover_for` of a config's thresholds: six collections at the usual 5 s,
long enough that a value alternating around its limit stays one breach, short enough
that a real recovery shows within half a minute."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a value becomes warning or critical.

    `below` flips the direction (low is bad: success rate, free disk). `for_seconds` is
    how long a breach must last before it counts, so one spike does not page anyone.
    `recover_seconds` is how long a counted breach must stay clear before it ends, so a
    value hovering on its limit does not flip the status at every collection (as
    Prometheus' `keep_firing_for`).
    """

    warning: float | None = None
    critical: float | None = None
    below: bool = False
    for_seconds: float = 0.0
    warning_ratio: float | None = None
    critical_ratio: float | None = None
    """Limits on value / baseline (a rule at 5x its usual hit rate), judged in the same
    direction as the absolute ones; they apply only when the signal has a positive
    baseline, so a missing or zero baseline never reads as an "infinite" ratio."""
    recover_seconds: float = 0.0
    """0 here, so code building thresholds gets exactly what it asks for; a config's
    `recover_for` defaults to RECOVER_FOR, and so do the built-in plugins' own limits."""

    def level(self, value: float, baseline: float | None = None) -> Status:
        """The status the value deserves, before `for` is applied: the worse of the
        absolute limits and, given a baseline, the ratio limits. Touching a limit counts
        as breaching it (>=, or <= when `below`)."""
        absolute = self._grade(value, self.warning, self.critical)
        if self.warning_ratio is None and self.critical_ratio is None:
            return absolute  # most limits: judged thousands of times a second
        ratio = self.ratio(value, baseline)
        if ratio is None:
            return absolute
        return Status.worst((absolute, self._grade(ratio, self.warning_ratio, self.critical_ratio)))

    def ratio(self, value: float, baseline: float | None) -> float | None:
        """value / baseline when ratio limits are set and the baseline is a positive
        number; None when the ratio check does not apply."""
        if self.warning_ratio is None and self.critical_ratio is None:
            return None
        if baseline is None or not baseline > 0 or not math.isfinite(baseline):
            return None
        ratio = value / baseline
        return ratio if math.isfinite(ratio) else None

    def _grade(self, value: float, warning: float | None, critical: float | None) -> Status:
        if self.below:
            if critical is not None and value <= critical:
                return Status.CRITICAL
            if warning is not None and value <= warning:
                return Status.WARNING
        else:
            if critical is not None and value >= critical:
                return Status.CRITICAL
            if warning is not None and value >= warning:
                return Status.WARNING
        return Status.OK


@dataclass(frozen=True, slots=True)
class Ack:
    """Someone said "I'm on it" about a firing alert: an Alertmanager silence whose
    comment starts `ACK!` (karma's convention), so every board and every karma or
    Grafana on the same Alertmanager sees who took it. The alert keeps its status."""

    author: str
    since: float | None
    """When the ack was made (the silence's start, unix time)."""
    until: float | None
    """When the ack silence ends by itself (its bounded duration)."""
    silence_id: str = ""


@dataclass(frozen=True, slots=True)
class Maintenance:
    """Planned work on a component (a silence whose comment starts `maintenance:`) or
    an announcement from the config (`[[notices]]`): said on the component's rows, and
    triage does not blame the component first while it lasts."""

    text: str
    """What is going on ("bureau upgrade"), without the `maintenance:` prefix."""
    until: float | None
    """Unix time it ends; None: no end given."""
    component: str = ""
    """The component it is about; "" for a notice about everything."""
    author: str = ""


@quick_init  # plugins make thousands a second: half the dataclass's __init__ cost
@dataclass(frozen=True, slots=True)
class Reading:
    """One observation as a plugin returns it, before sanitising and evaluation.

    `key` only has to be unique and stable within its source; the store prefixes the
    source name. `status` is for sources that decide the status themselves (an alert's
    severity, a Nagios exit code); otherwise `thresholds` decide it from `value`.
    `component` names what the signal is about (a service, a rule, a dependency) for
    the probable-cause logic; empty means the signal's name.
    """

    key: str
    kind: Kind
    name: str
    value: float | None = None
    unit: Unit = "count"
    labels: Mapping[str, str] = field(default_factory=dict)
    summary: str = ""
    runbook: Runbook | None = None
    status: Status | None = None
    thresholds: Thresholds | None = None
    query: str = ""
    baseline: float | None = None
    component: str = ""
    observed_at: float | None = None
    """Unix time the value was measured at, when the source knows it (a sample's own
    timestamp): an old sample is stale however recently it was fetched. None: now."""
    partial: str = ""
    """Why this value may be incomplete, when the server answered only partly (a
    Prometheus warning, a Thanos partial response, VictoriaMetrics' isPartial): the
    signal is drawn with a partial mark, `check` says "partial": true, and the
    source's note says it. Empty: a whole answer."""
    since: float | None = None
    """Unix time the source says this status began (an alert's `startsAt`), for a
    status the source decides; None: from what oncall-tui saw."""
    history: Sequence[tuple[float, float | None]] = ()
    """Earlier (unix time, value) samples of this series, oldest first, to fill an
    empty chart at start (a Prometheus query_range); only samples older than what the
    signal already holds are used."""
    budget_history: Sequence[tuple[float, float | None]] = ()
    """An SLO signal's earlier (unix time, budget left) samples, oldest first, as
    `history` is for its value: its detail charts the budget as it fell."""
    headline: str = ""
    """The few words that say most about a failing signal, preferred by the cause line
    over "critical": "burning 20x budget", "canary 2.4.0 fails 30%". Empty: none."""
    slo: SloFacts | None = None
    """An SLO signal's burn per window and budget (core/signals/slo.py)."""
    canary: CanaryFacts | None = None
    """A canary signal's cohort against its baseline (core/signals/canary.py)."""
    ack: Ack | None = None
    """An alert someone acknowledged (who, since when): it keeps its status and counts,
    only the bell and toasts stop."""
    maintenance: Maintenance | None = None
    """An alert silenced for planned work on its component: the whole component's rows
    say so."""


@dataclass(slots=True, eq=False)
class Signal:
    """One row on the board. Mutated in place by the store; readers treat it read-only."""

    key: str
    kind: Kind
    name: str
    source: str
    labels: dict[str, str]
    unit: Unit
    value: float | None = None
    status: Status = Status.UNKNOWN
    reason: Reason | None = Reason.NO_DATA
    summary: str = ""
    runbook: Runbook | None = None
    query: str = ""
    thresholds: Thresholds | None = None
    baseline: float | None = None
    component: str = ""
    """What the signal is about (a service, a rule, a dependency): the probable-cause
    logic groups signals by it. Defaults to the signal's name."""
    observed_at: float | None = None
    partial: str = ""
    """Why its value may be incomplete (see Reading.partial); empty when whole."""
    changed_at: float | None = None
    """When the status last changed: how long has this been red?"""
    seen_from: float | None = None
    """The earliest time the store has data of it for: its first reading's, or the
    oldest sample a source handed back with it. A failing dated no later than this was
    already there when first seen: when it began is not known (`breach.start_known`)."""
    missing_since: float | None = None
    history: History = field(default_factory=History)
    breach_since: Mapping[Status, float] = field(default_factory=lambda: NO_TIMES)
    """When each breach level began (its `for` counts from then); replaced on change."""
    firing: frozenset[Status] = frozenset()
    """Breach levels that counted (lasted their `for`), held while clear for less than
    `recover_seconds` (a pending one just ends). Replaced, not changed: most share `frozenset()`."""
    clear_since: Mapping[Status, float] = field(default_factory=lambda: NO_TIMES)
    """When the value went clear of each firing level: it ends `recover_seconds` later."""
    explicit_status: Status | None = None
    last: Reading | None = None
    """The reading last ingested: a plugin handing back the very same object, or an
    equal one, skips the whole ingest while the signal is settled."""
    raw: tuple[object, ...] = ()
    """The reading's labels, runbook, query and component as last sanitised (with the
    redactor's generation): unchanged ones (the usual case) are not sanitised again on
    every collection."""
    texts: tuple[Any, ...] = ()
    """The redactor's generation, then the reading's name, summary and headline each as
    given and as cleaned: only words that changed are sanitised again."""
    headline: str = ""
    """See Reading.headline (sanitised)."""
    slo: SloFacts | None = None
    budget: History | None = None
    """An SLO signal's error budget left (a share: 1 untouched, below 0 overspent) at
    each collection, bounded as `history`; None for any other signal."""
    canary: CanaryFacts | None = None
    ack: Ack | None = None
    """Who acknowledged this alert and when (sanitised); None when nobody did."""
    maintenance: Maintenance | None = None
    """Planned work on this signal's component (its own, or that of an alert about the
    same component, or a configured notice); None when there is none."""
    ride: Timeline | None = field(default=None, init=False, repr=False)
    """Set while the signal rides its source's collections (core/signals/collection.py):
    each hands back the very reading again, so nothing of it is touched; it was observed
    at the timeline's `ridden_at` and its history rides along."""

    @property
    def severity(self) -> int:
        return self.status.severity


_OBSERVED_AT = Signal.__dict__["observed_at"]
_BUDGET = Signal.__dict__["budget"]


def _observed_at(signal: Signal) -> float | None:
    ride = signal.ride
    return _OBSERVED_AT.__get__(signal, Signal) if ride is None else ride.ridden_at


def _set_observed_at(signal: Signal, at: float | None) -> None:
    # A ride ends first (riding.py `end_ride`), or its history invents samples after.
    if getattr(signal, "ride", None) is not None:  # no `ride` yet: in `__init__`
        from oncall_tui.core.signals.riding import end_ride  # riding.py imports this

        end_ride(signal)
    _OBSERVED_AT.__set__(signal, at)


def budget_of(signal: Signal) -> History | None:
    """`signal.budget`: of a riding SLO signal, its ring's newest sample moved on to the
    ride's newest collection, as each collection taken in whole moves it (ingest.py
    `note_budget`; a ride ends before a collection that would add a sample)."""
    ring: History | None = _BUDGET.__get__(signal, Signal)
    ride = signal.ride
    if ride is None or ring is None:
        return ring
    times = ring.newest_times()
    if times is not None and times[0] < ride.ridden_at:
        ring.replace_newest(ride.ridden_at, next(ring.newest_since(times[0]))[1])
    return ring


observed_slot: Callable[[Signal, float | None], None] = _OBSERVED_AT.__set__
"""Set `observed_at` of a signal known not to ride, without the property (a hot path)."""


# `observed_at` and `budget` read as fields, except while the signal rides (no write per
# collection): then it was observed at its source's newest collection.
setattr(Signal, "observed_at", property(_observed_at, _set_observed_at))  # noqa: B010
setattr(Signal, "budget", property(budget_of, _BUDGET.__set__))  # noqa: B010


def sort_key(signal: Signal) -> tuple[int, str]:
    """Worst first, then by name so rows do not jump around among equals."""
    return (-signal.status.severity, signal.name)


@dataclass(frozen=True, slots=True)
class Event:
    """A status change of one signal, for the timeline."""

    at: float
    key: str
    name: str
    before: Status
    after: Status
    value: float | None
    reason: Reason | None = None
    change: bool = False
    """A change marker's new value (a deploy, a rule edit) rather than a status change:
    `value` is when the change happened (unix time)."""
    source: bool = False
    """A source that started failing (`after` unknown, `error` says why) or recovered
    (`after` ok) rather than a signal: `key` and `name` are the source's name."""
    error: str = ""
    """Why the source failed (sanitised and redacted like every source string)."""
    first: bool = False
    """The signal's first appearance (an alert that fired, a signal first seen failing):
    it had no status before, whatever `before` says."""
    kind: Kind | None = None
    unit: Unit | None = None
    """The signal's kind and unit when it happened: the event outlives a signal that is
    gone since (an alert that resolved), and must still read right."""


@dataclass(frozen=True, slots=True)
class SourceState:
    """What is known about one source's last collection, for `check` and the panels."""

    name: str
    plugin: str
    kinds: frozenset[Kind]
    ok: bool | None = None  # None until the first collection finishes
    error: str = ""
    duration_ms: float | None = None
    last_success: float | None = None
    last_attempt: float | None = None
    interval: float = 5.0
    note: str = ""
    """Something worth knowing that is not an error, e.g. signals dropped over a cap."""
    failing_since: float | None = None
    """When the current run of failed collections began (unix time); None while the
    source works. A panel says "failing since 03:12:09", not only that it fails."""

    @property
    def status(self) -> Literal["ok", "error", "pending"]:
        if self.ok is None:
            return "pending"
        return "ok" if self.ok else "error"


class EventLog:
    """The most recent status changes, newest last."""

    def __init__(self, capacity: int = 1000) -> None:
        self._events: deque[Event] = deque(maxlen=capacity)
        self.total = 0
        """Events ever recorded, so a viewer can tell something new arrived."""

    def append(self, event: Event) -> None:
        self._events.append(event)
        self.total += 1

    def __len__(self) -> int:
        return len(self._events)

    def __iter__(self) -> Iterator[Event]:
        return iter(self._events)

    def recent(self, count: int) -> list[Event]:
        """Newest first, as a timeline reads; costs `count`, not the log's length."""
        return list(itertools.islice(reversed(self._events), max(count, 0)))

    def latest(self, count: int) -> list[Event]:
        """The `count` newest, oldest first (in the order they happened)."""
        events = self.recent(count)
        events.reverse()
        return events
