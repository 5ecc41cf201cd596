"""What an SLO or a canary signal knows beyond its value, as plain data: carried by
readings and signals (`signals/model.py`), recorded, and given to `check` JSON. The
judges that produce them are `signals/slo.py` and `signals/canary.py`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SloFacts:
    """What an SLO signal knows beyond its value: `check`'s `slo` object."""

    objective: float
    burn: Mapping[str, float | None]
    """Burn rate per window, keyed by the window as written ("1h", "5m"); None where
    the window had no traffic."""
    budget_left: float | None
    """Share of the period's error budget left: 1 untouched, below 0 overspent."""
    exhausted_in_s: float | None
    """Seconds until the budget is gone at the current burn; 0 when it already is;
    None when nothing is burning."""
    period: float = 30 * 86400.0

    def to_json(self) -> dict[str, object]:
        return {
            "objective": self.objective,
            "burn": dict(self.burn),
            "budget_left": self.budget_left,
            "exhausted_in_s": self.exhausted_in_s,
        }


@dataclass(frozen=True, slots=True)
class CanaryFacts:
    """What a canary signal knows beyond its value: `check`'s `canary` object."""

    cohort: str
    baseline: str
    error_ratio: float | None
    baseline_error_ratio: float | None
    requests: float
    """Requests of the cohort in the window."""
    share: float | None
    """The cohort's share of all the group's requests in the window."""

    def to_json(self) -> dict[str, object]:
        return {
            "cohort": self.cohort,
            "baseline": self.baseline,
            "error_ratio": self.error_ratio,
            "baseline_error_ratio": self.baseline_error_ratio,
            "requests": self.requests,
            "share": self.share,
        }
