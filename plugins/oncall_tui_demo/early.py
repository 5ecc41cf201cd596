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
SLO_STEP = 15.0
"""Seconds after which a calm SLO whose service's error ratio stayed put is judged
again. Its burn rate drifts by little meanwhile (its means creep toward a ratio that
did not move); a real one is a recording rule evaluated every 15 s to a minute, and
judging 300 of them every second was most of a calm demo's cost."""


class EarlyWarning:
    """SLO readings per service and, during the canary phase, the canary's."""

    def __init__(self, specs: Sequence[SignalSpec], seed: int, room: int | None = None) -> None:
        """`room`: how many readings the source may still return after its signals
        (its cap): the SLO rows past it, and the canary's, are never made."""
        rng = random.Random(f"{seed}/slo")
        services = [
            (index, spec) for index, spec in enumerate(specs) if spec.key.endswith("/errors")
        ]
        self._budget = [rng.uniform(0.55, 0.95) for _ in services]
        self._simulated = len(services)
        if room is not None:
            services = services[: max(0, room)]
        self._services = services
        self.canary_room = room is None or room > len(services)
        """Whether a canary row fits under the cap after the SLO rows."""
        self._windows = sorted({w for pair in WINDOWS for w in (pair.long, pair.short)})
        size = len(services)
        self._means: list[list[float] | None] = [None] * size
        self._pulls: dict[float, tuple[float, ...]] = {}
        """How far each window's mean moves toward the ratio in a step of so many
        seconds: the SLOs judged in one collection mostly step alike (a collection's
        interval, or since the same earlier collection)."""
        self._at = [0.0] * size
        """When each SLO's means were last brought up to date."""
        self._counted: list[Reading | None] = [None] * size
        """The service reading each SLO last counted: the same object means the same
        error ratio since."""
        self._shown: list[Reading | None] = [None] * size
        self._due = [0.0] * size
        """When a calm SLO whose error ratio stayed put is judged again."""
        self._fixed = [
            (
                f"slo/{spec.component}",
                f"{spec.component} SLO",
                {**spec.labels, "objective": f"{OBJECTIVE:.0%}"},
                f"{spec.query} (burn rate against a {OBJECTIVE:.0%} objective)",
            )
            for _, spec in services
        ]
        """Each SLO reading's key, name, labels and query: the same every collection,
        built once (and the same labels object lets the store see them unchanged)."""
        self._last: float | None = None
        self._canary_errors = 0.0
        self._canary_total = 0.0
        self._base_errors = 0.0
        self._base_total = 0.0
        self._canary_idle: dict[tuple[str, str], Reading] = {}
        """The canary's row while no canary runs, by (service, what it says)."""

    def count(self, *, canary: bool) -> tuple[int, int]:
        """(rows simulated, rows made under the cap): an SLO per service, and the
        canary's row when a service takes canaries."""
        made = len(self._services) + (1 if canary and self.canary_room else 0)
        return self._simulated + (1 if canary else 0), made

    def readings(
        self,
        signals: Sequence[Reading],
        now: float,
        canary: tuple[str, Effect | None] | None,
    ) -> list[Reading]:
        """`signals`: every signal's current reading, in the catalogue's order;
        `canary`: the service that takes canary releases and how far a phase is (None:
        calm).

        An SLO is judged again only when its service's error ratio moved, while it
        burns (not ok) or could start to (`QUIET_RATIO`), or `SLO_STEP` after it was
        last judged; otherwise its reading
        from last time is handed back, the very object, which the board takes in for
        a sample time and nothing more. Its means are brought up to date when it is
        judged, each stretch of time with the ratio that held then: the same numbers
        as stepping every SLO every collection."""
        first = self._last is None
        before = now if self._last is None else self._last
        self._last = now
        found: list[Reading] = []
        counted_list, shown_list, due, at_list = self._counted, self._shown, self._due, self._at
        for slot, (index, spec) in enumerate(self._services):
            reading = signals[index]
            ratio = reading.value
            if ratio is None:
                continue
            counted, shown = counted_list[slot], shown_list[slot]
            if (
                reading is counted
                and shown is not None
                and shown.status is Status.OK
                and ratio < QUIET_RATIO
                and now < due[slot]
            ):
                found.append(shown)
                continue
            means = self._means[slot]
            if means is None or counted is None or counted.value is None:
                self._means[slot] = [ratio] * len(self._windows)
            else:
                # Until the collection before this one the old ratio held; since
                # then the new one (as each collection counts its own ratio back to
                # the one before).
                since = at_list[slot]
                if reading is not counted and before > since:
                    self._advance(slot, before - since, counted.value)
                    since = before
                self._advance(slot, now - since, ratio)
            at_list[slot], counted_list[slot] = now, reading
            judged = self._judge(slot, spec)
            shown_list[slot] = judged
            # The first judgements spread over a step, so later ones do not all fall
            # in the same second.
            spread = (1.0 + slot / len(self._services)) if shown is None else 1.0
            due[slot] = now + SLO_STEP * spread
            found.append(judged)
        # The first look counts a whole window of requests, as they were: a fixed incident
        # is at full strength from the start, its canary's traffic included.
        if self.canary_room:
            found += self._canary(canary, CANARY_WINDOW if first else max(0.0, now - before))
        return found

    def _advance(self, slot: int, dt: float, ratio: float) -> None:
        """Slot's means and budget `dt` seconds on, its error ratio `ratio` meanwhile."""
        if dt <= 0.0:
            return
        means = self._means[slot]
        assert means is not None
        pulls = self._pulls.get(dt)
        if pulls is None:
            if len(self._pulls) >= MAX_PULLS:
                self._pulls.clear()
            pulls = self._pulls[dt] = tuple(1.0 - math.exp(-dt / w) for w in self._windows)
        moved = zip(means, pulls, strict=True)
        self._means[slot] = [mean + pull * (ratio - mean) for mean, pull in moved]
        self._budget[slot] -= dt / PERIOD * ratio / (1.0 - OBJECTIVE)

    def _judge(self, slot: int, spec: SignalSpec) -> Reading:
        means = self._means[slot]
        assert means is not None
        verdict = judge_slo(
            OBJECTIVE,
            dict(zip(self._windows, means, strict=True)),
            None,
            windows=WINDOWS,
            period=PERIOD,
            budget_left=self._budget[slot],
        )
        key, name, labels, query = self._fixed[slot]
        return Reading(
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
        if share == 0.0:
            said = "rolled back" if effect is not None else "no canary running"
            idle = self._canary_idle.get((service, said))
            if idle is None:
                idle = self._canary_idle[service, said] = replace(
                    self._canary_reading(service),
                    status=Status.OK,
                    summary=f"{said}: all traffic on {OLD_VERSION}",
                )
            # The very object while nothing it says changed: no news to the board.
            return [idle]
        base = Cohort(OLD_VERSION, self._base_errors, self._base_total)
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
                self._canary_reading(service),
                value=verdict.value,
                summary=verdict.summary,
                status=verdict.status,
                headline=verdict.headline,
                canary=verdict.facts,
            )
        ]

    @staticmethod
    def _canary_reading(service: str) -> Reading:
        """What the canary's row says whatever the verdict."""
        labels = {"service": service, "version": NEW_VERSION, "env": "demo"}
        return Reading(
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


MAX_PULLS = 64
"""Step lengths whose pulls are remembered (a real clock's steps all differ a little)."""
QUIET_RATIO = min(pair.burn for pair in WINDOWS) * (1.0 - OBJECTIVE)
"""An error ratio below which an ok SLO stays ok while the ratio stays put: each mean
only creeps toward the ratio, so no window can reach a pair's rate. At or above it,
the SLO is judged every collection, so a breach is never late."""
_SLO_RUNBOOK = runbook("slo-burn")
_CANARY_RUNBOOK = runbook("canary")
