"""The early-warning judges (core/signals/slo.py, core/signals/canary.py) at their
edges: the workbook's pairs (long *and* short window), the budget and its end, and the
canary's Fisher test exactly at the margin, with no baseline errors, with no traffic
and with a handful of requests."""

from __future__ import annotations

import pytest

from frozen_heap import cpu_seconds
from oncall_tui.core.signals.canary import Cohort, fisher_greater, judge_canary, pick_baseline
from oncall_tui.core.signals.model import Status
from oncall_tui.core.signals.slo import WORKBOOK, judge_slo, span_words, window_text

EVERY_WINDOW = sorted({w for pair in WORKBOOK for w in (pair.long, pair.short)})


def ratios(ratio: float, **overrides: float | None) -> dict[float, float | None]:
    found: dict[float, float | None] = dict.fromkeys(EVERY_WINDOW, ratio)
    for text, value in overrides.items():
        found[next(w for w in EVERY_WINDOW if window_text(w) == text.lstrip("_"))] = value
    return found


def test_fast_burn_is_critical_and_says_so_in_words() -> None:
    verdict = judge_slo(0.999, ratios(0.02), 0.00038)
    assert verdict.status is Status.CRITICAL
    assert verdict.value == pytest.approx(20)
    assert verdict.summary == "burning 20x budget (1h) · 62% left of 30d · gone in 22h"
    assert verdict.facts.burn["1h"] == pytest.approx(20)
    assert verdict.facts.budget_left == pytest.approx(0.62)
    assert verdict.facts.exhausted_in_s == pytest.approx(0.62 * 30 * 86400 / 20)
    assert verdict.headline == "burning 20x budget"


def test_slow_burn_is_a_warning_never_critical() -> None:
    verdict = judge_slo(0.999, ratios(0.004), 0.001)
    assert verdict.status is Status.WARNING
    assert verdict.summary.startswith("burning 4x budget (1d)")


def test_a_pair_fires_only_when_its_short_window_burns_too() -> None:
    # An hour of 2% errors that stopped five minutes ago: the long window still burns,
    # the short one not; only the slower pairs (over their own rates) may still fire.
    assert judge_slo(0.999, ratios(0.02, _5m=0.0, _30m=0.0), 0.0).status is Status.WARNING
    assert judge_slo(0.999, ratios(0.02, _5m=0.0, _30m=0.0, _2h=0.0, _6h=0.0), 0.0).status is (
        Status.OK
    )


def test_burn_exactly_at_a_pair_rate_fires() -> None:
    assert judge_slo(0.99, ratios(0.144), 0.0).status is Status.CRITICAL
    assert judge_slo(0.99, ratios(0.1439), 0.0).status is Status.CRITICAL  # 6x pair
    assert judge_slo(0.99, ratios(0.0599), 0.0).status is Status.WARNING


def test_healthy_keeps_its_budget_and_no_traffic_is_unknown() -> None:
    verdict = judge_slo(0.999, ratios(0.0002), 0.0002)
    assert verdict.status is Status.OK
    assert verdict.facts.budget_left == pytest.approx(0.8)
    assert "80% left of 30d" in verdict.summary
    assert "gone in" not in verdict.summary  # 120 days: not within the period
    silent = judge_slo(0.999, dict.fromkeys(EVERY_WINDOW), None)
    assert silent.status is Status.UNKNOWN and silent.value is None
    assert silent.facts.exhausted_in_s is None


def test_an_overspent_budget_is_gone() -> None:
    verdict = judge_slo(0.999, ratios(0.02), 0.01)
    assert verdict.facts.budget_left == pytest.approx(-9)
    assert verdict.facts.exhausted_in_s == 0
    assert "budget gone" in verdict.summary


def test_words() -> None:
    assert [window_text(s) for s in (300, 3600, 86400, 259200, 20, 90)] == [
        "5m", "1h", "1d", "3d", "20s", "90s",
    ]  # fmt: skip
    assert span_words(1.5 * 86400) == "1d 12h"
    assert span_words(45) == "45s"


# -- canaries ----------------------------------------------------------------------------


def judge(canary: Cohort, baseline: Cohort, margin: float = 0.01, min_requests: float = 100):  # type: ignore[no-untyped-def]
    return judge_canary(
        canary,
        baseline,
        group_total=canary.total + baseline.total,
        margin=margin,
        min_requests=min_requests,
        confidence=0.99,
    )


def test_a_bad_canary_is_critical_with_its_numbers() -> None:
    verdict = judge(Cohort("2.4.0", 30, 100), Cohort("2.3.1", 0, 900))
    assert verdict.status is Status.CRITICAL
    assert verdict.summary == (
        "2.4.0 fails 30% vs 0.0% on 2.3.1 (10% of traffic) — hold the rollout"
    )
    assert verdict.facts.share == pytest.approx(0.1)
    assert verdict.headline == "canary 2.4.0 fails 30%"


def test_zero_baseline_errors_needs_more_than_one_failure() -> None:
    # No baseline errors: a z-test's variance is 0 there and one error reads as
    # certain; Fisher's exact test asks for real evidence.
    assert judge(Cohort("c", 1, 100), Cohort("b", 0, 900)).status is Status.OK
    assert judge(Cohort("c", 5, 100), Cohort("b", 0, 900)).status is Status.CRITICAL


def test_exactly_at_the_margin_counts_when_significant() -> None:
    # 3% against 2% with a margin of one point: worse by exactly the margin.
    at_margin = judge(Cohort("c", 300, 10_000), Cohort("b", 2_000, 100_000))
    assert at_margin.status is Status.CRITICAL
    just_under = judge(Cohort("c", 299, 10_000), Cohort("b", 2_000, 100_000))
    assert just_under.status is Status.OK and "no worse" not in just_under.summary
    # Significant but under the margin: not worth holding a rollout.
    tiny = judge(Cohort("c", 1_200, 1_000_000), Cohort("b", 10_000, 10_000_000))
    assert tiny.p_value is not None and tiny.p_value < 0.01
    assert tiny.status is Status.OK


def test_zero_traffic_and_a_handful_are_never_critical() -> None:
    empty = judge(Cohort("c", 0, 0), Cohort("b", 0, 900))
    assert empty.status is Status.UNKNOWN and empty.summary.startswith("not enough traffic yet")
    assert empty.facts.error_ratio is None
    few = judge(Cohort("c", 3, 4), Cohort("b", 1, 900))
    assert few.status is Status.UNKNOWN
    # Without a floor, the test itself keeps a handful from tripping it.
    assert judge(Cohort("c", 1, 2), Cohort("b", 0, 50), min_requests=0).status is Status.OK
    assert judge(Cohort("c", 0, 0), Cohort("b", 0, 0), min_requests=0).status is Status.UNKNOWN


def test_same_ratio_is_no_worse() -> None:
    verdict = judge(Cohort("2.4.0", 10, 1_000), Cohort("2.3.1", 90, 9_000))
    assert verdict.status is Status.OK
    assert verdict.summary.startswith("2.4.0 no worse than 2.3.1: 1.0% vs 1.0%")


TAIL_CPU_BOUND = 0.05
"""CPU seconds for a p-value over ten million requests: the tail stops once its terms no
longer count (measured 0.7 ms). Summed to the end (`_TAIL_EPSILON` = 0) it took 0.26 s,
5x the bound; a wall-clock 0.5 s let that pass."""


def test_fisher_matches_the_textbook_and_is_bounded_at_millions() -> None:
    assert fisher_greater(3, 0, 0, 3) == pytest.approx(0.05)  # 1 / C(6, 3)
    assert fisher_greater(0, 10, 0, 10) == 1.0
    assert fisher_greater(0, 0, 0, 0) == 1.0
    p, cpu = cpu_seconds(lambda: fisher_greater(31_000, 969_000, 300_000, 9_700_000))
    assert p < 1e-6
    assert cpu < TAIL_CPU_BOUND, f"{cpu:.3f} s of CPU: the whole tail was summed"
    with pytest.raises(ValueError):
        fisher_greater(-1, 0, 0, 0)


def test_baseline_is_the_most_traffic_unless_named() -> None:
    cohorts = {"a": Cohort("a", 0, 10), "b": Cohort("b", 0, 90)}
    assert pick_baseline(cohorts) == "b"
    assert pick_baseline(cohorts, "a") == "a"
    assert pick_baseline(cohorts, "zzz") is None
