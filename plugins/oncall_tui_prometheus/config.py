"""Options of a `plugin = "prometheus"` source.

The core keys (`plugin`, `interval`, `timeout`, `max_age`) are stripped by the config
loader before this model sees the table, so they are not declared here.
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, field_validator

from oncall_tui.plugin import HTTPOptions, Template, ThresholdOptions, Unit


class Query(ThresholdOptions):
    """One PromQL query; every series it returns becomes one signal."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True, frozen=True)

    kind: Literal["health", "risk_rule", "dependency"]
    """Panel the signals go to: health (our services), risk_rule (rule hit rates) or
    dependency (payment gateway, credit bureau, SMS provider, bank core)."""

    name: Template = Field(min_length=1)
    """Signal name, filled from the series' labels: "{product}/{rule}". A label the
    series lacks shows as "?"."""

    query: str = Field(min_length=1)
    """PromQL instant query. It should return an instant vector (one signal per series)
    or a scalar (one signal); wrap range selectors in a function such as rate()."""

    unit: Unit = "count"
    """How values are shown: ratio, percent, seconds, per_second, count, bool or bytes."""

    runbook: Template = ""
    """Runbook for these signals, filled from labels: a URL such as
    "https://runbooks.example.com/risk/{rule}", or a path relative to the config file
    such as "runbooks/{service}.md". In a URL label values are percent-encoded, so a
    label cannot change the link's host or path; in a path "/" and "\\" in a value
    become "_" and a value of "." or ".." becomes underscores, so a label cannot leave
    the runbook folder."""

    summary: Template = ""
    """One line shown next to each signal, filled from labels: "{service} on {instance}"."""

    max_series: int = Field(default=500, ge=1, le=100_000)
    """Most series kept from one query result; the rest are dropped (in label order, so
    the same ones every time) and the kept signals say so. Protects the board from a
    query that accidentally returns thousands of series."""


class PrometheusConfig(HTTPOptions):
    """Signals from PromQL queries against any Prometheus-API server (Prometheus,
    Thanos, Mimir, VictoriaMetrics)."""

    url: str
    """Base URL of the server, e.g. "http://127.0.0.1:9090" or
    "https://mimir.example.com/prometheus"; /api/v1/query is appended. A password in it
    (user:password@) must be percent-encoded if it contains '/', '?', '#' or '@';
    basic_auth is clearer."""

    queries: list[Query] = Field(min_length=1)
    """The queries, in [[sources.<name>.queries]] tables."""

    @field_validator("url")
    @classmethod
    def _base_url(cls, url: str) -> str:
        # Runs after HTTPOptions' URL check: here url is "http(s)://host...", readable.
        parts = urlsplit(url)
        if parts.query or parts.fragment:
            raise ValueError("must not contain ?query or #fragment: give the base URL")
        return url.rstrip("/")
