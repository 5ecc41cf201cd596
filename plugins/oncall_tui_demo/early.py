"""The demo's early warning: an SLO per service, and the canary phase of the cycle.

Each service's availability SLO is judged by the core's burn-rate judge from the
service's simulated error ratio, averaged over each window (an exponentially weighted
mean per window: constant memory however many services). The demo lives in minutes,
not days, so its windows are the workbook's pairs with seconds for hours (said in every
summary: "burning 9x budget (1m)"); its 30-day budget is drawn once per service.

The canary phase (`scenario.CANARY_TARGET`): a new release of the service takes a
growing slice of its traffic a little after its deploy and fails 30% of it, while the
service as a whole stays under its error-ratio warning; the canary verdict catches it,
and the release is rolled back (its cohort's traffic goes) as the phase recovers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import replace

from oncall_tui.plugin import Reading, Status
from oncall_tui.plugin.judges import BurnWindow, Cohort, judge_canary, judge_slo
from oncall_tui_demo.catalog import SignalSpec
from oncall_tui_demo.runbooks import runbook
from oncall_tui_demo.scenario import Effect

OBJECTIVE = 0.98
"""Share of requests a demo service must answer without a 5xx: its budget (2%) sits at
the error-ratio warning, so a calm service never burns it and an incident does."""
PERIOD = 30 * 86400.0
WINDOWS = (
    BurnWindow(60.0, 5.0, 14.4, Status.CRITICAL),
    BurnWindow(120.0, 10.0, 6.0, Status.CRITICAL),
    BurnWindow(300.0, 20.0, 3.0, Status.WARNING),
    BurnWindow(600.0, 30.0, 1.0, Status.WARNING),
)
"""The workbook's pairs, seconds for hours, so a three-minute incident burns through
them; the short windows clear within a minute of the recovery."""
REQUESTS_PER_SECOND = 200.0
CANARY_SHARE = 0.05
CANARY_ERRORS = 0.3
CANARY_WINDOW = 60.0
OLD_VERSION, NEW_VERSION = "2.3.1", "2.4.0"
MIN_REQUESTS = 100.0
OLD_ERRORS = 0.003
"""Error ratio of the release in place, as usual."""


class EarlyWarning:
    """SLO readings per service and, during the canary phase, the canary's."""

    def __init__(self, specs: Sequence[SignalSpec], seed: int) -> None:
        rng = random.Random(f"{seed}/slo")
        self._services = [
            (index, spec) for index, spec in enumerate(specs) if spec.key.endswith("/errors")
        ]
        self._windows = sorted({w for pair in WINDOWS for w in (pair.long, pair.short)})
        self._means: list[list[float] | None] = [None] * len(self._services)
        self._budget = [rng.uniform(0.55, 0.95) for _ in self._services]
        self._fixed = [
            (
                f"slo/{spec.component}",
                f"{spec.component} SLO",
                {**spec.labels, "objective": f"{OBJECTIVE:.0%}"},
                f"{spec.query} (burn rate against a {OBJECTIVE:.0%} objective)",
            )
            for _, spec in self._services
        ]
        """Each SLO reading's key, name, labels and query: the same every collection,
        built once (and the same labels object lets the store see them unchanged)."""
        self._last: float | None = None
        self._canary_errors = 0.0
        self._canary_total = 0.0
        self._base_errors = 0.0
        self._base_total = 0.0

    def readings(
        self,
        signals: Sequence[Reading],
        now: float,
        canary: tuple[str, Effect | None] | None,
    ) -> list[Reading]:
        """`signals`: every signal's current reading, in the catalogue's order;
        `canary`: the service that takes canary releases and how far a phase is (None:
        calm)."""
        first = self._last is None
        dt = 0.0 if self._last is None else max(0.0, now - self._last)
        self._last = now
        # One weight per window for every service: the same arithmetic as per service.
        weights = [1.0 - math.exp(-dt / window) for window in self._windows]
        windows = self._windows
        found = []
        for slot, (index, spec) in enumerate(self._services):
            ratio = signals[index].value
            if ratio is None:
                continue
            means = self._means[slot]
            if means is None:
                means = self._means[slot] = [ratio] * len(windows)
            for position, weight in enumerate(weights):
                means[position] += weight * (ratio - means[position])
            self._budget[slot] -= dt / PERIOD * ratio / (1.0 - OBJECTIVE)
            verdict = judge_slo(
                OBJECTIVE,
                dict(zip(windows, means, strict=True)),
                None,
                windows=WINDOWS,
                period=PERIOD,
                budget_left=self._budget[slot],
            )
            key, name, labels, query = self._fixed[slot]
            found.append(
                Reading(
                    key=key,
                    kind="health",
                    name=name,
                    value=verdict.value,
                    unit="burn_rate",
                    labels=labels,
                    summary=verdict.summary,
                    runbook=_SLO_RUNBOOK,
                    status=verdict.status,
                    query=query,
                    component=spec.component,
                    headline=verdict.headline,
                    slo=verdict.facts,
                )
            )
        # The first look counts a whole window of requests, as they were: a fixed incident
        # is at full strength from the start, its canary's traffic included.
        found += self._canary(canary, CANARY_WINDOW if first else dt)
        return found

    def _canary(self, canary: tuple[str, Effect | None] | None, dt: float) -> list[Reading]:
        """The canary cohort against the old release, over a sliding window of counts;
        one row for the service whether a canary runs or not, so its end is not a row
        that vanishes (which the board would rightly show as no data)."""
        if canary is None:
            return []
        service, effect = canary
        keep = math.exp(-dt / CANARY_WINDOW)
        self._canary_errors *= keep
        self._canary_total *= keep
        self._base_errors *= keep
        self._base_total *= keep
        # Rolled back while recovering: the new release's traffic goes at once.
        share = 0.0
        if effect is not None and effect.phase != "recovering":
            share = CANARY_SHARE * effect.intensity
        requests = REQUESTS_PER_SECOND * dt
        self._canary_total += requests * share
        self._canary_errors += requests * share * CANARY_ERRORS
        self._base_total += requests * (1 - share)
        self._base_errors += requests * (1 - share) * OLD_ERRORS
        base = Cohort(OLD_VERSION, self._base_errors, self._base_total)
        labels = {"service": service, "version": NEW_VERSION, "env": "demo"}
        reading = Reading(
            key=f"canary/{service}",
            kind="health",
            name=f"{service} canary",
            unit="ratio",
            labels=labels,
            runbook=_CANARY_RUNBOOK,
            query=(
                f'sum by (version) (increase(http_requests_total{{service="{service}",'
                'code=~"5.."}[1m])) / sum by (version) (increase(http_requests_total'
                f'{{service="{service}"}}[1m]))'
            ),
            component=service,
        )
        if share == 0.0:
            said = "rolled back" if effect is not None else "no canary running"
            summary = f"{said}: all traffic on {OLD_VERSION}"
            return [replace(reading, status=Status.OK, summary=summary)]
        verdict = judge_canary(
            Cohort(NEW_VERSION, self._canary_errors, self._canary_total),
            base,
            group_total=self._canary_total + self._base_total,
            margin=0.01,
            min_requests=MIN_REQUESTS,
            confidence=0.99,
        )
        return [
            replace(
                reading,
                value=verdict.value,
                summary=verdict.summary,
                status=verdict.status,
                headline=verdict.headline,
                canary=verdict.facts,
            )
        ]


_SLO_RUNBOOK = runbook("slo-burn")
_CANARY_RUNBOOK = runbook("canary")
