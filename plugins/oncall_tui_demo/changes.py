"""Change markers of the simulated platform: deploys, rule edits, config reloads.

Every component has one, with the time of its last change as its value. Most changes
are old (before the simulation started); the incidents of the cycle are each set off by
one (see `scenario.TRIGGER_LEAD`), and a few harmless changes land in between, so the
board teaches that a change is a suspect only when its own component breaks after it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from oncall_tui.plugin import Kind
from oncall_tui_demo.catalog import SignalSpec
from oncall_tui_demo.config import IncidentMode
from oncall_tui_demo.scenario import BACKGROUND_CHANGES, IncidentKind, last_background, last_trigger

OLDEST = 14 * 86400.0
NEWEST = 3 * 3600.0
"""Changes before the simulation are 3 hours to 2 weeks old: long outside any change
window, so a calm board attaches none."""

_FORM: Mapping[Kind, tuple[str, str, str, str]] = {
    # kind of the component's signals: (key prefix, what happened, label, metric)
    "health": ("deploy", "deployed", "service", "deploy_timestamp_seconds"),
    "risk_rule": ("edit", "edited", "rule", "risk_rule_updated_timestamp_seconds"),
    "dependency": (
        "reload",
        "client config reloaded",
        "dependency",
        "client_config_reload_timestamp_seconds",
    ),
}
_TRIGGERED_BY: Mapping[Kind, tuple[IncidentKind, ...]] = {
    "health": ("overload", "canary"),
    "risk_rule": ("risk_rule",),
    "dependency": ("cascade",),
}
"""Which incident each kind of change sets off (on the first component it moves)."""


@dataclass(frozen=True, slots=True)
class ChangeSpec:
    key: str
    name: str
    component: str
    labels: Mapping[str, str]
    query: str
    before_start: float
    """Seconds before the simulation started that the last earlier change was made."""
    trigger: IncidentKind | None = None
    """The incident this component's change sets off, if any."""
    background: float | None = None
    """Seconds into the cycle of a harmless change, if any."""

    @property
    def moves(self) -> bool:
        """Whether the cycle can make a later change than the one before the start."""
        return self.trigger is not None or self.background is not None

    def last(self, mode: IncidentMode, elapsed: float) -> float:
        """When (seconds since the start; negative before it) the latest change at or
        before `elapsed` was made."""
        times = [-self.before_start]
        if self.trigger is not None:
            trigger = last_trigger(mode, elapsed, self.trigger)
            if trigger is not None:
                times.append(trigger)
        if self.background is not None:
            background = last_background(mode, elapsed, self.background)
            if background is not None:
                times.append(background)
        return max(times)


def count_changes(specs: Sequence[SignalSpec]) -> int:
    """How many markers `build_changes` would make of `specs` (the source's note says
    how many signals are simulated, built or not)."""
    return len({spec.component for spec in specs if spec.kind in _FORM})


def build_changes(
    specs: Sequence[SignalSpec], seed: int, limit: int | None = None
) -> list[ChangeSpec]:
    """One marker per service, rule and dependency of `specs`, in their order; the
    first `limit` only (those in front of the source's cap: at 10,000 signals none, and
    building the 10,000 markers the cap then dropped was ~50 ms of the board's start).

    Ages come from their own generator: adding markers must not shift the walks that
    the signals draw from the simulation's generator.
    """
    rng = random.Random(f"{seed}/changes")
    background = dict(BACKGROUND_CHANGES)
    triggered: set[IncidentKind] = set()
    seen: set[str] = set()
    changes: list[ChangeSpec] = []
    for spec in specs:
        if limit is not None and len(changes) >= limit:
            break
        form = _FORM.get(spec.kind)
        if form is None or spec.component in seen:
            continue
        seen.add(spec.component)
        prefix, happened, label, metric = form
        trigger = None
        for incident in _TRIGGERED_BY[spec.kind]:
            if incident in spec.incidents and incident not in triggered:
                triggered.add(incident)
                trigger = incident
                break
        changes.append(
            ChangeSpec(
                key=f"chg/{prefix}/{spec.component}",
                name=f"{spec.component} {happened}",
                component=spec.component,
                labels={label: spec.component, "env": "demo"},
                query=f'max({metric}{{{label}="{spec.component}"}})',
                before_start=rng.uniform(NEWEST, OLDEST),
                trigger=trigger,
                background=background.get(spec.component),
            )
        )
    return changes
