"""Options of a `plugin = "alertmanager"` source.

The core keys (`plugin`, `interval`, `timeout`, `max_age`) are stripped by the config
loader before this model sees the table, so they are not declared here.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from oncall_tui.plugin import Duration, Template
from oncall_tui.plugin.http import HTTPOptions, base_url

Severity = Literal["ok", "warning", "critical"]

DEFAULT_SEVERITY_MAP: dict[str, Severity] = {
    "critical": "critical",
    "page": "critical",
    "warning": "warning",
    "error": "warning",
    "info": "ok",
    "none": "ok",
}
"""The severity words most rule sets use; `severity_map` entries are merged over it."""

_MATCHER = re.compile(
    r"""\s*[A-Za-z_][A-Za-z0-9_]*\s*(?:=~|!~|!=|=)\s*(?:"(?:[^"\\]|\\.)*"|[^"{},]*)\s*"""
)
"""One matcher as Alertmanager's `filter` parameter takes it: name, operator, and a
value, quoted ("...") or bare."""


MAX_PEERS = 16
MAX_ACK = 7 * 86400.0


class AlertmanagerConfig(HTTPOptions):
    """Firing alerts from an Alertmanager (API v2)."""

    url: str | list[str]  # type: ignore[assignment]
    """Base URL of the Alertmanager, e.g. "http://127.0.0.1:9093" or
    "https://alertmanager.example.com"; /api/v2/alerts is appended. A list names the
    peers of an HA cluster (["http://am1:9093", "http://am2:9093"]): the board shows
    every answering peer's alerts once each, fails only when every peer fails (a down
    peer is named in the source's note), and sends silences and acks to the first peer
    that answers (the cluster gossips them to the others)."""

    ack_author: str = Field(default="", max_length=200)
    """Who an ack made from this board says took the alert; empty: $USER (as amtool)."""

    ack_duration: Duration = 7200.0
    """How long an ack lasts at most (at most 7d). The board that acked an alert ends
    its ack as soon as it sees the alert resolve, so the next incident with the same
    labels is not born acknowledged; this bounds a forgotten one."""

    filter: list[str] = Field(default_factory=list)
    """Label matchers, all of which an alert must match to be shown, written as
    Alertmanager's API and amtool take them: ['team="payments"', 'severity=~"crit.*"'].
    Operators: = != =~ !~ (regular expressions are anchored)."""

    name: Template = ""
    """Signal name, filled from the alert's labels: "{alertname} {service}". Empty: the
    alertname followed by the values of the labels that tell it apart from the other
    firing alerts of the same alertname, in label-name order ("RiskRuleHitRateHigh
    cashloan device_fingerprint"); the severity label and Prometheus replica labels
    (prometheus, prometheus_replica, replica) are never used. A lone alert of its
    alertname is just its alertname: its summary says the rest."""

    component: Template = ""
    """What the alert is about, filled from its labels: "{service}". Empty, or for an
    alert lacking a label it names: the alert's name."""

    severity_label: str = Field(default="severity", min_length=1)
    """The label whose value sets the alert's status through `severity_map`."""

    severity_map: dict[str, Severity] = Field(default_factory=lambda: dict(DEFAULT_SEVERITY_MAP))
    """Severity label value (compared case-insensitively) -> status: ok, warning or
    critical. Entries given here are merged over the default shown."""

    severity_default: Severity = "warning"
    """Status of an alert without the severity label, or with a value the map lacks:
    an alert nobody graded still deserves a look."""

    include_suppressed: bool = True
    """Show silenced and inhibited alerts too, as ok with who silenced them and until
    when (or which alert inhibits them) in the summary. False: hide them."""

    @field_validator("url")
    @classmethod
    def _check_url(cls, url: str | list[str]) -> str | list[str]:  # type: ignore[override]
        # Replaces HTTPOptions' check of the same name: each peer is checked by it.
        if isinstance(url, list):
            if not url:
                raise ValueError("give at least one URL")
            if len(url) > MAX_PEERS:
                raise ValueError(f"at most {MAX_PEERS} peers")
            return [base_url(peer) for peer in url]
        return base_url(url)

    @property
    def peers(self) -> list[str]:
        """Every peer's base URL, in the order given (one for a single URL)."""
        return list(self.url) if isinstance(self.url, list) else [self.url]

    @field_validator("ack_author")
    @classmethod
    def _plain_author(cls, author: str) -> str:
        if any(ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 for ch in author):
            raise ValueError("must be plain text")
        return author.strip()

    @field_validator("ack_duration")
    @classmethod
    def _bounded_ack(cls, seconds: float) -> float:
        if not 0 < seconds <= MAX_ACK:
            raise ValueError("must be longer than 0s and at most 7d")
        return seconds

    @field_validator("filter")
    @classmethod
    def _check_filter(cls, matchers: list[str]) -> list[str]:
        for matcher in matchers:
            if not _MATCHER.fullmatch(matcher) or any(ord(ch) < 0x20 for ch in matcher):
                raise ValueError(
                    f'{matcher!r} is not a label matcher; write name="value" with one of '
                    '= != =~ !~, e.g. severity=~"crit.*"'
                )
        return [matcher.strip() for matcher in matchers]

    @field_validator("severity_map")
    @classmethod
    def _merge_severities(cls, given: dict[str, Severity]) -> dict[str, Severity]:
        return {**DEFAULT_SEVERITY_MAP, **{word.strip().lower(): s for word, s in given.items()}}
