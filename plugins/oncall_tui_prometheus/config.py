"""Options of a `plugin = "prometheus"` source.

The core keys (`plugin`, `interval`, `timeout`, `max_age`) are stripped by the config
loader before this model sees the table, so they are not declared here.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field, field_validator

from oncall_tui.plugin import PluginConfig, Template, ThresholdOptions, Unit

_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


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


class PrometheusConfig(PluginConfig):
    """Signals from PromQL queries against any Prometheus-API server (Prometheus,
    Thanos, Mimir, VictoriaMetrics)."""

    # Headers carry tokens and the URL may carry a password: a validation error must not
    # echo them back (pydantic quotes the input value by default).
    model_config = ConfigDict(hide_input_in_errors=True)

    url: str
    """Base URL of the server, e.g. "http://127.0.0.1:9090" or
    "https://mimir.example.com/prometheus"; /api/v1/query is appended."""

    headers: dict[str, str] = Field(default_factory=dict)
    """Extra HTTP headers, e.g. { Authorization = "Bearer ${PROM_TOKEN}" }. Values never
    appear in messages."""

    verify_tls: bool = True
    """Verify the server's TLS certificate. Turn off only for a server whose
    certificate you cannot fix: without it anyone on the path can feed the board."""

    queries: list[Query] = Field(min_length=1)
    """The queries, in [[sources.<name>.queries]] tables."""

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str) -> str:
        url = url.strip()
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError for a bad port
        except ValueError as exc:
            raise ValueError(f"not a valid URL: {exc}") from None
        if parts.scheme not in ("http", "https"):
            raise ValueError("must start with http:// or https://")
        if not parts.hostname:
            raise ValueError("has no host name")
        if parts.query or parts.fragment:
            raise ValueError("must not contain ?query or #fragment: give the base URL")
        return url.rstrip("/")

    @field_validator("headers")
    @classmethod
    def _check_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not _HEADER_NAME.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if any(ch in value for ch in "\r\n\0"):
                # Never quote the value: it is usually a secret.
                raise ValueError(f"header {name!r} has a line break or NUL in its value")
        return headers
