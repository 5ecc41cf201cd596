"""The http source: one health check of one endpoint per source, like gatus.

A check that ran and failed (503, a timeout, an expired certificate, a name that does
not resolve) is an observation: the signal is critical and says why, and the source
stays ok. The source fails only when the check cannot be made at all (an unreadable
token or CA file), which is the config's problem, not the checked system's.

Each source has a client of its own, sharing the TLS context (the trust store, ~0.8 MB
each) with every client that trusts the same CAs. One client shared by all sources was
measured and rejected (bench/http_checks.py, 50 checks a second against one server):
sources poll in step, and httpx's pool, handed 50 requests at once, spends 2-3x the
CPU matching queued requests to connections, and a check's latency would include its
wait in that queue.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from oncall_tui.plugin import Kind, Plugin, Reading, Runbook, SourceContext
from oncall_tui.plugin.http import HTTPClientMixin, ProbeResult, probe

from .config import HTTPCheckConfig
from .judge import judge

_MIN_DEADLINE = 0.1


def deadline_for(timeout: float) -> float:
    """The check's own deadline: a little inside the engine's, so a hanging server is
    reported as a timed-out check (an observation) rather than the engine cancelling
    the whole collection (a source error). The same rule as the command source's."""
    return max(timeout - min(0.5, timeout / 10), _MIN_DEADLINE)


class HTTPPlugin(HTTPClientMixin, Plugin[HTTPCheckConfig]):
    """Checks one HTTP(S) endpoint per collection."""

    description = "One HTTP(S) health check: status, latency, body, JSON field, TLS expiry"

    def __init__(self, config: HTTPCheckConfig, context: SourceContext) -> None:
        super().__init__(config, context)
        self._name = config.name or context.name
        self._runbook = Runbook.from_config(config.runbook, context.config_dir)
        self._thresholds = config.latency_thresholds()
        self._deadline = deadline_for(context.timeout)

    def kinds(self) -> frozenset[Kind]:
        return frozenset({self.config.kind})

    def client_options(self) -> Mapping[str, Any]:
        # Its TLS context (the costly part: the trust store) is shared with every
        # client trusting the same CAs; its pool is its own (see the module doc).
        return {"timeout": self._deadline}

    async def collect(self) -> Sequence[Reading]:
        client = self.http()
        result = await probe(client, self.config.url, self.config.method, deadline=self._deadline)
        return [self._reading(result, datetime.now(UTC))]

    def _reading(self, result: ProbeResult, now: datetime) -> Reading:
        verdict = judge(result, self.config, now)
        labels: dict[str, str] = {}
        if result.status_code is not None:
            labels["status_code"] = str(result.status_code)
        if result.cert_not_after is not None:
            labels["cert_expires"] = result.cert_not_after.strftime("%Y-%m-%d %H:%M UTC")
        return Reading(
            key="check",
            kind=self.config.kind,
            name=self._name,
            # How long the check took, body included; none when no whole answer arrived
            # (a timeout's "latency" would only be the deadline).
            value=result.elapsed if result.answered else None,
            unit="seconds",
            labels=labels,
            summary=verdict.summary,
            runbook=self._runbook,
            status=verdict.status,
            thresholds=self._thresholds,
            query=f"{self.config.method} {result.url}",
            component=self.config.component,
        )
