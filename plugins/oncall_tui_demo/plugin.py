"""The `demo` source: a simulated credit-payments platform, the dashboard's default.

It exists to make the product's point to someone who has never been on call here: when
payments fail, is it our services, our risk rules or a dependency? Values are random
walks around each signal's normal level; incidents are laid over them on a timeline
(see `scenario`), so the board shows each failure building up and recovering.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar

from oncall_tui.plugin import MAX_SIGNALS_PER_SOURCE, Kind, Plugin, Reading, SourceContext
from oncall_tui_demo import catalog, scenario
from oncall_tui_demo.changes import ChangeSpec, build_changes, count_changes
from oncall_tui_demo.config import DemoConfig
from oncall_tui_demo.describe import Describer
from oncall_tui_demo.early import EarlyWarning
from oncall_tui_demo.runbooks import runbook
from oncall_tui_demo.scenario import Effect, Effects, IncidentKind
from oncall_tui_demo.walk import Walks

Clock = Callable[[], float]

REVERSION_TIME = 45.0
"""Seconds over which a calm deviation mostly fades: slow enough to look like drift, fast
enough that a blip is gone within a minute."""
BUSINESS_STEP = 15.0
"""Seconds between two new values of a business signal. Real ones are per-minute rates
over a few minutes (a recording rule, a scrape every 15 s): they move in steps and never
jitter every second. (Their walks keep moving meanwhile; a step shows where they are.)"""
INCIDENT_JITTER = 0.1
"""How much an incident's level wobbles with the walk (±10% per deviation, at most
±20%), so a signal at full strength still looks alive but never drops below critical."""


class DemoPlugin(Plugin[DemoConfig]):
    """Simulated services, risk rules and dependencies of a pay-later wallet and a
    cash-loan product; no network, no setup."""

    description = (
        "A simulated credit-payments platform (pay-later wallet and cash loans sharing "
        "one risk engine) with scripted incidents; the default when no config exists."
    )

    clock: ClassVar[Clock] = time.monotonic
    """Where the incident timeline reads the time. Tests (or a screenshot run) replace it,
    or pass `SourceContext.clock`, to jump through the cycle without waiting."""
    wall_clock: ClassVar[Clock] = time.time
    """Unix time, read once at the first collection to date change markers (their value
    is when the change happened). A test replaying the cycle on one fake clock sets both."""

    def __init__(self, config: DemoConfig, context: SourceContext) -> None:
        super().__init__(config, context)
        self._clock: Clock | None = context.clock
        rng = random.Random(config.seed)
        self._specs = catalog.build(config, rng)
        reversion = 1.0 - math.exp(-max(context.interval, 0.001) / REVERSION_TIME)
        self._walks = Walks(len(self._specs), rng, reversion)
        # Past a source's cap the engine keeps nothing, so the demo makes nothing there:
        # at services 3000, rules 5000, dependencies 2000 that is 18,000 readings a
        # second (3,000 SLO judgements among them) that no one would see.
        self._live = min(len(self._specs), MAX_SIGNALS_PER_SOURCE)
        """Signals drawn: those in front of the cap."""
        self._describers = [Describer(spec) for spec in self._specs[: self._live]]
        """The summary writer of each signal drawn (none for those past the cap)."""
        room = MAX_SIGNALS_PER_SOURCE - self._live
        self._affected = [i for i, s in enumerate(self._specs[: self._live]) if s.incidents]
        self._business = frozenset(i for i, s in enumerate(self._specs) if s.kind == "business")
        self._business_every = max(1, round(BUSINESS_STEP / max(context.interval, 0.001)))
        """Collections between two new business values."""
        self._business_due: set[int] = set()
        """Business signals that moved since their last value was drawn."""
        self._collections = 0
        self._change_readings: list[Reading] = []
        self._readings: list[Reading] = []
        self._drawn_with: list[tuple[IncidentKind, Effect] | None] = []
        self._started: float | None = None
        self._wall_offset = 0.0
        self._early = EarlyWarning(self._specs, config.seed, room)
        self._canary_service = next(
            (s.component for s in self._specs if s.component == catalog.CANARY_TARGET), None
        )
        early, early_made = self._early.count(canary=self._canary_service is not None)
        simulated = len(self._specs) + early + count_changes(self._specs)
        self._changes: list[ChangeSpec] = build_changes(
            self._specs, config.seed, limit=max(0, room - early_made)
        )
        self._note = (
            f"{simulated} signals simulated, only the first {MAX_SIGNALS_PER_SOURCE} kept"
            if simulated > MAX_SIGNALS_PER_SOURCE
            else ""
        )
        self._moving = [i for i, change in enumerate(self._changes) if change.moves]
        """Markers whose change the cycle can renew; the others never move."""

    def kinds(self) -> frozenset[Kind]:
        return frozenset({"business", "health", "risk_rule", "dependency", "change"})

    def collection_note(self) -> str:
        return self._note

    def _now(self) -> float:
        return self._clock() if self._clock is not None else type(self).clock()

    async def collect(self) -> Sequence[Reading]:
        # On a worker thread: at 10,000 signals one collection is ~60 ms of Python,
        # which on the event loop held every key press for that long once a second.
        return await self.context.run_blocking(self._collect)

    def _collect(self) -> list[Reading]:
        now = self._now()
        if self._started is None:
            self._started = now
            self._wall_offset = type(self).wall_clock() - now
        elapsed = now - self._started
        effects = scenario.effects(self.config.incident, elapsed)
        if not self._readings:
            size = self._live
            self._readings = [_PENDING] * size
            self._drawn_with = [None] * size
            self._redraw(range(size), effects)
        else:
            moved = self._walks.pick(self.config.change_rate)
            self._walks.step(moved)
            # An incident follows its own timeline even for values that did not move
            # this time: a ramp must not stall because change_rate is low.
            ramping = [
                i for i in self._affected if self._drawn_with[i] != _active(self._specs[i], effects)
            ]
            self._redraw(self._due([*moved, *ramping]), effects)
        self._mark_changes(elapsed)
        canary = None
        if self._canary_service is not None:
            canary = (self._canary_service, effects.get("canary"))
        early = self._early.readings(self._readings, now, canary)
        return [*self._readings, *early, *self._change_readings]

    def _due(self, indices: Iterable[int]) -> list[int]:
        """`indices` to draw now: business signals wait for their next step."""
        self._collections += 1
        business, live = self._business, self._live
        due = dict.fromkeys(i for i in indices if i < live and i not in business)
        self._business_due.update(i for i in indices if i in business)
        if self._collections % self._business_every == 0:
            due.update(dict.fromkeys(sorted(self._business_due)))
            self._business_due.clear()
        return list(due)

    def _mark_changes(self, elapsed: float) -> None:
        """Change markers: the same Reading object while nothing changed, so the store
        skips it; a new value when a deploy, edit or reload happened. Only the few
        markers the cycle moves (`ChangeSpec.moves`) are looked at after the first
        collection: the others keep their change from before the start."""
        start = self._started if self._started is not None else 0.0
        current = self._change_readings
        first = not current
        if first:
            current = self._change_readings = [_PENDING] * len(self._changes)
        for index in range(len(self._changes)) if first else self._moving:
            change = self._changes[index]
            at = self._wall_offset + start + change.last(self.config.incident, elapsed)
            if not first and current[index].value == at:
                continue
            current[index] = Reading(
                key=change.key,
                kind="change",
                name=change.name,
                value=at,
                unit="count",
                labels=change.labels,
                runbook=_CHANGES_RUNBOOK,
                query=change.query,
                component=change.component,
            )

    def _redraw(self, indices: Iterable[int], effects: Effects) -> None:
        """New readings for `indices` from their walks and the incidents under way."""
        specs, describers, walks = self._specs, self._describers, self._walks.z
        readings, drawn_with = self._readings, self._drawn_with
        exp = math.exp
        for index in indices:
            spec = specs[index]
            z = walks[index]
            level = spec.level * exp(spec.spread * z)
            active = _active(spec, effects) if spec.incidents else None
            effect = active[1] if active is not None else None
            if active is not None:
                wobble = 1.0 + INCIDENT_JITTER * (2.0 if z > 2.0 else -2.0 if z < -2.0 else z)
                target = spec.incidents[active[0]]
                level += active[1].intensity * (target * wobble - level)
            value = 1.0 - level if spec.inverted else level
            if spec.unit == "ratio":
                value = 0.0 if value < 0.0 else 1.0 if value > 1.0 else value
            readings[index] = Reading(
                key=spec.key,
                kind=spec.kind,
                name=spec.name,
                value=value,
                unit=spec.unit,
                labels=spec.labels,
                summary=describers[index](value, effect, active[0] if active else None),
                runbook=spec.runbook,
                thresholds=spec.thresholds,
                query=spec.query,
                baseline=spec.baseline,
                component=spec.component,
            )
            drawn_with[index] = active


def _active(spec: catalog.SignalSpec, effects: Effects) -> tuple[IncidentKind, Effect] | None:
    """The incident under way that moves `spec` (one at a time in the cycle)."""
    for kind in spec.incidents:
        effect = effects.get(kind)
        if effect is not None:
            return kind, effect
    return None


_PENDING = Reading(key="", kind="health", name="")
"""Placeholder filling the list until the first collection has drawn every signal."""
_CHANGES_RUNBOOK = runbook("changes")
