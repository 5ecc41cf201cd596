"""Options of a `plugin = "prometheus"` source.

The core keys (`plugin`, `interval`, `timeout`, `max_age`) are stripped by the config
loader before this model sees the table, so they are not declared here.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from oncall_tui.core.durations import Duration
from oncall_tui.core.model import Unit
from oncall_tui.core.plugin_api import PluginConfig

from .templates import check_template

Template = Annotated[str, AfterValidator(check_template)]
"""A string with {label} placeholders, checked when the config is loaded."""

_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


class Query(BaseModel):
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

    warning: float | None = Field(default=None, allow_inf_nan=False)
    """Value at which a signal turns warning (reaching it counts). Unset: never."""

    critical: float | None = Field(default=None, allow_inf_nan=False)
    """Value at which a signal turns critical (reaching it counts). Unset: never."""

    below: bool = False
    """True when low values are bad (success rate, healthy instances): warning and
    critical then apply at or below the limits, and warning must be >= critical."""

    for_: Duration = Field(default=0.0, alias="for")
    """How long a breach must last before the status changes ("30s", "2m"), so one
    spike does not flap the board. Written `for` in the config."""

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

    @model_validator(mode="after")
    def _limits_in_order(self) -> Self:
        # A reversed pair would make the critical level unreachable or skip warning; it
        # is almost always a forgotten `below = true`.
        warning, critical = self.warning, self.critical
        if warning is None or critical is None:
            return self
        if not self.below and warning > critical:
            raise ValueError(
                f"warning ({warning:g}) must not be above critical ({critical:g}) when high "
                "values are bad; set below = true if low values are bad"
            )
        if self.below and warning < critical:
            raise ValueError(
                f"warning ({warning:g}) must not be below critical ({critical:g}) when "
                "below = true (low values are bad)"
            )
        return self


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
