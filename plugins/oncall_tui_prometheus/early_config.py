"""Options of the early-warning tables of a prometheus source: `[[sources.<name>.slos]]`
and `[[sources.<name>.canaries]]` (DESIGN.md, "Early-warning contract")."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from oncall_tui.plugin import Duration, Status, Template
from oncall_tui.plugin.judges import WORKBOOK, BurnWindow

WINDOW = "{window}"


class Window(BaseModel):
    """One multiwindow pair: fires when the long and the short window both burn at or
    over `burn`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    long: Duration = Field(gt=0)
    """The long window ("1h"): enough evidence that the budget is really going."""
    short: Duration = Field(gt=0)
    """The short window ("5m"): it is still happening now, so a fixed problem stops
    firing within minutes rather than an hour."""
    burn: float = Field(gt=0, allow_inf_nan=False)
    """Burn rate (error ratio / (1 - objective)) at which the pair fires: 14.4 spends
    2% of a 30-day budget in an hour."""
    status: Literal["warning", "critical"] = "critical"
    """What the signal is when this pair fires."""

    @model_validator(mode="after")
    def _short_is_shorter(self) -> Self:
        if self.short > self.long:
            raise ValueError("short must not be longer than long")
        return self

    def burn_window(self) -> BurnWindow:
        return BurnWindow(self.long, self.short, self.burn, Status(self.status))


def _workbook() -> list[Window]:
    pairs = [
        {"long": f"{w.long:g}s", "short": f"{w.short:g}s", "burn": w.burn, "status": w.status}
        for w in WORKBOOK
    ]
    return [Window.model_validate(pair) for pair in pairs]


class _Templated(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Template = Field(min_length=1)
    """Signal name, filled from the series' labels: "{service} availability"."""

    component: Template = ""
    """What the signal is about, filled from labels ("{service}"): a failing SLO or
    canary is a probable-cause candidate of this component. Empty: its name."""

    kind: Literal["health", "business", "dependency", "risk_rule"] = "health"
    """Panel the signals go to; health (our services) by default."""

    runbook: Template = ""
    """Runbook for these signals, filled from labels (as for queries)."""

    errors: str = Field(min_length=1)
    """PromQL for the failed events over `{window}`; its series are matched to the
    total's by their labels. A series of `total` with no errors series has 0 errors."""

    total: str = Field(min_length=1)
    """PromQL for all events over `{window}`, by the same labels as errors."""

    max_series: int = Field(default=200, ge=1, le=10_000)
    """Most series kept from each query (the rest dropped in label order)."""

    @field_validator("errors", "total")
    @classmethod
    def _window_in_query(cls, query: str) -> str:
        # A field check, not a model one: said beside the table's other mistakes.
        if WINDOW not in query:
            raise ValueError(
                f"must contain {WINDOW} (replaced by each window, e.g. "
                "rate(http_requests_total[{window}]))"
            )
        return query


class Slo(_Templated):
    """A service level objective over good and all events, judged by burn rate."""

    objective: float = Field(gt=0, lt=1, allow_inf_nan=False)
    """Share of events that must be good over the period: 0.999 for 99.9%."""

    period: Duration = Field(default=30 * 86400.0, gt=0)
    """The error budget's period ("30d"): the budget left is counted over it."""

    windows: list[Window] = Field(default_factory=_workbook, min_length=1, max_length=8)
    """The multiwindow pairs; default the SRE workbook's: 1h & 5m at 14.4x and 6h & 30m
    at 6x critical, 1d & 2h at 3x and 3d & 6h at 1x warning."""


class Canary(_Templated):
    """A grey release: each cohort of a release label against the baseline cohort."""

    cohort: str = Field(min_length=1, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """The label telling the release's cohorts apart: "version", "track"."""

    baseline: str = ""
    """The cohort the others are judged against; "" = the one with most traffic."""

    window: Duration = Field(default=600.0, gt=0)
    """The window the counts are taken over ("10m"); use increase() in the queries."""

    margin: float = Field(default=0.01, ge=0, le=1, allow_inf_nan=False)
    """How many error-ratio points worse a cohort must be (0.01: one point) before it
    can be critical; reaching it counts."""

    min_requests: float = Field(default=100, ge=0, allow_inf_nan=False)
    """Fewer requests than this in the window (in the cohort or the baseline): unknown,
    "not enough traffic yet", never critical."""

    confidence: float = Field(default=0.99, gt=0, lt=1, allow_inf_nan=False)
    """Confidence of the one-sided Fisher's exact test on the counts that the cohort
    fails more than the baseline (0.99: a 1% chance of a false alarm)."""
