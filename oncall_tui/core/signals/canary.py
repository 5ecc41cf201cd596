"""Canary verdicts: is a release's cohort failing more than the baseline cohort?

The judge is a one-sided Fisher's exact test on the 2x2 table of (errors, successes)
by (canary, baseline), conditioned on the total errors: the probability, were both
cohorts failing alike, that the canary would draw at least the errors it drew.
Why this test rather than a z-test on two proportions: a canary starts small, and at
a few dozen requests, or with no baseline errors at all, the normal approximation is
wrong exactly where it matters (its variance is zero when a cohort has no errors, so
one failed request reads as infinitely significant). The exact test needs no such
assumption and is cheap here: the tail is summed from the observed count outwards and
stops once the terms no longer count.

Significance alone is not enough: at millions of requests 0.10% against 0.12% is
significant and not worth holding a rollout for, so a canary is critical only when it
is also worse by at least `margin` (error-ratio points; touching it counts, as with
every limit here). Too little traffic in either cohort (under `min_requests`) is
unknown, "not enough traffic yet": never critical on a handful of requests.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from oncall_tui.core.signals.facts import CanaryFacts
from oncall_tui.core.signals.model import Status

_TAIL_EPSILON = 1e-16
"""A tail term this small against the running sum no longer changes the answer."""
_MARGIN_SLACK = 1e-12
"""Float noise: 0.03 - 0.02 is 0.009999999999999998, and it is at the margin."""


@dataclass(frozen=True, slots=True)
class Cohort:
    name: str
    errors: float
    total: float


@dataclass(frozen=True, slots=True)
class CanaryVerdict:
    status: Status
    value: float | None
    """The cohort's error ratio."""
    summary: str
    facts: CanaryFacts
    headline: str
    """The most telling words, for the cause line: "canary 2.4.0 fails 30%"."""
    p_value: float | None = None


def fisher_greater(a: int, b: int, c: int, d: int) -> float:
    """One-sided Fisher's exact p-value that the first row's share of the first column
    is greater: table [[a, b], [c, d]] = [[canary errors, canary ok], [baseline
    errors, baseline ok]]. 1.0 for an empty table."""
    if min(a, b, c, d) < 0:
        raise ValueError("counts must not be negative")
    row, other, errors = a + b, c + d, a + c
    total = row + other
    if total == 0 or errors == 0 or row == 0 or other == 0:
        return 1.0
    high = min(row, errors)
    low = max(0, errors - other)
    if a <= low:
        return 1.0
    # The hypergeometric pmf in logs: exact for millions of requests without overflow.
    base = _log_choose(row, 0) - _log_choose(total, errors)

    def log_pmf(k: int) -> float:
        return base + _log_choose(row, k) + _log_choose(other, errors - k)

    mean = row * errors / total
    if a <= mean:
        # At or below what equal ratios would give: the upper tail is about half or
        # more; summed from the top all the same (it is short) for the exact figure.
        lower = sum(math.exp(log_pmf(k)) for k in range(low, a))
        return min(1.0, max(0.0, 1.0 - lower))
    # Past the mode the terms only fall: sum outwards until they stop counting.
    tail = 0.0
    for k in range(a, high + 1):
        term = math.exp(log_pmf(k))
        tail += term
        if term < tail * _TAIL_EPSILON:
            break
    return min(1.0, tail)


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def pick_baseline(cohorts: Mapping[str, Cohort], named: str = "") -> str | None:
    """The cohort others are judged against: the one named, else the one with most
    traffic (ties: the first by name, so the choice does not flap)."""
    if named:
        return named if named in cohorts else None
    if not cohorts:
        return None
    return min(cohorts.values(), key=lambda c: (-c.total, c.name)).name


def judge_canary(
    cohort: Cohort,
    baseline: Cohort | None,
    *,
    group_total: float,
    margin: float,
    min_requests: float,
    confidence: float,
    baseline_name: str = "",
) -> CanaryVerdict:
    """One cohort against the baseline cohort."""
    ratio = cohort.errors / cohort.total if cohort.total > 0 else None
    base_ratio = (
        baseline.errors / baseline.total if baseline is not None and baseline.total > 0 else None
    )
    share = cohort.total / group_total if group_total > 0 else None
    base_name = baseline.name if baseline is not None else baseline_name or "the baseline"
    facts = CanaryFacts(cohort.name, base_name, ratio, base_ratio, cohort.total, share)
    of_traffic = f"{share:.0%} of traffic" if share is not None else "no traffic"
    if baseline is None:
        return CanaryVerdict(
            Status.UNKNOWN, ratio, f"no baseline cohort {base_name} to compare with", facts, ""
        )
    floor = max(min_requests, 1.0)  # no traffic at all is never judged
    if cohort.total < floor or baseline.total < floor:
        short = cohort if cohort.total < floor else baseline
        return CanaryVerdict(
            Status.UNKNOWN,
            ratio,
            f"not enough traffic yet: {short.name} {short.total:.0f} of {floor:g} requests needed",
            facts,
            "",
        )
    assert ratio is not None and base_ratio is not None  # both have traffic
    a = round(min(cohort.errors, cohort.total))
    c = round(min(baseline.errors, baseline.total))
    p_value = fisher_greater(a, round(cohort.total) - a, c, round(baseline.total) - c)
    worse_by_margin = ratio - base_ratio >= margin - _MARGIN_SLACK
    significant = p_value <= 1.0 - confidence
    said = f"{_pct(ratio)} vs {_pct(base_ratio)} on {base_name} ({of_traffic})"
    if worse_by_margin and significant:
        headline = f"canary {cohort.name} fails {_pct(ratio)}"
        summary = f"{cohort.name} fails {said} — hold the rollout"
        return CanaryVerdict(Status.CRITICAL, ratio, summary, facts, headline, p_value)
    if worse_by_margin:
        summary = f"{cohort.name} {said}: worse, not yet significantly"
    elif significant:
        summary = f"{cohort.name} {said}: worse by less than the {margin:.1%} margin"
    else:
        summary = f"{cohort.name} no worse than {base_name}: {_pct(ratio)} vs {_pct(base_ratio)}"
        summary += f" ({of_traffic})"
    return CanaryVerdict(Status.OK, ratio, summary, facts, "", p_value)


def _pct(ratio: float) -> str:
    """30%, 2.5%, 0.0%: one decimal below 10%, so a small baseline is not read as 0."""
    percent = ratio * 100
    return f"{percent:.0f}%" if percent >= 10 else f"{percent:.1f}%"


def canary_rows(facts: CanaryFacts) -> list[tuple[str, str]]:
    """The detail's rows of a canary signal: the cohort against its baseline."""
    ratio = "—" if facts.error_ratio is None else _pct(facts.error_ratio)
    base = "—" if facts.baseline_error_ratio is None else _pct(facts.baseline_error_ratio)
    share = "" if facts.share is None else f", {facts.share:.0%} of traffic"
    return [
        ("cohort", f"{facts.cohort}: {ratio} errors of {facts.requests:.0f} requests{share}"),
        ("against", f"{facts.baseline}: {base} errors"),
    ]
