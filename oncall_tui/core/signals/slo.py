"""Service level objectives judged by multiwindow, multi-burn-rate (the SRE workbook).

A plain error-ratio threshold either pages for a blip or sleeps through a slow leak.
The burn rate asks instead how fast the error budget is being spent: error ratio /
(1 - objective), so 1x spends exactly the budget over the period and 14.4x spends 2%
of a 30-day budget in an hour. Each pair of windows fires only when its long window
(enough evidence) *and* its short one (still happening now) burn at or over its rate:
the long window alone would keep paging an hour after a fix.

Pure arithmetic on numbers a source has read (Prometheus queries, Sloth or Pyrra
recording rules): no I/O, so `check`, the dashboard and the tests judge alike.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass

from oncall_tui.core.signals.facts import SloFacts
from oncall_tui.core.signals.model import Status

BUDGET_SPACING = 60.0
"""Most seconds between the budget samples a board keeps of an SLO (the newest is
always current): a budget over days moves slowly, so a ring of the value history's
size reaches back six hours instead of minutes, and a backfill asks for points this
far apart. A short period's budget moves faster: see `budget_spacing`."""


def budget_spacing(period: float) -> float:
    """Seconds between kept budget samples of an SLO over `period`: a thousandth of the
    period, at most BUDGET_SPACING (a minute for any period of a day or more)."""
    return max(0.0, min(BUDGET_SPACING, period / 1000))


PERCENT_LEFT_FLOOR = -9.99
"""An overspent budget is said as "overspent" below this (-999%), not as a long number."""


@dataclass(frozen=True, slots=True)
class BurnWindow:
    """One pair: fires when both windows burn at or over `burn`."""

    long: float
    """Seconds of the long window."""
    short: float
    """Seconds of the short window."""
    burn: float
    status: Status


WORKBOOK: tuple[BurnWindow, ...] = (
    BurnWindow(3600.0, 300.0, 14.4, Status.CRITICAL),
    BurnWindow(6 * 3600.0, 1800.0, 6.0, Status.CRITICAL),
    BurnWindow(86400.0, 2 * 3600.0, 3.0, Status.WARNING),
    BurnWindow(3 * 86400.0, 6 * 3600.0, 1.0, Status.WARNING),
)
"""The workbook's pairs for a 30-day budget: page at 2% of the budget in an hour or 5%
in six hours, ticket at 10% in a day or 10% in three days."""


@dataclass(frozen=True, slots=True)
class SloVerdict:
    status: Status
    value: float | None
    """The burn rate of the fastest pair's long window: what the row shows."""
    summary: str
    facts: SloFacts
    headline: str
    """The most telling words, for the cause line: "burning 20x budget"."""


@functools.lru_cache(maxsize=256)
def window_text(seconds: float) -> str:
    """A window as PromQL and people write it: 5m, 1h, 3d, 20s (the largest unit that
    divides it; PromQL takes each of these). Remembered: a board judges the same few
    windows for every SLO at every collection."""
    whole = round(seconds)
    if whole <= 0:
        return f"{max(1, round(seconds * 1000))}ms"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if whole % size == 0:
            return f"{whole // size}{unit}"
    return f"{whole}s"


@functools.lru_cache(maxsize=64)
def _window_texts(windows: tuple[float, ...]) -> tuple[tuple[float, str], ...]:
    """`windows` in order, each with its `window_text`: an SLO's windows are the same at
    every judgement."""
    return tuple((window, window_text(window)) for window in sorted(windows))


def span_words(seconds: float) -> str:
    """How long, in at most two units: "1d 12h", "5h 3m", "12m", "45s"."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f}s"
    units = (("d", 86400), ("h", 3600), ("m", 60))
    for index, (name, size) in enumerate(units):
        if seconds >= size:
            big, rest = divmod(int(seconds), size)
            if index + 1 < len(units):
                small_name, small_size = units[index + 1]
                small = rest // small_size
                if small and big < 10:
                    return f"{big}{name} {small}{small_name}"
            return f"{big}{name}"
    return f"{seconds:.0f}s"  # pragma: no cover - the loop always returns


def burn_text(burn: float) -> str:
    """20x, 3.2x, 0.41x: enough digits to compare with a pair's rate. From 1000x on
    the budget of any period is gone within a day and the digits say nothing more:
    ">999x" (a hostile 1e300 would otherwise be 300 digits; JSON keeps the number)."""
    if burn >= 1000:
        return ">999x"
    if burn >= 10:
        return f"{burn:.0f}x"
    if burn >= 1:
        return f"{burn:.1f}x".replace(".0x", "x")
    return f"{burn:.2g}x"


def budget_left_of(objective: float, period_ratio: float) -> float:
    """The share of the period's error budget left when `period_ratio` of its events
    failed: 1 untouched, 0 gone, below 0 overspent."""
    return 1.0 - max(0.0, period_ratio) / (1.0 - objective)


def judge_slo(
    objective: float,
    error_ratios: Mapping[float, float | None],
    period_ratio: float | None,
    *,
    windows: tuple[BurnWindow, ...] = WORKBOOK,
    period: float = 30 * 86400.0,
    budget_left: float | None = None,
) -> SloVerdict:
    """Judge one SLO from its error ratio per window (seconds -> ratio; None: no
    traffic in it) and over the whole period.

    `budget_left` may be given as read (Sloth's remaining-budget rule); otherwise it is
    1 - period error ratio / budget.
    """
    budget = 1.0 - objective
    # Plain loops rather than comprehensions over the windows: a board judges every
    # SLO at every collection, thousands a second on a big platform.
    burns: dict[float, float | None] = {}
    seen = False
    for window, ratio in error_ratios.items():
        if ratio is None or not math.isfinite(ratio):
            burns[window] = None
        else:
            burns[window] = (ratio if ratio > 0.0 else 0.0) / budget
            seen = True
    status = Status.OK
    firing: BurnWindow | None = None
    fastest: BurnWindow | None = None
    for pair in windows:
        if fastest is None or pair.long < fastest.long:
            fastest = pair
        long, short = burns.get(pair.long), burns.get(pair.short)
        if long is None or short is None:
            continue
        if long >= pair.burn and short >= pair.burn and pair.status.severity > status.severity:
            status, firing = pair.status, pair
    value = burns.get(fastest.long) if fastest is not None else None
    if budget_left is None and period_ratio is not None and math.isfinite(period_ratio):
        budget_left = budget_left_of(objective, period_ratio)
    exhausted: float | None = None
    if value is not None and value > 0 and budget_left is not None:
        exhausted = 0.0 if budget_left <= 0 else budget_left * period / value
    facts = SloFacts(
        objective=objective,
        burn={text: burns[w] for w, text in _window_texts(tuple(burns))},
        budget_left=budget_left,
        exhausted_in_s=exhausted,
        period=period,
    )
    if not seen:
        return SloVerdict(
            Status.UNKNOWN, None, "no traffic in any window: nothing to judge", facts, ""
        )
    shown = firing or fastest
    shown_burn = burns.get(shown.long) if shown is not None else None
    parts: list[str] = []
    headline = ""
    if shown is not None and shown_burn is not None:
        headline = f"burning {burn_text(shown_burn)} budget"
        parts.append(f"{headline} ({window_text(shown.long)})")
    if budget_left is not None:
        if budget_left < PERCENT_LEFT_FLOOR:
            parts.append(f"budget of {window_text(period)} overspent")
        else:
            parts.append(f"{budget_words(budget_left)} of {window_text(period)}")
    if exhausted is not None:
        if exhausted <= 0:
            parts.append("budget gone")
        elif exhausted < period:
            parts.append(f"gone in {span_words(exhausted)}")
    return SloVerdict(status, value, " · ".join(parts), facts, headline)


def budget_words(budget_left: float) -> str:
    """ "62% left", "40% over budget", "budget overspent" (past -999%: the digits say
    nothing more)."""
    if budget_left < PERCENT_LEFT_FLOOR:
        return "budget overspent"
    if budget_left < 0:
        return f"{-budget_left:.0%} over budget"
    return f"{budget_left:.0%} left"


def slo_rows(facts: SloFacts) -> list[tuple[str, str]]:
    """The detail's rows of an SLO signal: its objective, the burn per window, its
    budget."""
    burns = " · ".join(
        f"{window} {'—' if burn is None else burn_text(burn)}"
        for window, burn in facts.burn.items()
    )
    objective = f"{facts.objective:.2%}".replace(".00%", "%")
    rows = [
        ("objective", f"{objective} over {window_text(facts.period)}"),
        ("burn", burns or "—"),
    ]
    if facts.budget_left is not None:
        budget = budget_words(facts.budget_left)
        gone = facts.exhausted_in_s
        if gone is not None:
            budget += " · gone" if gone <= 0 else f" · gone in {span_words(gone)}"
        rows.append(("budget", budget))
    return rows
