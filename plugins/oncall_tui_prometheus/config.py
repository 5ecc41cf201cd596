"""Options of a `plugin = "prometheus"` source.

The core keys (`plugin`, `interval`, `timeout`, `max_age`) are stripped by the config
loader before this model sees the table, so they are not declared here.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal, Self

from pydantic import ConfigDict, Field, model_validator

from oncall_tui.plugin import Duration, Template, ThresholdOptions, Thresholds, Unit
from oncall_tui.plugin.http import BaseURL, HTTPOptions

from .early_config import Canary, Slo

_JUDGING = (
    "warning", "critical", "below", "for_", "recover_for", "baseline", "warning_ratio",
    "critical_ratio", "no_data",
)  # fmt: skip
"""Options that judge a value: meaningless on a change marker, whose value is a time."""


class Query(ThresholdOptions):
    """One PromQL query; every series it returns becomes one signal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["business", "health", "risk_rule", "dependency", "change"]
    """Panel the signals go to: business (user-facing indicators: the impact), health
    (our services), risk_rule (rule hit rates), dependency (payment gateway, credit
    bureau, SMS provider, bank core), or change: a change marker whose value is the unix
    time of the last deploy, rule edit or reload (e.g. deploy_timestamp_seconds); each
    new value is an event on the timeline, never a status, so a change query takes no
    thresholds, baseline or no_data."""

    name: Template = Field(min_length=1)
    """Signal name, filled from the series' labels: "{product}/{rule}". A label the
    series lacks shows as "?"."""

    component: Template = ""
    """What the signal is about, filled from labels: "{service}", "credit-bureau". The
    probable-cause logic groups signals by it and [topology] names it; a change
    marker's component ties the deploy to what it changed. Empty: the signal's name."""

    query: str = Field(min_length=1)
    """PromQL instant query. It should return an instant vector (one signal per series)
    or a scalar (one signal); wrap range selectors in a function such as rate()."""

    unit: Unit = "count"
    """How values are shown: ratio, percent, seconds, per_second, count, bool, bytes or
    burn_rate (an error budget's burn rate, shown as "20x")."""

    runbook: Template = ""
    """Runbook for these signals, filled from labels: a URL such as
    "https://runbooks.example.com/risk/{rule}", or a path relative to the config file
    such as "runbooks/{service}.md". In a URL label values are percent-encoded, so a
    label cannot change the link's host or path; in a path "/" and "\\" in a value
    become "_" and a value of "." or ".." becomes underscores, so a label cannot leave
    the runbook folder."""

    summary: Template = ""
    """One line shown next to each signal, filled from labels: "{service} on {instance}"."""

    max_series: int = Field(default=500, ge=1, le=10_000)
    """Most series kept from one query result; the rest are dropped (in label order, so
    the same ones every time) and the kept signals say so. Protects the board from a
    query that accidentally returns thousands of series. Applied while the response is
    read, off the screen's event loop; it also bounds the baseline and the backfill. At
    most 10000, the most signals the board keeps of one source."""

    baseline: str = ""
    """A second PromQL query giving each series' usual value, e.g. the same expression
    with `offset 1w`; its series are matched to the query's by their labels (the metric
    name aside). Shown next to the value and judged by warning_ratio/critical_ratio. A
    series without a baseline series (or with a baseline of 0) is judged by the
    absolute limits alone; a scalar baseline applies to every series."""

    warning_ratio: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """Value / baseline at which a signal turns warning, e.g. 2 (twice its usual hit
    rate); with below = true, at or below it (0.5: half its usual). Needs baseline.
    The status is the worse of this and the absolute warning/critical."""

    critical_ratio: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """Value / baseline at which a signal turns critical, e.g. 5: a rule refusing five
    times its usual share is critical whatever its absolute level. Needs baseline."""

    no_data: Literal["ok", "unknown"] = "unknown"
    """What an empty result means. "unknown" (default): one signal, unknown (no data),
    so a query that stopped matching is seen, not silently gone. "ok": the query is
    alert-style (it returns series only when something is wrong, e.g. `errors > 10`),
    so nothing back is good news: one ok signal saying "no series". That signal is
    named from `name` with its {labels} left out."""

    @model_validator(mode="after")
    def _check_kind_options(self) -> Self:
        if self.kind == "change":
            # A change marker's value is a time: a limit, a ratio or a baseline on it
            # would judge a date.
            judging = [name for name in _JUDGING if name in self.model_fields_set]
            if judging:
                names = ", ".join("for" if name == "for_" else name for name in judging)
                raise ValueError(
                    f'a kind = "change" query takes no {names}: its value is the time of '
                    "the last change, an event on the timeline, never a status"
                )
        ratios = [n for n in ("warning_ratio", "critical_ratio") if getattr(self, n) is not None]
        if ratios and not self.baseline.strip():
            raise ValueError(f"{' and '.join(ratios)} needs a baseline query to compare with")
        low, high = self.warning_ratio, self.critical_ratio
        if low is not None and high is not None:
            if not self.below and low > high:
                raise ValueError(
                    f"warning_ratio ({low:g}) must not be above critical_ratio ({high:g}) "
                    "when high values are bad"
                )
            if self.below and low < high:
                raise ValueError(
                    f"warning_ratio ({low:g}) must not be below critical_ratio ({high:g}) "
                    "when below = true"
                )
        return self

    def thresholds(self) -> Thresholds:
        # The shared options' thresholds, plus the ratio limits only a query has.
        return replace(
            super().thresholds(),
            warning_ratio=self.warning_ratio,
            critical_ratio=self.critical_ratio,
        )


class PrometheusConfig(HTTPOptions):
    """Signals from PromQL queries against any Prometheus-API server (Prometheus,
    Thanos, Mimir, VictoriaMetrics)."""

    url: BaseURL
    """Base URL of the server, e.g. "http://127.0.0.1:9090" or
    "https://mimir.example.com/prometheus"; /api/v1/query is appended. A password in it
    (user:password@) must be percent-encoded if it contains '/', '?', '#' or '@';
    basic_auth is clearer."""

    queries: list[Query] = Field(default_factory=list)
    """The queries, in [[sources.<name>.queries]] tables."""

    slos: list[Slo] = Field(default_factory=list)
    """Service level objectives judged by burn rate, in [[sources.<name>.slos]] tables:
    one signal per series, critical or warning by the multiwindow pairs, with the
    budget left over the period and when it runs out."""

    canaries: list[Canary] = Field(default_factory=list)
    """Grey releases, in [[sources.<name>.canaries]] tables: one signal per cohort
    other than the baseline, critical only when worse by margin and significantly so."""

    slo_rules: Literal["", "sloth", "pyrra"] = ""
    """Read the SLOs that Sloth ("sloth": slo:sli_error:ratio_rate5m..., slo:objective:ratio)
    or Pyrra ("pyrra": <metric>:burnrate5m..., pyrra_objective) recording rules define,
    as SLO signals, without writing a query."""

    max_concurrency: int = Field(default=4, ge=1, le=64)
    """Most requests of this source in flight at once. Each query is one request per
    collection (plus one for its baseline); they run concurrently up to this many, so
    twenty queries do not hit the server all at once nor wait for each other."""

    backfill: Duration = Field(default=1800.0, le=7 * 86400.0)
    """How far back the charts are filled at start: once, on the second collection
    (so neither the first screen nor a one-shot `check` waits for it), one query_range
    per query and two per SLO table (its error budget over the period, for the SLO
    detail's budget chart), at most 360 points per series. Best effort: bounded like a collection
    (size cap, max_series, within the source's timeout); if it fails, the charts just
    fill as data comes. "0s" turns it off; at most "7d"."""

    @model_validator(mode="after")
    def _something_to_read(self) -> Self:
        if not (self.queries or self.slos or self.canaries or self.slo_rules):
            raise ValueError("give at least one of queries, slos, canaries or slo_rules")
        return self
