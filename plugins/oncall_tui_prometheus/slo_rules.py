"""SLOs that Sloth or Pyrra already define in Prometheus, read from their recording
rules (`slo_rules = "sloth"` or `"pyrra"`) into the same SLO signals as a hand-written
`[[slos]]` table, without a query written by hand.

Sloth (its documented conventions): `slo:sli_error:ratio_rate<window>` (the error
ratio over 5m, 30m, 1h, 2h, 6h, 1d, 3d and the period), `slo:objective:ratio`,
`slo:time_period:days` and `slo:period_error_budget_remaining:ratio`, each labelled
`sloth_id`, `sloth_service`, `sloth_slo`. Its alerts use the workbook's pairs.

Pyrra: `<metric>:burnrate<window>` per objective (labelled `slo`; despite the name the
value is the error ratio over the window), `pyrra_objective` and `pyrra_window`
(seconds) from its generic rules, `pyrra_availability` where recorded. Its pairs are
the workbook's scaled to its window: for 28 days 1h & 5m at 14x, 6h & 30m at 7x
(critical), 1d & 2h at 2x, 4d & 6h at 1x (warning).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from oncall_tui.plugin import Reading, Status, parse_duration
from oncall_tui.plugin.judges import WORKBOOK, BurnWindow, SloVerdict, judge_slo

from .build import series_key
from .early import Fetch
from .parse import Series

MAX_SERIES = 2000
SLOTH_RATIOS = '{__name__=~"slo:sli_error:ratio_rate[0-9]+[smhdwy]"}'
PYRRA_RATIOS = '{__name__=~".+:burnrate[0-9]+[smhdwy]+", slo!=""}'
_SLOTH_NAME = re.compile(r"^slo:sli_error:ratio_rate(\d+[smhdwy])$")
_PYRRA_NAME = re.compile(r"^.+:burnrate(\d+[smhdwy]+)$")
_PYRRA_BASE = 28 * 86400.0
_PYRRA_PAIRS = (
    (3600.0, 300.0, 14.0, Status.CRITICAL),
    (6 * 3600.0, 1800.0, 7.0, Status.CRITICAL),
    (86400.0, 2 * 3600.0, 2.0, Status.WARNING),
    (4 * 86400.0, 6 * 3600.0, 1.0, Status.WARNING),
)
_SLOTH_LABELS = ("sloth_id", "sloth_service", "sloth_slo")


def _seconds(text: str) -> float | None:
    if text.endswith("w"):
        text = f"{int(text[:-1]) * 7}d"
    try:
        return parse_duration(text)
    except ValueError:
        return None


def _value(series: list[Series], **match: str) -> float | None:
    for item in series:
        if all(item.labels.get(k) == v for k, v in match.items()):
            return item.value
    return None


async def sloth_readings(fetch: Fetch, config_dir: Path) -> list[Reading]:
    ratios, objectives, days, remaining = await asyncio.gather(
        fetch(SLOTH_RATIOS, MAX_SERIES),
        fetch("slo:objective:ratio", MAX_SERIES),
        fetch("slo:time_period:days", MAX_SERIES),
        fetch("slo:period_error_budget_remaining:ratio", MAX_SERIES),
    )
    by_slo: dict[str, dict[float, float | None]] = {}
    for item in ratios:
        match = _SLOTH_NAME.match(item.labels.get("__name__", ""))
        window = _seconds(match.group(1)) if match else None
        slo_id = item.labels.get("sloth_id")
        if window is not None and slo_id is not None:
            by_slo.setdefault(slo_id, {})[window] = item.value
    readings = []
    for item in objectives:
        labels = {k: item.labels[k] for k in _SLOTH_LABELS if k in item.labels}
        slo_id = labels.get("sloth_id")
        if slo_id is None or item.value is None or not 0 < item.value < 1:
            continue
        period = (_value(days, sloth_id=slo_id) or 30.0) * 86400.0
        windows = by_slo.get(slo_id, {})
        paired = {w: r for w, r in windows.items() if any(w in (p.long, p.short) for p in WORKBOOK)}
        verdict = judge_slo(
            item.value,
            paired,
            windows.get(period),
            period=period,
            budget_left=_value(remaining, sloth_id=slo_id),
        )
        service = labels.get("sloth_service", slo_id)
        readings.append(
            _reading(
                series_key(0, labels, prefix="sloth"),
                f"{service} {labels.get('sloth_slo', '')}".strip(),
                service,
                labels,
                verdict,
                "slo:sli_error:ratio_rate*",
            )
        )
    return readings


async def pyrra_readings(fetch: Fetch, config_dir: Path) -> list[Reading]:
    ratios, objectives, periods, availability = await asyncio.gather(
        fetch(PYRRA_RATIOS, MAX_SERIES),
        fetch("pyrra_objective", MAX_SERIES),
        fetch("pyrra_window", MAX_SERIES),
        fetch("pyrra_availability", MAX_SERIES),
    )
    by_slo: dict[tuple[tuple[str, str], ...], dict[float, float | None]] = {}
    for item in ratios:
        match = _PYRRA_NAME.match(item.labels.get("__name__", ""))
        window = _seconds(match.group(1)) if match else None
        if window is None:
            continue
        key = tuple(sorted((k, v) for k, v in item.labels.items() if k != "__name__"))
        by_slo.setdefault(key, {})[window] = item.value
    readings = []
    for key, windows in sorted(by_slo.items()):
        labels = dict(key)
        name = labels["slo"]
        objective = _value(objectives, slo=name)
        if objective is None or not 0 < objective < 1:
            continue
        period = _value(periods, slo=name) or _PYRRA_BASE
        pairs = _pyrra_pairs(period, windows)
        available = _value(availability, slo=name)
        verdict = judge_slo(
            objective,
            windows,
            None if available is None else 1.0 - available,
            windows=pairs,
            period=period,
        )
        component = labels.get("service", name)
        readings.append(
            _reading(
                series_key(0, labels, prefix="pyrra"),
                name,
                component,
                labels,
                verdict,
                PYRRA_RATIOS,
            )
        )
    return readings


def _pyrra_pairs(period: float, windows: dict[float, float | None]) -> tuple[BurnWindow, ...]:
    """Pyrra's pairs scaled to its window, each matched to the nearest window it
    recorded (it rounds them)."""
    scale = period / _PYRRA_BASE

    def nearest(wanted: float) -> float:
        return min(windows, key=lambda have: abs(have - wanted)) if windows else wanted

    return tuple(
        BurnWindow(nearest(long * scale), nearest(short * scale), burn, status)
        for long, short, burn, status in _PYRRA_PAIRS
    )


def _reading(
    key: str,
    name: str,
    component: str,
    labels: dict[str, str],
    verdict: SloVerdict,
    query: str,
) -> Reading:
    return Reading(
        key=key,
        kind="health",
        name=name,
        value=verdict.value,
        unit="burn_rate",
        labels=labels,
        summary=verdict.summary,
        status=verdict.status,
        query=query,
        component=component,
        headline=verdict.headline,
        slo=verdict.facts,
    )
