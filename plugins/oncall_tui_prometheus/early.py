"""SLO and canary signals of a prometheus source: the queries each table needs, their
series matched by labels, judged by the core (core/signals/slo.py, core/signals/canary.py).

`fetch` runs one instant query and returns its series (the plugin's own request path:
its client, its concurrency slots, its evaluation time), so this module is only the
arithmetic between the answers and the judges.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from oncall_tui.plugin import LabelTemplate, Reading, RunbookTemplate, SourceError
from oncall_tui.plugin.judges import (
    Cohort,
    budget_left_of,
    budget_spacing,
    judge_canary,
    judge_slo,
    pick_baseline,
    window_text,
)

from .build import series_key
from .early_config import WINDOW, Canary, Slo
from .parse import BadResponse, LabelKey, Series, TooSlow, label_key

Fetch = Callable[[str, int], Awaitable[list[Series]]]
"""(PromQL, max series) -> the series of its instant vector."""
FetchRange = Callable[[str, int, float], Awaitable[list[Series]]]
"""(PromQL, max series, least step) -> the series of a query_range over the backfill
span, with their points."""
Point = tuple[float, float | None]


@dataclass(frozen=True, slots=True)
class Named:
    """How a failure names what failed: the path `oncall-tui validate` prints."""

    label: str


@dataclass(frozen=True, slots=True)
class _Templates:
    name: LabelTemplate
    component: LabelTemplate
    runbook: RunbookTemplate

    @classmethod
    def of(cls, table: Slo | Canary) -> _Templates:
        return cls(
            LabelTemplate.parse(table.name),
            LabelTemplate.parse(table.component),
            RunbookTemplate.parse(table.runbook),
        )


EarlyJob = Callable[[Fetch], Awaitable[list[Reading]]]


def early_jobs(
    slos: list[Slo], canaries: list[Canary], slo_rules: str, config_dir: Path
) -> list[tuple[Named, EarlyJob]]:
    """Each SLO and canary table (and the generator's rules) as one job of a collection,
    named as `validate` names its table."""
    from .slo_rules import pyrra_readings, sloth_readings

    jobs: list[tuple[Named, EarlyJob]] = []
    for index, slo in enumerate(slos):
        job: EarlyJob = partial(slo_readings, index, slo, config_dir=config_dir)
        jobs.append((Named(f"slos[{index}] ({slo.name})"), job))
    for index, canary in enumerate(canaries):
        job = partial(canary_readings, index, canary, config_dir=config_dir)
        jobs.append((Named(f"canaries[{index}] ({canary.name})"), job))
    if slo_rules == "sloth":
        jobs.append((Named("slo_rules (sloth)"), partial(sloth_readings, config_dir=config_dir)))
    elif slo_rules == "pyrra":
        jobs.append((Named("slo_rules (pyrra)"), partial(pyrra_readings, config_dir=config_dir)))
    return jobs


def _by_labels(series: list[Series]) -> dict[LabelKey, Series]:
    return {label_key(item.labels, without_name=True): item for item in series}


def _plain(labels: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in labels.items() if k != "__name__"}


async def slo_readings(index: int, slo: Slo, fetch: Fetch, config_dir: Path) -> list[Reading]:
    """One signal per series `total` returns over the shortest window."""
    windows = sorted({w for pair in slo.windows for w in (pair.long, pair.short)} | {slo.period})
    asked = [
        fetch(query.replace(WINDOW, window_text(window)), slo.max_series)
        for window in windows
        for query in (slo.errors, slo.total)
    ]
    answers = await asyncio.gather(*asked)
    errors = {w: _by_labels(answers[2 * i]) for i, w in enumerate(windows)}
    totals = {w: _by_labels(answers[2 * i + 1]) for i, w in enumerate(windows)}
    groups: dict[LabelKey, dict[str, str]] = {}
    for by_key in totals.values():
        for key, item in by_key.items():
            groups.setdefault(key, _plain(item.labels))
    templates = _Templates.of(slo)
    pairs = tuple(window.burn_window() for window in slo.windows)
    paired = {w for pair in pairs for w in (pair.long, pair.short)}
    readings = []
    for key, labels in sorted(groups.items())[: slo.max_series]:
        ratios = {w: _ratio(errors[w].get(key), totals[w].get(key)) for w in windows}
        in_pairs = {w: ratio for w, ratio in ratios.items() if w in paired}
        verdict = judge_slo(
            slo.objective, in_pairs, ratios[slo.period], windows=pairs, period=slo.period
        )
        readings.append(
            Reading(
                key=series_key(index, labels, prefix="slo"),
                kind=slo.kind,
                name=templates.name.render(labels),
                value=verdict.value,
                unit="burn_rate",
                labels=labels,
                summary=verdict.summary,
                runbook=templates.runbook.render(labels, config_dir),
                status=verdict.status,
                query=slo.errors,
                component=templates.component.render(labels),
                headline=verdict.headline,
                slo=verdict.facts,
            )
        )
    return readings


async def slo_budget_history(
    index: int, slo: Slo, fetch_range: FetchRange, at: float
) -> tuple[str, dict[str, list[Point]]]:
    """The budget left of each of the table's series over the backfill span, by reading
    key, for the detail's chart ("budget_history", {key: points}).

    Asked of Prometheus rather than left to the board's own ring (which the store keeps
    too, from each collection's `budget_left`): at start that ring is empty, and a
    budget over a 30-day period moves over hours that Prometheus already holds. Cost:
    two query_range per SLO table (`errors` and `total` over the period), once per
    source start, with points `budget_spacing` apart as the board keeps them (30 over
    the default 30-minute backfill for a 30-day SLO), at most BACKFILL_POINTS, each one
    evaluation of what every collection already evaluates once; within the backfill's
    share of the deadline, cancelled when late (Prometheus abandons a query with its
    request). Best effort: a failure leaves the chart to fill as collections come.
    `at` is the collection's evaluation time, the end of the span."""
    period, spacing = window_text(slo.period), budget_spacing(slo.period)
    try:
        errors, totals = await asyncio.gather(
            fetch_range(slo.errors.replace(WINDOW, period), slo.max_series, spacing),
            fetch_range(slo.total.replace(WINDOW, period), slo.max_series, spacing),
        )
    except (SourceError, BadResponse, TooSlow):
        return "budget_history", {}
    failed = {key: dict(series.points) for key, series in _by_labels(errors).items()}
    found: dict[str, list[Point]] = {}
    for series in totals[: slo.max_series]:
        key = label_key(series.labels, without_name=True)
        bad = failed.get(key, {})
        points: list[Point] = []
        for t, total in series.points:
            if t > at:
                continue  # a sample from after the evaluation time: no server sends it
            if total is None or total <= 0:
                points.append((t, None))  # no traffic over the period: nothing to tell
                continue
            ratio = max(0.0, bad.get(t) or 0.0) / total  # no errors series: 0 errors
            points.append((t, budget_left_of(slo.objective, ratio)))
        if points:
            found[series_key(index, _plain(series.labels), prefix="slo")] = points
    return "budget_history", found


def _ratio(errors: Series | None, total: Series | None) -> float | None:
    """errors / total of one window; a total without an errors series has 0 errors; no
    traffic (or no total) is None: nothing to judge, never 0%."""
    if total is None or total.value is None or total.value <= 0:
        return None
    failed = 0.0 if errors is None or errors.value is None else errors.value
    return max(0.0, failed) / total.value


async def canary_readings(
    index: int, canary: Canary, fetch: Fetch, config_dir: Path
) -> list[Reading]:
    """One signal per cohort other than the baseline, in every group of series that
    differ only by the cohort label."""
    window = window_text(canary.window)
    errors_series, total_series = await asyncio.gather(
        fetch(canary.errors.replace(WINDOW, window), canary.max_series),
        fetch(canary.total.replace(WINDOW, window), canary.max_series),
    )
    errors = _by_labels(errors_series)
    groups: dict[LabelKey, dict[str, tuple[dict[str, str], Cohort]]] = {}
    for item in total_series:
        labels = _plain(item.labels)
        name = labels.get(canary.cohort)
        if name is None or item.value is None:
            continue
        group = label_key({k: v for k, v in labels.items() if k != canary.cohort})
        failed = errors.get(label_key(labels))
        count = 0.0 if failed is None or failed.value is None else max(0.0, failed.value)
        groups.setdefault(group, {})[name] = (labels, Cohort(name, count, max(0.0, item.value)))
    templates = _Templates.of(canary)
    readings = []
    for _, members in sorted(groups.items()):
        cohorts = {name: cohort for name, (_, cohort) in members.items()}
        chosen = pick_baseline(cohorts, canary.baseline)
        group_total = sum(cohort.total for cohort in cohorts.values())
        for name, (labels, cohort) in sorted(members.items()):
            if name == chosen:
                continue
            verdict = judge_canary(
                cohort,
                cohorts.get(chosen) if chosen is not None else None,
                group_total=group_total,
                margin=canary.margin,
                min_requests=canary.min_requests,
                confidence=canary.confidence,
                baseline_name=canary.baseline,
            )
            readings.append(
                Reading(
                    key=series_key(index, labels, prefix="canary"),
                    kind=canary.kind,
                    name=templates.name.render(labels),
                    value=verdict.value,
                    unit="ratio",
                    labels=labels,
                    summary=verdict.summary,
                    runbook=templates.runbook.render(labels, config_dir),
                    status=verdict.status,
                    query=canary.errors,
                    component=templates.component.render(labels),
                    headline=verdict.headline,
                    canary=verdict.facts,
                )
            )
    return readings
