"""Options of a `plugin = "openmetrics"` source.

The core keys (`plugin`, `interval`, `timeout`, `max_age`) are stripped by the config
loader before this model sees the table, so they are not declared here.
"""

from __future__ import annotations

import re
from typing import Literal, Self
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from oncall_tui.plugin import Template, ThresholdOptions, Unit
from oncall_tui.plugin.http import HTTPOptions

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _metric_name(name: str) -> str:
    if not _METRIC_NAME.fullmatch(name):
        raise ValueError(f"{name!r} is not a metric name")
    return name


class RatioOf(BaseModel):
    """Two counters (or gauges) divided, as a risk-rule hit rate: rule hits / decisions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    numerator: str
    """Metric whose series are divided, one signal each, e.g. "risk_rule_hits_total";
    `match` selects among its series."""

    denominator: str
    """Metric divided by, e.g. "risk_decisions_total": its series are summed per value
    of the `by` labels."""

    by: list[str] = Field(default_factory=list)
    """Labels the numerator and the denominator share, e.g. ["product"]: each numerator
    series is divided by the sum of the denominator series with the same values of
    these labels. Empty: by the sum of all denominator series."""

    @field_validator("numerator", "denominator")
    @classmethod
    def _metric_names(cls, name: str) -> str:
        return _metric_name(name)

    @field_validator("by")
    @classmethod
    def _label_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if not _LABEL_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a label name")
        return names


class Metric(ThresholdOptions):
    """One selection from the exposition; every matching series becomes one signal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["business", "health", "risk_rule", "dependency", "change"] = "health"
    """Panel the signals go to: business, health, risk_rule, dependency, or change (a
    gauge holding the unix time of the last deploy)."""

    name: Template = Field(min_length=1)
    """Signal name, filled from the series' labels: "{product}/{rule}". A label the
    series lacks shows as "?"."""

    metric: str = ""
    """Name of the series as exposed, e.g. "service_up" or "risk_decisions_total"; for
    `quantile`, the histogram's name without `_bucket`. Leave it out with `ratio_of`."""

    match: dict[str, str] = Field(default_factory=dict)
    """Label matchers: { service = "payment-api" } for an exact value, a leading "~"
    for a regular expression that must match the whole value, like PromQL's =~
    ({ product = "~pay.*" }). A missing label counts as "". For a literal leading "~"
    write a regular expression ("~\\\\~x")."""

    rate: bool = False
    """Per-second rate between two scrapes, for counters (with `ratio_of`: of both
    counters; with `quantile`: of the buckets, like histogram_quantile over rate()). A
    counter that went down was reset (the target restarted) and counts from zero, as in
    Prometheus. The first scrape has no rate yet: its signals show "no data", never 0,
    and `oncall-tui check` scrapes such a source twice."""

    ratio_of: RatioOf | None = None
    """A ratio of two metrics instead of `metric`:
    { numerator = "risk_rule_hits_total", denominator = "risk_decisions_total",
    by = ["product"] }. Division by zero is no data."""

    quantile: float | None = Field(default=None, ge=0.0, le=1.0)
    """A quantile (0.99) of the histogram `metric`, from its `_bucket` series with linear
    interpolation inside a bucket, as Prometheus' histogram_quantile: one signal per
    label set (without `le`)."""

    unit: Unit | None = None
    """How values are shown: ratio, percent, seconds, per_second, count, bool or bytes.
    Default: ratio for `ratio_of`, per_second for a `rate` (not of a quantile), seconds
    or bytes for a metric named *_seconds or *_bytes, else count."""

    component: Template = ""
    """What the signals are about for the probable-cause logic, filled from labels:
    "{service}". Default: the signal's name."""

    summary: Template = ""
    """One line shown next to each signal, filled from labels. Default: the metric's
    HELP text."""

    runbook: Template = ""
    """Runbook, filled from labels: a URL ("https://runbooks.example.com/risk/{rule}")
    or a path relative to the config file ("runbooks/{service}.md"). Label values are
    percent-encoded in a URL and cannot leave the folder in a path."""

    max_series: int = Field(default=500, ge=1, le=100_000)
    """Most series kept for this metric; the rest are dropped (in label order, so the
    same ones every time) and the kept signals say so."""

    @field_validator("metric")
    @classmethod
    def _check_metric(cls, name: str) -> str:
        return _metric_name(name) if name else name

    @field_validator("match")
    @classmethod
    def _check_match(cls, matchers: dict[str, str]) -> dict[str, str]:
        for label, value in matchers.items():
            if not _LABEL_NAME.fullmatch(label):
                raise ValueError(f"{label!r} is not a label name")
            if value.startswith("~"):
                try:
                    re.compile(value[1:])
                except re.error as exc:
                    raise ValueError(f"{label}: invalid regular expression: {exc}") from None
        return matchers

    @model_validator(mode="after")
    def _one_selection(self) -> Self:
        if bool(self.metric) == (self.ratio_of is not None):
            raise ValueError("give either metric or ratio_of (exactly one)")
        if self.quantile is not None and self.ratio_of is not None:
            raise ValueError("quantile applies to a histogram metric, not to ratio_of")
        return self

    @property
    def selected(self) -> str:
        """The metric whose series become signals (the numerator of a ratio)."""
        return self.ratio_of.numerator if self.ratio_of is not None else self.metric

    @property
    def shown_unit(self) -> Unit:
        if self.unit is not None:
            return self.unit
        if self.ratio_of is not None:
            return "ratio"
        if self.rate and self.quantile is None:
            return "per_second"
        base = self.metric.removesuffix("_bucket")
        if base.endswith("_seconds"):
            return "seconds"
        if base.endswith("_bytes"):
            return "bytes"
        return "count"


class OpenMetricsConfig(HTTPOptions):
    """Signals from a Prometheus /metrics endpoint scraped directly, without a
    Prometheus server: gauges, counter rates, ratios of counters, histogram quantiles."""

    url: str
    """The endpoint, e.g. "http://10.0.0.5:9100/metrics"; a URL without a path gets
    /metrics. Text format 0.0.4 is asked for; an OpenMetrics answer is parsed as such."""

    metrics: list[Metric] = Field(min_length=1)
    """The selections, in [[sources.<name>.metrics]] tables."""

    @field_validator("url")
    @classmethod
    def _metrics_path(cls, url: str) -> str:
        # Runs after HTTPOptions' URL check: here url is "http(s)://host...", readable.
        parts = urlsplit(url)
        if parts.fragment:
            raise ValueError("must not contain a #fragment")
        if parts.path in ("", "/"):
            parts = parts._replace(path="/metrics")
        return urlunsplit(parts)
