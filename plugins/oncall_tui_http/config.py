"""Options of a `plugin = "http"` source: one health check of one endpoint.

The core keys (`plugin`, `interval`, `timeout`, `max_age`) are stripped by the config
loader before this model sees the table; `timeout` is the check's deadline.
"""

from __future__ import annotations

import math
import re
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from oncall_tui.plugin import Duration, Thresholds
from oncall_tui.plugin.http import HTTPOptions

_INDEX = re.compile(r"0|[1-9][0-9]*")


def path_segments(path: str) -> tuple[str, ...]:
    """`checks.db.status` -> ("checks", "db", "status"); ValueError for an empty part."""
    segments = tuple(path.split("."))
    if any(not segment for segment in segments):
        raise ValueError(
            f"{path!r} is not a dotted path: write field names separated by single dots "
            "(checks.db.status, or items.0.status for the first item of a list)"
        )
    return segments


def is_index(segment: str) -> bool:
    return _INDEX.fullmatch(segment) is not None


class HTTPCheckConfig(HTTPOptions):
    """One health check of one endpoint: the answer's status, how fast it came, what
    its body says, how long its TLS certificate lasts. A check that ran and failed is
    a critical signal saying why; the source stays ok."""

    url: str
    """The endpoint checked, e.g. "https://bureau.example.com/health". Redirects are
    not followed: a 3xx answer fails the check (unless listed in expect_status) and
    says where it pointed."""

    method: Literal["GET", "HEAD"] = "GET"
    """GET (reads up to 64 KB of the body, for body_contains and json_path) or HEAD
    (status and latency only)."""

    expect_status: int | list[int] | None = None
    """The status (200) or statuses ([200, 204]) a healthy endpoint answers. Default:
    any 2xx."""

    warning_latency: Duration | None = None
    """The check turns warning when it takes this long or longer ("300ms"). Unset:
    never for latency."""

    critical_latency: Duration | None = None
    """The check turns critical when it takes this long or longer ("1s"). Unset: never
    for latency (a check that exceeds the source's `timeout` is critical anyway)."""

    body_contains: str = Field(default="", max_length=1000)
    """Text the body must contain (case-sensitive), searched in its first 64 KB, e.g.
    "UP". Empty: the body is not looked at. GET only."""

    json_path: str = ""
    """A field of a JSON body, as a dotted path: "status", "checks.db.status", or
    "items.0.status" for the first element of a list. With json_equals, its value must
    equal that; alone, the field must exist. GET only; the body must be JSON of at most
    64 KB."""

    json_equals: str | bool | int | float | None = None
    """The value json_path must have: "UP", 1, true. Strings compare exactly; numbers as
    numbers (1 equals 1.0); true/false only to a JSON boolean."""

    cert_expiry_warning_days: float | None = Field(default=None, ge=0)
    """For https: warning when the server's certificate expires within this many days
    (14). Unset: expiry is shown in the labels, never judged."""

    cert_expiry_critical_days: float | None = Field(default=None, ge=0)
    """For https: critical when the server's certificate expires within this many days
    (3). An expired certificate already fails the check (unless verify_tls = false)."""

    kind: Literal["business", "health", "risk_rule", "dependency"] = "dependency"
    """Panel the signal goes to: dependency (default), health, risk_rule or business."""

    name: str = ""
    """Signal name; default: the source's name."""

    component: str = ""
    """What the check is about (a service, a dependency) for the probable-cause logic;
    default: the signal's name."""

    runbook: str = ""
    """Runbook: a URL, or a Markdown file path relative to the config file."""

    @field_validator("expect_status")
    @classmethod
    def _statuses(cls, value: int | list[int] | None) -> int | list[int] | None:
        statuses = [value] if isinstance(value, int) else (value or [])
        if isinstance(value, list) and not value:
            raise ValueError("give at least one status, or leave it out for any 2xx")
        for status in statuses:
            if not 100 <= status <= 599:
                raise ValueError(f"{status} is not an HTTP status (100-599)")
        return value

    @field_validator("json_path")
    @classmethod
    def _dotted(cls, path: str) -> str:
        if path:
            path_segments(path)
        return path

    @field_validator("json_equals")
    @classmethod
    def _finite(cls, value: str | bool | int | float | None) -> str | bool | int | float | None:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("must be a finite number, a string or true/false")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.method == "HEAD":
            reads = [name for name in ("body_contains", "json_path") if getattr(self, name)]
            if reads:
                raise ValueError(
                    f'{" and ".join(reads)} need a body: HEAD reads none, use method = "GET"'
                )
        if self.json_equals is not None and not self.json_path:
            raise ValueError("json_equals needs json_path (the field to compare)")
        warning, critical = self.warning_latency, self.critical_latency
        if warning is not None and critical is not None and warning > critical:
            raise ValueError("warning_latency must not be above critical_latency")
        warning, critical = self.cert_expiry_warning_days, self.cert_expiry_critical_days
        if warning is not None and critical is not None and warning < critical:
            raise ValueError(
                "cert_expiry_warning_days must not be below cert_expiry_critical_days "
                "(warning comes first, with more days left)"
            )
        return self

    @property
    def expected(self) -> frozenset[int] | None:
        """The statuses that pass, or None for any 2xx."""
        if self.expect_status is None:
            return None
        if isinstance(self.expect_status, int):
            return frozenset({self.expect_status})
        return frozenset(self.expect_status)

    def latency_thresholds(self) -> Thresholds | None:
        if self.warning_latency is None and self.critical_latency is None:
            return None
        return Thresholds(self.warning_latency, self.critical_latency)
