"""Helpers for plugins that judge early warnings the way the first-party sources do:
SLO burn rates over the workbook's window pairs and canary cohorts against their
baseline. The verdicts become readings whose words match every other source's."""

from __future__ import annotations

from oncall_tui.core.signals.canary import Cohort, judge_canary, pick_baseline
from oncall_tui.core.signals.slo import (
    WORKBOOK,
    BurnWindow,
    SloVerdict,
    budget_left_of,
    budget_spacing,
    judge_slo,
    window_text,
)

__all__ = [
    "WORKBOOK",
    "BurnWindow",
    "Cohort",
    "SloVerdict",
    "budget_left_of",
    "budget_spacing",
    "judge_canary",
    "judge_slo",
    "pick_baseline",
    "window_text",
]
